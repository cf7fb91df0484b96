/**
 * The container images (Dockerfile, scripts/images/): each service's image, run with podman against the
 * running stack's Kafka, registry and PostgreSQL (host network, a free port), answers /readyz 200 with a
 * read-only root filesystem and a tmpfs /tmp, as the non-root user 10001; its HEALTHCHECK passes; SIGTERM
 * stops it with exit code 0.
 *
 * Images built by `bash scripts/images/build.sh --local-base` are reused when their io.eventlens.inputs
 * label matches the current sources (scripts/images/inputs.sh); otherwise they are rebuilt, from cached
 * layers where the dependencies did not change. NODE_IMAGE picks another base, as for the script.
 * Needs podman, buildah, runc and debootstrap (Debian: apt-get install -y podman buildah runc debootstrap).
 *
 * The projections image also catches up a backlog inside the memory limit its Kubernetes Deployment
 * gives it (podman --memory): a worker that overruns it is OOM-killed, restarts at its checkpoint,
 * fetches the same records and is killed again, so it would never catch up.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, loadConfig, REPO_ROOT, stackForTests } from '@eventlens/stack';
import { eventually } from '@eventlens/stack/eventually';
import { behind, createTestEnv, generateTraffic, produceEvents } from '@eventlens/projections/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const TAG = process.env.EVENTLENS_IMAGE_TAG ?? 'dev';
const SERVICES = [
  { name: 'command-side', portVar: 'EVENTLENS_INGEST_PORT', hostVar: 'EVENTLENS_INGEST_HOST' },
  { name: 'projections', portVar: 'EVENTLENS_PROJECTIONS_PORT', hostVar: 'EVENTLENS_PROJECTIONS_HOST' },
  { name: 'query-side', portVar: 'EVENTLENS_QUERY_PORT', hostVar: 'EVENTLENS_QUERY_HOST' },
  { name: 'console', portVar: 'EVENTLENS_CONSOLE_PORT', hostVar: 'EVENTLENS_CONSOLE_HOST' },
] as const;
/** What runs containers on hosts where podman's default runtime (crun) cannot (cgroup v1/hybrid). */
const PODMAN = ['--runtime', '/usr/sbin/runc', '--cgroup-manager=cgroupfs', '--events-backend=file'];
const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

const podman = (args: string[], timeout = 60_000) =>
  run('podman', [...PODMAN, ...args], { timeout, maxBuffer: 16 * 1024 * 1024 });

/**
 * Starts `image` as `container` the way the tests run every image: on the host's network, with a
 * read-only root filesystem and a tmpfs /tmp, `env` as its environment (undefined values left out),
 * and `extra` podman options before the image.
 */
const runDetached = (
  container: string,
  image: string,
  env: Record<string, string | undefined>,
  extra: string[] = [],
) =>
  podman([
    'run',
    '--detach',
    '--name',
    container,
    '--network=host',
    '--read-only',
    '--tmpfs',
    '/tmp:rw,size=64m',
    ...ULIMITS,
    ...extra,
    ...Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : ['--env', `${k}=${v}`])),
    image,
  ]);

async function has(tool: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${tool}`]).then(
    () => true,
    () => false,
  );
}

describe('the Dockerfile', () => {
  it('copies the package.json of every workspace into its dependency stages', async () => {
    const dockerfile = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const root = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const copied = [...dockerfile.matchAll(/^COPY (\S+)\/package\.json \1\/$/gm)].map((m) => m[1]);
    expect(copied.sort()).toEqual([...root.workspaces].sort());
  });
});

describe('container images', () => {
  const id = randomBytes(3).toString('hex');
  const schemaPrefix = `t_${id}_`;
  const containers: string[] = [];
  const sizes: Record<string, string> = {};

  beforeAll(async () => {
    const missing = [];
    for (const tool of ['podman', 'buildah']) if (!(await has(tool))) missing.push(tool);
    if (missing.length > 0)
      throw new Error(
        `${missing.join(' and ')} missing: install with "apt-get install -y podman buildah runc debootstrap" (Debian)`,
      );
    const nodeImage =
      process.env.NODE_IMAGE ?? `localhost/eventlens/node-base:${process.versions.node}-bookworm`;
    const inputs = (
      await run('bash', [path.join(REPO_ROOT, 'scripts/images/inputs.sh'), nodeImage])
    ).stdout.trim();
    const stale = [];
    for (const { name } of SERVICES) {
      const label = await podman([
        'image',
        'inspect',
        '--format',
        '{{index .Labels "io.eventlens.inputs"}}',
        `ghcr.io/eventlens/${name}:${TAG}`,
      ]).then(
        (r) => r.stdout.trim(),
        () => '',
      );
      if (label !== inputs) stale.push(name);
    }
    if (stale.length > 0) {
      const started = Date.now();
      console.log(`images: building ${stale.join(', ')} (inputs ${inputs})`);
      await run('bash', [path.join(REPO_ROOT, 'scripts/images/build.sh'), '--local-base', ...stale], {
        cwd: REPO_ROOT,
        env: { ...process.env, NODE_IMAGE: nodeImage },
        timeout: 30 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      console.log(`images: built in ${Math.round((Date.now() - started) / 1000)} s`);
    } else console.log(`images: reusing the images built from inputs ${inputs}`);
  }, 30 * 60_000);

  afterAll(async () => {
    for (const name of containers) await podman(['rm', '--force', '--time', '5', name]).catch(() => {});
    const dev = await stackForTests().catch(() => undefined);
    if (dev) {
      const db = new pg.Client({ connectionString: dev.databaseUrl });
      await db.connect();
      const schemas = await db.query<{ nspname: string }>(
        `select nspname from pg_namespace where nspname like $1`,
        [`${schemaPrefix.replaceAll('_', '\\_')}%`],
      );
      for (const { nspname } of schemas.rows) await db.query(`drop schema "${nspname}" cascade`);
      await db.end();
    }
    if (Object.keys(sizes).length > 0) console.log('image sizes:', sizes);
  }, 60_000);

  it.each(SERVICES)(
    '$name answers /readyz with a read-only root filesystem, as a non-root user',
    async ({ name, portVar, hostVar }) => {
      const image = `ghcr.io/eventlens/${name}:${TAG}`;
      const inspect = async <T>(format: string) =>
        JSON.parse((await podman(['image', 'inspect', '--format', format, image])).stdout) as T;
      const config = await inspect<{ User?: string; WorkingDir?: string }>('{{json .Config}}');
      const healthcheck = await inspect<{ Test?: string[]; Retries?: number; Timeout?: number } | null>(
        '{{json .Config.Healthcheck}}',
      );
      expect(config.User).toBe('10001:10001');
      expect(config.WorkingDir).toBe('/app');
      expect(healthcheck?.Test?.join(' ')).toContain('/healthz');
      expect(healthcheck?.Test?.[1]).toBe('node');
      // Time for node to start on a busy host (nanoseconds), and three strikes before unhealthy.
      expect(healthcheck?.Timeout).toBe(10e9);
      expect(healthcheck?.Retries).toBe(3);
      sizes[name] = (
        await podman(['image', 'inspect', '--format', '{{.Size}}', image]).then((r) =>
          (Number(r.stdout.trim()) / 1e6).toFixed(0),
        )
      ).concat(' MB');

      const dev = await stackForTests();
      const secrets = JSON.parse(await readFile(path.join(loadConfig().dataDir, 'secrets.json'), 'utf8')) as {
        sessionSecret: string;
      };
      const port = await freePort();
      const env: Record<string, string | undefined> = {
        EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
        EVENTLENS_REGISTRY_URL: dev.registryUrl,
        EVENTLENS_DATABASE_URL: dev.databaseUrl,
        EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
        EVENTLENS_SESSION_SECRET: secrets.sessionSecret,
        EVENTLENS_ADMIN_TOKEN: dev.adminToken,
        EVENTLENS_QUERY_URL: dev.queryUrl,
        EVENTLENS_INGEST_URL: dev.ingestUrl,
        [hostVar]: '127.0.0.1',
        [portVar]: String(port),
        // Its own consumer groups and read-model schemas: joining the stack's groups would take
        // partitions from the stack's own worker until the container leaves and the group rebalances.
        ...(name === 'projections'
          ? { EVENTLENS_GROUP_PREFIX: `test-${id}`, EVENTLENS_SCHEMA_PREFIX: schemaPrefix }
          : {}),
      };
      const container = `eventlens-image-test-${name}-${id}`;
      containers.push(container);
      const started = Date.now();
      await runDetached(container, image, env);
      // 'ready', or why not: a container that stopped ends the wait at once.
      const outcome = await eventually(
        `${name} /readyz`,
        async () => {
          const ready = await fetch(`http://127.0.0.1:${port}/readyz`, {
            signal: AbortSignal.timeout(2_000),
          }).then(
            (r) => r.status === 200,
            () => false,
          );
          if (ready) return 'ready';
          const state = (await podman(['inspect', '--format', '{{.State.Status}}', container])).stdout.trim();
          return state === 'running' ? undefined : `the container is ${state}`;
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      ).catch((error: Error) => error.message);
      const logs = async () => {
        const out = await podman(['logs', '--tail', '20', container]).catch(() => ({
          stdout: '',
          stderr: '',
        }));
        return `${out.stdout}${out.stderr}`;
      };
      expect(outcome, `${name} not ready on port ${port}:\n${await logs()}`).toBe('ready');
      console.log(`${name}: /readyz 200 ${Date.now() - started} ms after podman run`);

      // The process runs as 10001, cannot write its root filesystem, and can write /tmp.
      const probe = await podman([
        'exec',
        container,
        'node',
        '-e',
        `const fs = require('node:fs');
         let app = 'writable';
         try { fs.writeFileSync('/app/probe', 'x'); } catch (e) { app = e.code; }
         fs.writeFileSync('/tmp/probe', 'x');
         console.log(JSON.stringify({ uid: process.getuid(), app }));`,
      ]);
      expect(JSON.parse(probe.stdout)).toEqual({ uid: 10001, app: 'EROFS' });
      // The image's own HEALTHCHECK command, judged as the runtime judges it: healthy unless it
      // fails `Retries` times in a row (a single check can outlast its timeout on a busy host).
      const retries = healthcheck?.Retries ?? 1;
      const failures: string[] = [];
      while (failures.length < retries) {
        const failed = await podman(['healthcheck', 'run', container]).then(
          () => undefined,
          (error: Error) => error.message,
        );
        if (failed === undefined) break;
        failures.push(failed);
      }
      expect(failures.length, failures.join('\n')).toBeLessThan(retries);

      await podman(['stop', '--time', '20', container], 60_000);
      const exit = (await podman(['inspect', '--format', '{{.State.ExitCode}}', container])).stdout.trim();
      expect(exit, await logs()).toBe('0');
    },
    180_000,
  );
  it('projections catches up a backlog within the memory limit of its Kubernetes Deployment', async () => {
    const limit = deploymentMemoryLimit(
      await readFile(path.join(REPO_ROOT, 'k8s/base/projections/projections.yaml'), 'utf8'),
      'projections',
    );
    // 33 MB of Avro (277 bytes an event) in 4 partitions. With fetches of 4 MiB per partition (the
    // default once) the container was killed at about 11,400 events a partition; with 1 MiB it
    // caught up in 12 s.
    const traffic = generateTraffic({ projects: 10, sessionsPerProject: 1_200, eventsPerSession: 10 });
    const env = await createTestEnv();
    try {
      await produceEvents(env, traffic);
      const { source, schema } = env.topology.projections.analytics;
      const port = await freePort();
      const container = `eventlens-image-test-projections-memory-${env.id}`;
      containers.push(container);
      const started = Date.now();
      await runDetached(
        container,
        `ghcr.io/eventlens/projections:${TAG}`,
        { ...env.env, EVENTLENS_PROJECTIONS_HOST: '127.0.0.1', EVENTLENS_PROJECTIONS_PORT: String(port) },
        [`--memory=${limit}`, `--memory-swap=${limit}`],
      );
      const state = () =>
        podman([
          'inspect',
          '--format',
          '{{.State.Status}} exit code {{.State.ExitCode}}, OOM-killed {{.State.OOMKilled}}',
          container,
        ]).then((r) => r.stdout.trim());
      // 'caught up', or why not: a container that stopped ends the wait at once.
      const outcome = await eventually(
        'the projections container caught up',
        async () => {
          const lagging = await behind(env, schema, source);
          if (lagging.length === 0) return 'caught up';
          const now = await state();
          return now.startsWith('running ') ? undefined : `${now}; ${lagging.join(', ')}`;
        },
        { timeoutMs: 180_000, intervalMs: 500 },
      ).catch((error: Error) => error.message);
      expect(outcome, `under --memory=${limit}`).toBe('caught up');
      expect(await state()).toMatch(/^running .* OOM-killed false$/);
      const stored = await env.pool.query<{ n: string }>(`select count(*) as n from "${schema}".events`);
      expect(Number(stored.rows[0]!.n)).toBe(traffic.length);
      console.log(
        `projections: ${traffic.length} events caught up in ${Date.now() - started} ms under --memory=${limit}`,
      );
      await podman(['rm', '--force', '--time', '5', container]);
    } finally {
      await env.cleanup();
    }
  }, 300_000);
});

/**
 * The memory limit of a Deployment's container in Kubernetes' quantity notation (`256Mi`), which
 * podman's --memory reads as well once the `i` is dropped (`256M` is 256 MiB to podman).
 */
function deploymentMemoryLimit(manifest: string, container: string): string {
  for (const doc of parseAllDocuments(manifest)) {
    const object = doc.toJS() as {
      kind?: string;
      spec?: {
        template?: {
          spec?: { containers?: { name: string; resources?: { limits?: { memory?: string } } }[] };
        };
      };
    } | null;
    if (object?.kind !== 'Deployment') continue;
    const limit = object.spec?.template?.spec?.containers?.find((c) => c.name === container)?.resources
      ?.limits?.memory;
    const match = /^(\d+)(Ki|Mi|Gi)$/.exec(limit ?? '');
    if (match) return `${match[1]}${match[2]![0]!.toLowerCase()}`;
    throw new Error(`the ${container} Deployment's memory limit is ${limit ?? 'missing'}, not <n>Ki|Mi|Gi`);
  }
  throw new Error(`no Deployment with a container ${container}`);
}
