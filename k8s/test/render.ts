/** Renders the overlays with `kubectl kustomize` (kustomize v5, built into kubectl). */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const K8S_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Every overlay under k8s/overlays; prod-keda is prod with the optional KEDA component. */
export const OVERLAYS = ['dev', 'prod', 'prod-keda'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
};

export const KUBECTL_MISSING =
  'kubectl 1.27+ (kustomize v5 built in) is needed to render k8s/overlays and was not found on PATH: install it (https://kubernetes.io/docs/tasks/tools/) and run the tests again';

export function kubectlError(): string | undefined {
  let version: string;
  try {
    version = execFileSync('kubectl', ['version', '--client'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
  } catch {
    return KUBECTL_MISSING;
  }
  // kustomize v5 (kubectl 1.27+) for components, labels and inline patches.
  const kustomize = /Kustomize Version: v(\d+)/.exec(version);
  if (!kustomize || Number(kustomize[1]) < 5)
    return KUBECTL_MISSING.replace(
      'was not found on PATH',
      `is older (${version.trim().replace(/\n/g, ', ')})`,
    );
  return undefined;
}

const cache = new Map<Overlay, K8sObject[]>();

export function render(overlay: Overlay): K8sObject[] {
  const cached = cache.get(overlay);
  if (cached) return structuredClone(cached);
  const missing = kubectlError();
  if (missing) throw new Error(missing);
  const out = execFileSync('kubectl', ['kustomize', `${K8S_DIR}/overlays/${overlay}`], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  const objects = parseAllDocuments(out)
    .map((doc) => doc.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  cache.set(overlay, objects);
  return structuredClone(objects);
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function one(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = find(objects, kind, name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length}`);
  return found[0]!;
}
