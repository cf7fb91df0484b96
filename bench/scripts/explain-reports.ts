/**
 * Prints the plans of some of the reports benchmark's reports (bench/src/benchmarks/report-specs.ts)
 * on a database seeded earlier by seed-reports.ts: each report is sent once to a query side in this
 * process, the statements it sent are captured and run again under EXPLAIN (ANALYZE, BUFFERS), as the
 * reader role with the query side's session settings. For reading why a report is slow:
 *
 *   node --import tsx bench/scripts/explain-reports.ts --database reports --only 'event:page, 24h'
 *
 * `--only` is a regular expression over the reports' names. The stack is the running one.
 */
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createApp, createReaderDb, readerSessionOptions } from '@eventlens/query-side';
import { stackForTests } from '@eventlens/stack';
import { issueReadKey, isReportStatement, send } from '../src/benchmarks/reports';
import { listSpecs, overviewSpecs, reportSpecs } from '../src/benchmarks/report-specs';

const { values } = parseArgs({
  options: { database: { type: 'string' }, only: { type: 'string', default: '' } },
});
if (!values.database) {
  console.error('explain-reports: --database <a database seeded by seed-reports.ts> is required');
  process.exit(2);
}
const only = new RegExp(values.only, 'i');
const dev = await stackForTests();
const ownerUrl = new URL(dev.databaseUrl);
ownerUrl.pathname = `/${values.database}`;
const readerUrl = new URL(dev.readerDatabaseUrl);
readerUrl.pathname = `/${values.database}`;

const owner = new pg.Client({ connectionString: ownerUrl.toString() });
await owner.connect();
const { projectId, readKey, keyId } = await issueReadKey(owner, values.database, 'explain');

const db = createReaderDb({ url: readerUrl.toString(), poolMax: 4, statementTimeoutMs: 600_000 });
let captured: Array<{ sql: string; bindings: unknown[] }> = [];
db.on('query', (q: { sql: string; bindings?: unknown[] }) => {
  if (isReportStatement(q.sql)) captured.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
});
const app = createApp({
  db,
  sessionSecret: randomUUID(),
  logger: { info: () => undefined, error: (m, f) => console.error(m, f) },
});
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const bare = new pg.Client({
  connectionString: readerUrl.toString(),
  options: readerSessionOptions(600_000),
});
await bare.connect();
try {
  const specs = [...listSpecs(), ...overviewSpecs(projectId, Date.now()), ...reportSpecs(projectId)];
  for (const spec of specs.filter((s) => only.test(s.name))) {
    captured = [];
    await send(base, readKey, spec);
    console.log(`\n### ${spec.name}`);
    for (const s of captured) {
      console.log(`\n${s.sql}\n${JSON.stringify(s.bindings)}\n`);
      const plan = await bare.query(`explain (analyze, buffers) ${s.sql}`, s.bindings);
      for (const row of plan.rows) console.log(row['QUERY PLAN']);
    }
  }
} finally {
  server.close();
  await bare.end();
  await db.destroy();
  await owner.query('delete from admin.api_keys where key_id = $1', [keyId]);
  await owner.end();
}
