/**
 * Schema validation of rendered objects, refusing unknown fields everywhere:
 * - core kinds: the `kubernetes-models` class of the kind (`.validate()`);
 * - CloudNativePG `Cluster`, KEDA `ScaledObject`, the Prometheus operator's `ServiceMonitor` and
 *   `PrometheusRule`: the operators' CRD schemas as published in `@kubernetes-models/cloudnative-pg`,
 *   `@kubernetes-models/keda` and `@kubernetes-models/prometheus-operator` (same `.validate()`);
 * - Strimzi `Kafka`, `KafkaNodePool`, `KafkaTopic`: Strimzi's own model classes (Maven `io.strimzi:api`)
 *   through the small Java program in k8s/validate (strictJava below).
 *
 * The kubernetes-models validators are ajv code compiled from the OpenAPI schemas, and Kubernetes
 * schemas allow extra properties. So each object is validated through a Proxy that records which
 * properties the validator reads: a compiled validator reads every property its schema declares and
 * enumerates the keys of maps, so a key it never read is a field the schema does not know.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { K8S_DIR, type K8sObject } from './render';

type ModelClass = { prototype: { validate(): void }; new (data: unknown): { validate(): void } };

async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  let mod: Record<string, unknown>;
  if (apiVersion === 'postgresql.cnpg.io/v1') {
    mod = await import('@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1');
  } else if (apiVersion === 'keda.sh/v1alpha1') {
    mod = await import('@kubernetes-models/keda/keda.sh/v1alpha1');
  } else if (apiVersion === 'monitoring.coreos.com/v1') {
    mod = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1');
  } else if (/^([a-z0-9.]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion) && !apiVersion.includes('strimzi')) {
    mod = await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}`).catch(() => ({}));
  } else {
    return undefined;
  }
  return mod[kind] as ModelClass | undefined;
}

export const STRIMZI_API = 'kafka.strimzi.io/v1beta2';
export const isStrimzi = (o: K8sObject) => o.apiVersion === STRIMZI_API;

/** Problems of one object: schema violations and unknown fields ([] when valid). */
export async function validateObject(object: K8sObject): Promise<string[]> {
  const Model = await modelFor(object.apiVersion, object.kind);
  if (!Model) return [`no validator for ${object.apiVersion} ${object.kind}`];
  const problems: string[] = [];
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push((error as Error).message);
  }
  for (const field of unknownFields(Model, object)) problems.push(`unknown field ${field}`);
  return problems;
}

function unknownFields(Model: ModelClass, object: K8sObject): string[] {
  const plain = JSON.parse(JSON.stringify(object)) as unknown;
  const read = new Map<object, Set<string>>();
  const enumerated = new Set<object>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const known = proxies.get(value);
    if (known) return known;
    read.set(value, new Set());
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === 'string') read.get(target)!.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === 'string') read.get(target)!.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        enumerated.add(target);
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  try {
    Model.prototype.validate.call(wrap(plain));
  } catch {
    // Reported by the plain validation.
  }
  const unknown: string[] = [];
  const walk = (value: unknown, at: string) => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, `${at}[${i}]`));
    const keys = read.get(value);
    for (const [key, child] of Object.entries(value)) {
      if (!keys || (!keys.has(key) && !enumerated.has(value))) unknown.push(`${at}.${key}`);
      else walk(child, `${at}.${key}`);
    }
  };
  walk(plain, '');
  return unknown;
}

const VALIDATE_DIR = path.join(K8S_DIR, 'validate');
const TARGET = path.join(VALIDATE_DIR, 'target');
const CLASSPATH_FILE = path.join(TARGET, 'classpath.txt');
const MAIN_CLASS = 'dev.eventlens.k8s.ValidateStrimzi';
const SOURCE = path.join(VALIDATE_DIR, 'src/main/java/dev/eventlens/k8s/ValidateStrimzi.java');
const COMPILED = path.join(TARGET, 'classes/dev/eventlens/k8s/ValidateStrimzi.class');

/** Compiles k8s/validate with Maven unless target/ is newer than its sources (the warm path). */
export function buildStrimziValidator(): void {
  const fresh =
    existsSync(COMPILED) &&
    existsSync(CLASSPATH_FILE) &&
    statSync(COMPILED).mtimeMs >= statSync(SOURCE).mtimeMs &&
    statSync(CLASSPATH_FILE).mtimeMs >= statSync(path.join(VALIDATE_DIR, 'pom.xml')).mtimeMs;
  if (fresh) return;
  mkdirSync(TARGET, { recursive: true });
  try {
    execFileSync(
      'mvn',
      ['-q', '-B', 'compile', 'dependency:build-classpath', `-Dmdep.outputFile=${CLASSPATH_FILE}`],
      { cwd: VALIDATE_DIR, stdio: 'pipe', timeout: 540_000, encoding: 'utf8' },
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `building k8s/validate with Maven failed (needs mvn and a JDK 17+): ${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-2000) || e.message}`,
    );
  }
}

/** Validates Strimzi objects with Strimzi's model classes: one problem list per object. */
export function validateStrimzi(objects: K8sObject[]): string[][] {
  buildStrimziValidator();
  const classpath = `${path.join(TARGET, 'classes')}${path.delimiter}${readFileSync(CLASSPATH_FILE, 'utf8').trim()}`;
  const out = execFileSync('java', ['-cp', classpath, MAIN_CLASS], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: 120_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  const results = JSON.parse(out) as { index: number; ok: boolean; error?: string }[];
  if (results.length !== objects.length)
    throw new Error(`the Strimzi validator answered ${results.length} of ${objects.length}`);
  return results.map((r) => (r.ok ? [] : [r.error ?? 'invalid']));
}
