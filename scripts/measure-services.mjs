/**
 * Start time and memory of each service, from its TypeScript sources (tsx) and from its built
 * bundle: process start → /readyz 200, and the resident set size (VmRSS) once ready.
 *   npm run build && node scripts/measure-services.mjs [runs per case, default 3]
 * Runs against the running stack's infrastructure (`npm run stack:up`) on free ports; the
 * projections run with a throwaway consumer-group and schema prefix, removed afterwards.
 * Prints a Markdown table (medians) for the README.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const home = path.resolve(process.env.EVENTLENS_HOME ?? path.join(root, '.eventlens'));
const runs = Number(process.argv[2] ?? 3);
const dev = JSON.parse(await readFile(path.join(home, 'dev.json'), 'utf8'));
const secrets = JSON.parse(await readFile(path.join(home, 'data', 'secrets.json'), 'utf8'));
const id = randomBytes(3).toString('hex');

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const common = {
  EVENTLENS_KAFKA_BROKERS: dev.kafkaBrokers,
  EVENTLENS_REGISTRY_URL: dev.registryUrl,
  EVENTLENS_DATABASE_URL: dev.databaseUrl,
  EVENTLENS_READER_DATABASE_URL: dev.readerDatabaseUrl,
  EVENTLENS_SESSION_SECRET: secrets.sessionSecret,
  EVENTLENS_ADMIN_TOKEN: dev.adminToken,
};
const services = [
  { name: 'command-side', src: 'src/main.ts', built: 'dist/main.js', portVar: 'EVENTLENS_INGEST_PORT' },
  { name: 'query-side', src: 'src/main.ts', built: 'dist/main.js', portVar: 'EVENTLENS_QUERY_PORT' },
  {
    name: 'projections',
    src: 'src/main.ts',
    built: 'dist/main.js',
    portVar: 'EVENTLENS_PROJECTIONS_PORT',
    env: { EVENTLENS_GROUP_PREFIX: `measure-${id}`, EVENTLENS_SCHEMA_PREFIX: `m_${id}_` },
  },
  {
    name: 'console',
    src: 'server/main.ts',
    built: 'server-dist/main.js',
    portVar: 'EVENTLENS_CONSOLE_PORT',
    env: {
      EVENTLENS_QUERY_URL: dev.queryUrl,
      EVENTLENS_INGEST_URL: dev.ingestUrl,
      EVENTLENS_DEMO_API_KEY: dev.apiKey,
    },
  },
];

const rssKb = async (pid) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
};

async function once(service, mode) {
  const port = await freePort();
  const dir = path.join(root, service.name);
  const args =
    mode === 'built'
      ? ['--enable-source-maps', path.join(dir, service.built)]
      : ['--import', 'tsx', path.join(dir, service.src)];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: {
      ...process.env,
      ...common,
      ...service.env,
      [service.portVar]: String(port),
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`${service.name} (${mode}) exited: ${stderr.slice(-500)}`);
      if (performance.now() - started > 60_000)
        throw new Error(`${service.name} (${mode}) not ready in 60 s`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const readyMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return { readyMs, rssMb: (await rssKb(child.pid)) / 1024 };
  } finally {
    child.kill('SIGTERM');
    if (!exited) await new Promise((resolve) => child.once('exit', resolve));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
try {
  for (const service of services) {
    const result = {};
    for (const mode of ['source', 'built']) {
      const samples = [];
      for (let i = 0; i < runs; i++) samples.push(await once(service, mode));
      result[mode] = {
        readyMs: median(samples.map((s) => s.readyMs)),
        rssMb: median(samples.map((s) => s.rssMb)),
      };
      console.error(
        `${service.name} ${mode}: ${JSON.stringify(samples.map((s) => [Math.round(s.readyMs), Math.round(s.rssMb)]))}`,
      );
    }
    rows.push([service.name, result]);
  }
} finally {
  const pool = new pg.Client({ connectionString: dev.databaseUrl });
  await pool.connect();
  const schemas = await pool.query(`select nspname from pg_namespace where nspname like $1`, [
    `m\\_${id}\\_%`,
  ]);
  for (const { nspname } of schemas.rows) await pool.query(`drop schema "${nspname}" cascade`);
  await pool.end();
  const admin = new Kafka({ brokers: dev.kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const { groups } = await admin.listGroups();
  const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(`measure-${id}`));
  if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
  await admin.disconnect();
}

console.log('| service | ready, tsx | ready, built | RSS, tsx | RSS, built |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, r] of rows) {
  const ms = (x) => `${Math.round(x)} ms`;
  const mb = (x) => `${Math.round(x)} MB`;
  console.log(
    `| ${name} | ${ms(r.source.readyMs)} | ${ms(r.built.readyMs)} | ${mb(r.source.rssMb)} | ${mb(r.built.rssMb)} |`,
  );
}
