/**
 * Where a batch's PostgreSQL time goes: applies generated batches of 10,000 events with the real
 * `applyEvents` and prints each statement's wall time and the backend's CPU time.
 *   node --import tsx scripts/apply-probe.ts [batches=5]
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { stackForTests } from '@eventlens/stack';
import { applyEvents } from '../src/analytics/apply';
import { toEventRow, type EventRow } from '../src/analytics/rows';
import { createPool } from '../src/db';
import { silentLogger } from '@eventlens/service-kit';
import { migrate } from '../src/schema/migrate';
import { generateTraffic } from '../src/testing/traffic';

const batches = Number(process.argv[2] ?? 5);
const dev = await stackForTests();
const pool = createPool({
  url: dev.databaseUrl,
  max: 2,
  applicationName: 'apply-probe',
  synchronousCommit: 'off',
  logger: silentLogger,
});
const schema = `t_probe_${process.pid}`;
await migrate(pool, { kind: 'analytics', schema, readerRole: new URL(dev.readerDatabaseUrl).username });
const rows = generateTraffic({ projects: 20, sessionsPerProject: 25 * batches, eventsPerSession: 20 }).map(
  (e) => (toEventRow(e) as { kind: 'ok'; value: EventRow }).value,
);
const client = await pool.connect();
const { pid } = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!;
const cpu = () => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const perStatement = new Map<string, { ms: number; cpu: number }>();
const timed = {
  query(text: string | pg.Submittable, values?: unknown[]) {
    // A COPY's stream is passed through; its CPU is counted with the statement that follows it.
    if (typeof text !== 'string') return client.query(text);
    return timedQuery(text, values);
  },
};
async function timedQuery(text: string, values?: unknown[]) {
  const started = performance.now();
  const before = cpu();
  const result = await client.query(text, values);
  const name = text.trim().replace(/\s+/g, ' ').slice(0, 50);
  const entry = perStatement.get(name) ?? { ms: 0, cpu: 0 };
  entry.ms += performance.now() - started;
  entry.cpu += cpu() - before;
  perStatement.set(name, entry);
  return result;
}
let total = 0;
for (let i = 0; i < rows.length; i += 10_000) {
  await client.query('begin');
  const started = performance.now();
  await applyEvents(timed as never, schema, rows.slice(i, i + 10_000));
  await client.query('commit');
  if (i === 0) perStatement.clear();
  else total += performance.now() - started;
}
const n = rows.length - 10_000;
console.log(
  `${n} events after warm-up: ${Math.round(n / (total / 1000))} events/s in one transaction stream`,
);
for (const [name, { ms, cpu: c }] of perStatement) {
  console.log(
    `${((ms * 1000) / n).toFixed(1).padStart(6)} µs wall ${((c * 1000) / n).toFixed(1).padStart(6)} µs cpu  ${name}`,
  );
}
client.release();
await pool.query(`drop schema ${schema} cascade`);
await pool.end();
