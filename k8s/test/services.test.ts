/**
 * The Deployments against the services they run: the environment each package's config.ts reads
 * (parsed by that very loadConfig), listening on 0.0.0.0, addresses that name the Services, Kafka
 * and PostgreSQL the overlays create, the Secrets they reference, hardening, probes and images.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REGISTRY_POOL, loadConfig as stackConfig } from '@eventlens/stack';
import { describe, expect, it } from 'vitest';
import { find, K8S_DIR, one, OVERLAYS, REPO_ROOT, render, type K8sObject, type Overlay } from './render';

/** The built entry point a package runs in production: its `start:built` script's file (e.g. dist/main.js). */
function builtEntry(pkg: string): string {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, pkg, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const entry = /(\S+\.js)$/.exec(manifest.scripts['start:built'] ?? '')?.[1];
  if (!entry) throw new Error(`${pkg}/package.json has no start:built script naming its built entry`);
  return entry;
}

type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
};

/** The package that each Deployment runs, and the file its configuration is parsed in. */
type Listening = { port: number; host: string };
const top = (c: unknown) => c as Listening;
const SERVICES = {
  'command-side': {
    config: 'command-side/src/config.ts',
    listening: (c: unknown) => (c as { http: Listening }).http,
  },
  'query-side': { config: 'query-side/src/config.ts', listening: top },
  projections: { config: 'projections/src/config.ts', listening: top },
  console: { config: 'console/server/config.ts', listening: top },
} as const;
type Service = keyof typeof SERVICES;
const SERVICE_NAMES = Object.keys(SERVICES) as Service[];

type IngressPath = {
  path: string;
  pathType: string;
  backend: { service: { name: string; port: { name: string } } };
};

function secretValue(objects: K8sObject[], name: string, key: string): string {
  const secret = find(objects, 'Secret', name)[0];
  if (secret) {
    const data = (secret.data ?? {}) as Record<string, string>;
    const string = (secret.stringData ?? {}) as Record<string, string>;
    if (key in string) return string[key]!;
    if (key in data) return Buffer.from(data[key]!, 'base64').toString('utf8');
    throw new Error(`Secret ${name} has no key ${key}`);
  }
  // prod: created outside the repository; a stand-in of the shape the README asks for.
  return `external-${name}-${key}-0123456789abcdef`;
}

/** The container's environment as the kubelet builds it: Secret values and $(VAR) expanded. */
function containerEnv(objects: K8sObject[], deployment: K8sObject): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of deployment.spec.template.spec.containers[0].env as EnvVar[]) {
    if (v.valueFrom?.secretKeyRef) {
      env[v.name] = secretValue(objects, v.valueFrom.secretKeyRef.name, v.valueFrom.secretKeyRef.key);
    } else {
      env[v.name] = (v.value ?? '').replace(
        /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
        (all, name: string) => env[name] ?? all,
      );
    }
  }
  return env;
}

async function loadServiceConfig(service: Service, env: Record<string, string>): Promise<unknown> {
  const mod = (await import(/* @vite-ignore */ path.join(REPO_ROOT, SERVICES[service].config))) as {
    loadConfig(env: Record<string, string | undefined>): unknown;
  };
  return mod.loadConfig(env);
}

function container(deployment: K8sObject) {
  return deployment.spec.template.spec.containers[0];
}

function kafkaTopic(objects: K8sObject[], topic: string): K8sObject {
  return find(objects, 'KafkaTopic').find((t) => (t.spec.topicName ?? t.metadata.name) === topic)!;
}

describe.each(OVERLAYS)('overlay %s', (overlay: Overlay) => {
  const objects = () => render(overlay);

  it.each(SERVICE_NAMES)(
    '%s: its config.ts accepts the environment, listens on 0.0.0.0 at the container port',
    async (service) => {
      const all = objects();
      const deployment = one(all, 'Deployment', service);
      const env = containerEnv(all, deployment);
      const config = await loadServiceConfig(service, env);
      expect(SERVICES[service].listening(config).host).toBe('0.0.0.0');
      const port = container(deployment).ports.find((p: { name: string }) => p.name === 'http').containerPort;
      expect(SERVICES[service].listening(config).port).toBe(port);

      // Names match what the package reads: every EVENTLENS_* set is read, and every *_HOST it reads is set.
      const source = readFileSync(path.join(REPO_ROOT, SERVICES[service].config), 'utf8');
      const read = new Set(source.match(/EVENTLENS_[A-Z0-9_]+/g) ?? []);
      for (const name of Object.keys(env).filter((n) => n.startsWith('EVENTLENS_'))) {
        expect(read.has(name), `${service} does not read ${name}`).toBe(true);
      }
      for (const name of [...read].filter((n) => n.endsWith('_HOST')))
        expect(env[name], name).toBe('0.0.0.0');
    },
  );

  it('addresses name the Services, the Kafka bootstrap and the PostgreSQL roles the overlay creates', () => {
    const all = objects();
    const env = (name: string) => containerEnv(all, one(all, 'Deployment', name));
    const service = (name: string) => one(all, 'Service', name);
    const kafka = one(all, 'Kafka', 'eventlens');
    const listener = kafka.spec.kafka.listeners.find((l: { tls: boolean }) => !l.tls);
    const brokers = `${kafka.metadata.name}-kafka-bootstrap:${listener.port}`;
    const registry = service('registry');
    const registryUrl = `http://${registry.metadata.name}:${registry.spec.ports[0].port}/apis/ccompat/v7`;
    for (const name of ['command-side', 'projections']) {
      expect(env(name).EVENTLENS_KAFKA_BROKERS).toBe(brokers);
      expect(env(name).EVENTLENS_REGISTRY_URL).toBe(registryUrl);
    }
    const consoleEnv = env('console');
    for (const [variable, target] of [
      ['EVENTLENS_INGEST_URL', 'command-side'],
      ['EVENTLENS_QUERY_URL', 'query-side'],
    ] as const) {
      expect(consoleEnv[variable]).toBe(`http://${target}:${service(target).spec.ports[0].port}`);
    }

    const cluster = one(all, 'Cluster', 'eventlens-pg');
    const initdb = cluster.spec.bootstrap.initdb;
    const roles = new Map<string, K8sObject>(cluster.spec.managed.roles.map((r: K8sObject) => [r.name, r]));
    const owner = new URL(env('projections').EVENTLENS_DATABASE_URL!);
    expect(owner.hostname).toBe(`${cluster.metadata.name}-rw`);
    expect(owner.username).toBe(initdb.owner);
    expect(owner.pathname).toBe(`/${initdb.database}`);
    expect(decodeURIComponent(owner.password)).toBe(secretValue(all, initdb.secret.name, 'password'));

    const reader = new URL(env('query-side').EVENTLENS_READER_DATABASE_URL!);
    expect([
      `${cluster.metadata.name}-rw`,
      `${cluster.metadata.name}-r`,
      `${cluster.metadata.name}-ro`,
    ]).toContain(reader.hostname);
    expect(reader.pathname).toBe(`/${initdb.database}`);
    expect(roles.get(reader.username)?.login).toBe(true);
    expect(decodeURIComponent(reader.password)).toBe(
      secretValue(all, roles.get(reader.username)!.passwordSecret.name, 'password'),
    );
    // The projections grant read access to the role the query side logs in as.
    expect(env('projections').EVENTLENS_READER_ROLE).toBe(reader.username);

    // The registry's database, made at bootstrap and owned by its managed role.
    const registryEnv = env('registry');
    expect(registryEnv.APICURIO_STORAGE_KIND).toBe('sql');
    expect(registryEnv.APICURIO_STORAGE_SQL_KIND).toBe('postgresql');
    // Bounded as the local stack bounds it: Apicurio's defaults hold 20 open per replica and allow 100.
    expect(registryEnv).toMatchObject({
      APICURIO_DATASOURCE_JDBC_INITIAL_SIZE: String(REGISTRY_POOL.min),
      APICURIO_DATASOURCE_JDBC_MIN_SIZE: String(REGISTRY_POOL.min),
      APICURIO_DATASOURCE_JDBC_MAX_SIZE: String(REGISTRY_POOL.max),
    });
    const jdbc = /^jdbc:postgresql:\/\/([^:/]+):5432\/(\w+)$/.exec(registryEnv.APICURIO_DATASOURCE_URL!);
    expect(jdbc?.[1]).toBe(`${cluster.metadata.name}-rw`);
    const created = (initdb.postInitSQL as string[])
      .map((sql) => /^CREATE DATABASE (\w+) OWNER (\w+)$/i.exec(sql))
      .find((m) => m?.[1] === jdbc?.[2]);
    expect(created, `no database ${jdbc?.[2]} at bootstrap`).toBeTruthy();
    const registryRole = roles.get(created![2]!);
    expect(registryRole?.login).toBe(true);
    if (overlay === 'dev') expect(registryEnv.APICURIO_DATASOURCE_USERNAME).toBe(created![2]);
    const registryContainer = container(one(all, 'Deployment', 'registry'));
    const passwordRef = registryContainer.env.find((v: EnvVar) => v.name === 'APICURIO_DATASOURCE_PASSWORD');
    expect(passwordRef.valueFrom.secretKeyRef.name).toBe(registryRole!.passwordSecret.name);
  });

  it('every Deployment is hardened, probed, bounded and runs its pinned image', () => {
    const deployments = find(objects(), 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...SERVICE_NAMES, 'registry'].sort());
    for (const d of deployments) {
      const name = d.metadata.name;
      const pod = d.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot, name).toBe(true);
      expect(pod.securityContext.seccompProfile, name).toEqual({ type: 'RuntimeDefault' });
      expect(pod.automountServiceAccountToken, name).toBe(false);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(c.securityContext.readOnlyRootFilesystem, name).toBe(true);
        expect(c.securityContext.allowPrivilegeEscalation, name).toBe(false);
        expect(c.securityContext.capabilities.drop, name).toContain('ALL');
        expect(c.securityContext.capabilities.add ?? [], name).toEqual([]);
        for (const kind of ['requests', 'limits']) {
          expect(Object.keys(c.resources[kind]).sort(), `${name} ${kind}`).toEqual(['cpu', 'memory']);
        }
        expect(c.livenessProbe?.httpGet, `${name} liveness`).toBeTruthy();
        expect(c.readinessProbe?.httpGet, `${name} readiness`).toBeTruthy();
      }
      // Secrets only by reference; a URL carries a password only through $(VAR) from a Secret.
      for (const v of pod.containers[0].env as EnvVar[]) {
        if (/SECRET|TOKEN|PASSWORD/.test(v.name))
          expect(v.valueFrom?.secretKeyRef, `${name} ${v.name}`).toBeTruthy();
        if (v.value && /:\/\/[^/]*@/.test(v.value))
          expect(v.value, `${name} ${v.name}`).toMatch(/:\$\([A-Z_]+\)@/);
      }
      const c = pod.containers[0];
      if (name === 'registry') {
        expect(c.image).toBe(`apicurio/apicurio-registry:${stackConfig({}).registryVersion}`);
        continue;
      }
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.command).toEqual(['node', `${name}/${builtEntry(name)}`]);
      const image = /^ghcr\.io\/eventlens\/([a-z-]+):([\w.-]+)$/.exec(c.image);
      expect(image?.[1], c.image).toBe(name);
      expect(image?.[2], c.image).not.toBe('latest');
    }
  });

  it('projections never outnumber the partitions of the events topic; disruption budgets cover every Deployment', () => {
    const all = objects();
    const partitions = kafkaTopic(all, 'eventlens.events').spec.partitions as number;
    const projections = one(all, 'Deployment', 'projections');
    // An autoscaler's target sets no count of its own (below); the others one within the partitions.
    if (projections.spec.replicas !== undefined) {
      expect(projections.spec.replicas).toBeGreaterThanOrEqual(1);
      expect(projections.spec.replicas).toBeLessThanOrEqual(partitions);
    }
    for (const scaled of find(all, 'ScaledObject')) {
      expect(scaled.spec.scaleTargetRef.name).toBe('projections');
      expect(scaled.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
      expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      const trigger = scaled.spec.triggers[0];
      expect(trigger.metadata.topic).toBe('eventlens.events');
      expect(trigger.metadata.consumerGroup).toBe('eventlens.projections.analytics');
    }
    for (const d of find(all, 'Deployment')) {
      const pdbs = find(all, 'PodDisruptionBudget').filter((p) =>
        Object.entries(p.spec.selector.matchLabels).every(
          ([k, v]) => d.spec.template.metadata.labels[k] === v,
        ),
      );
      expect(pdbs.length, `PodDisruptionBudget of ${d.metadata.name}`).toBe(1);
    }
    const hpa = one(all, 'HorizontalPodAutoscaler', 'command-side');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'command-side',
    });
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    // A Deployment an autoscaler scales leaves the count to it: a count of its own would be set back
    // by every `kubectl apply` (an upgrade), undoing a scale-up.
    const floors = new Map<string, number>([
      ...find(all, 'HorizontalPodAutoscaler').map((h): [string, number] => [
        h.spec.scaleTargetRef.name,
        h.spec.minReplicas,
      ]),
      ...find(all, 'ScaledObject').map((s): [string, number] => [
        s.spec.scaleTargetRef.name,
        s.spec.minReplicaCount,
      ]),
    ]);
    for (const d of find(all, 'Deployment'))
      if (floors.has(d.metadata.name)) expect(d.spec.replicas, d.metadata.name).toBeUndefined();
    if (overlay !== 'dev') {
      for (const d of find(all, 'Deployment'))
        expect(floors.get(d.metadata.name) ?? d.spec.replicas, d.metadata.name).toBeGreaterThanOrEqual(2);
    }
  });

  it('Secrets: generated with fake values in dev, created outside and documented in prod', () => {
    const all = objects();
    const referenced = new Map<string, Set<string>>();
    const ref = (name: string, key: string) =>
      referenced.set(name, (referenced.get(name) ?? new Set()).add(key));
    for (const d of find(all, 'Deployment')) {
      for (const v of container(d).env as EnvVar[]) {
        if (v.valueFrom?.secretKeyRef) ref(v.valueFrom.secretKeyRef.name, v.valueFrom.secretKeyRef.key);
      }
    }
    const cluster = one(all, 'Cluster', 'eventlens-pg');
    for (const name of [
      cluster.spec.bootstrap.initdb.secret.name,
      ...cluster.spec.managed.roles.map((r: K8sObject) => r.passwordSecret.name),
    ]) {
      ref(name, 'username');
      ref(name, 'password');
    }
    expect([...referenced.keys()].sort()).toEqual([
      'eventlens-app',
      'eventlens-db-owner',
      'eventlens-db-reader',
      'eventlens-db-registry',
    ]);
    const secrets = find(all, 'Secret');
    if (overlay === 'dev') {
      for (const [name, keys] of referenced) {
        for (const key of keys) {
          const value = secretValue(all, name, key);
          if (key !== 'username') expect(value, `${name}/${key}`).toMatch(/fake/);
          // Passwords go into postgresql:// URLs unescaped.
          expect(value, `${name}/${key}`).toMatch(/^[A-Za-z0-9_.~-]+$/);
        }
      }
      for (const role of cluster.spec.managed.roles) {
        expect(secretValue(all, role.passwordSecret.name, 'username')).toBe(role.name);
      }
      expect(secretValue(all, cluster.spec.bootstrap.initdb.secret.name, 'username')).toBe(
        cluster.spec.bootstrap.initdb.owner,
      );
    } else {
      expect(secrets).toEqual([]);
      const readme = readFileSync(path.join(K8S_DIR, 'README.md'), 'utf8');
      for (const [name, keys] of referenced) {
        expect(readme, name).toContain(name);
        for (const key of keys) expect(readme, `${name} ${key}`).toContain(key);
      }
      for (const tls of one(all, 'Ingress', 'eventlens').spec.tls ?? [])
        expect(readme).toContain(tls.secretName);
    }
  });

  it('one Ingress gives the browser one origin, as the console server does locally', () => {
    const all = objects();
    const ingress = one(all, 'Ingress', 'eventlens');
    const routes = Object.fromEntries(
      (ingress.spec.rules[0].http.paths as IngressPath[]).map((p) => [
        p.path,
        [p.pathType, p.backend.service.name],
      ]),
    );
    expect(routes).toEqual({
      '/v1/events': ['Exact', 'command-side'],
      '/v1/batch': ['Exact', 'command-side'],
      '/api/event': ['Exact', 'command-side'],
      '/api/v2': ['Prefix', 'query-side'],
      '/api/query': ['Prefix', 'console'],
      '/api/command': ['Prefix', 'console'],
      '/': ['Prefix', 'console'],
    });
    // Each path routed past the console is one its service documents (its openapi.json), and every
    // route of those services that clients outside call at the origin's root is routed to it.
    const documented = (service: string) =>
      Object.keys(
        (
          JSON.parse(readFileSync(new URL(`../../${service}/openapi.json`, import.meta.url), 'utf8')) as {
            paths: Record<string, unknown>;
          }
        ).paths,
      );
    for (const p of ingress.spec.rules[0].http.paths as IngressPath[]) {
      if (p.backend.service.name === 'console') continue;
      const paths = documented(p.backend.service.name);
      expect(
        paths.some((d) => (p.pathType === 'Exact' ? d === p.path : d.startsWith(`${p.path}/`))),
        p.path,
      ).toBe(true);
    }
    for (const [service, prefix] of [
      ['command-side', '/api/'],
      ['query-side', '/api/'],
    ] as const)
      for (const d of documented(service).filter((path) => path.startsWith(prefix)))
        expect(
          (ingress.spec.rules[0].http.paths as IngressPath[]).some(
            (p) =>
              p.backend.service.name === service &&
              (p.pathType === 'Exact' ? d === p.path : d.startsWith(`${p.path}/`)),
          ),
          `${service} ${d}`,
        ).toBe(true);
    for (const p of ingress.spec.rules[0].http.paths as IngressPath[]) {
      const svc = one(all, 'Service', p.backend.service.name);
      expect(svc.spec.ports.map((port: { name: string }) => port.name)).toContain(
        p.backend.service.port.name,
      );
    }
  });
});
