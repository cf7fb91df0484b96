/**
 * Where the events insert's PostgreSQL CPU goes: the same generated rows written to a fresh
 * analytics schema in batches of 5,000 by several statements, with the backend's CPU per row.
 *   node --import tsx scripts/insert-probe.ts [rows=40000]
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stackForTests } from '@eventlens/stack';
import { silentLogger } from '@eventlens/service-kit';
import { from as copyFrom } from 'pg-copy-streams';
import { applyEvents } from '../src/analytics/apply';
import { toEventRow, type EventRow } from '../src/analytics/rows';
import { createPool } from '../src/db';
import { migrate } from '../src/schema/migrate';
import { generateTraffic } from '../src/testing/traffic';

const total = Number(process.argv[2] ?? 40_000);
const BATCH = 5000;
const dev = await stackForTests();
const pool = createPool({
  url: dev.databaseUrl,
  max: 2,
  applicationName: 'insert-probe',
  synchronousCommit: 'off',
  logger: silentLogger,
});
const rows = generateTraffic({
  projects: 1,
  sessionsPerProject: Math.ceil(total / 20),
  eventsPerSession: 20,
}).map((e) => (toEventRow(e) as { kind: 'ok'; value: EventRow }).value);
const client = await pool.connect();
const { pid } = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!;
const cpu = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const esc = (v: string | null) =>
  v === null
    ? '\\N'
    : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
const COLS =
  'project_id, event_id, event_name, session_id, user_id, anonymous_id, ts, received_at, url, referrer, metadata, context';
const line = (r: EventRow) =>
  [
    r.project_id,
    r.event_id,
    r.event_name,
    r.session_id,
    r.user_id,
    r.anonymous_id,
    new Date(r.ts).toISOString(),
    new Date(r.received_at).toISOString(),
    r.url,
    r.referrer,
    r.metadata_json,
    JSON.stringify(r.context),
  ]
    .map(esc)
    .join('\t') + '\n';

async function copyInto(table: string, batch: EventRow[]) {
  await pipeline(
    Readable.from(batch.map(line)),
    client.query(copyFrom(`copy ${table} (${COLS}) from stdin`)),
  );
}

type Variant = (schema: string, batch: EventRow[]) => Promise<void>;
const variants: Record<string, { prep?: (s: string) => Promise<void>; run: Variant }> = {
  applyEvents: { run: async (s, b) => void (await applyEvents(client, s.slice(1, -1), b)) },
  jsonInsertOnly: {
    run: async (s, b) => {
      // insertEvents alone: applyEvents minus the aggregates
      await client.query(
        `insert into ${s}.events (${COLS}) select p, e, n, s, u, a, to_timestamp(t::float8/1000), to_timestamp(r::float8/1000), l, f, coalesce(m,'{}'), coalesce(c,'{}')
           from json_to_recordset($1::json) as x(p uuid, e uuid, n text, s text, u text, a text, t bigint, r bigint, l text, f text, m jsonb, c jsonb)
         on conflict do nothing returning project_id, event_id`,
        [
          JSON.stringify(
            b.map((r) => ({
              p: r.project_id,
              e: r.event_id,
              n: r.event_name,
              s: r.session_id,
              u: r.user_id,
              a: r.anonymous_id,
              t: r.ts,
              r: r.received_at,
              l: r.url,
              f: r.referrer,
              m: JSON.parse(r.metadata_json) as unknown,
              c: r.context,
            })),
          ),
        ],
      );
    },
  },
  copyStagingInsert: {
    run: async (s, b) => {
      await client.query(
        `create temp table if not exists staging (like ${s}.events including defaults) on commit delete rows`,
      );
      await copyInto('staging', b);
      await client.query(
        `insert into ${s}.events select * from staging on conflict do nothing returning project_id, event_id`,
      );
    },
  },
  unnestInsert: {
    run: async (s, b) => {
      const col = <T>(f: (r: EventRow) => T) => b.map(f);
      await client.query(
        `insert into ${s}.events (${COLS}) select p, e, n, s, u, a, to_timestamp(t::float8/1000), to_timestamp(r::float8/1000), l, f, coalesce(m,'{}'), coalesce(c,'{}')
           from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::jsonb[], $12::jsonb[]) as x(p, e, n, s, u, a, t, r, l, f, m, c)
         on conflict do nothing returning project_id, event_id`,
        [
          col((r) => r.project_id),
          col((r) => r.event_id),
          col((r) => r.event_name),
          col((r) => r.session_id),
          col((r) => r.user_id),
          col((r) => r.anonymous_id),
          col((r) => r.ts),
          col((r) => r.received_at),
          col((r) => r.url),
          col((r) => r.referrer),
          col((r) => r.metadata_json),
          col((r) => JSON.stringify(r.context)),
        ],
      );
    },
  },
  copyStagingDeleteInsert: {
    run: async (s, b) => {
      await client.query(
        `create temp table if not exists staging (like ${s}.events including defaults) on commit delete rows`,
      );
      await copyInto('staging', b);
      await client.query(
        `with staged as (delete from staging returning *) insert into ${s}.events select * from staged on conflict do nothing returning project_id, event_id`,
      );
    },
  },
  copyDirect: { run: async (s, b) => copyInto(`${s}.events`, b) },
  copyDirectPkOnly: {
    prep: async (s) => {
      for (const i of [
        'events_keyset',
        'events_by_name',
        'events_by_user',
        'events_by_session',
        'events_page_views',
        'events_reports',
      ])
        await client.query(`drop index ${s}.${i}`);
    },
    run: async (s, b) => copyInto(`${s}.events`, b),
  },
  copyDirectNoReports: {
    prep: async (s) => {
      for (const i of ['events_page_views', 'events_reports']) await client.query(`drop index ${s}.${i}`);
    },
    run: async (s, b) => copyInto(`${s}.events`, b),
  },
};
const only = process.env.ONLY?.split(',');
for (const [name, v] of Object.entries(variants)) {
  if (only && !only.includes(name)) continue;
  const schema = `t_iprobe_${process.pid}_${name.toLowerCase()}`;
  await migrate(pool, { kind: 'analytics', schema, readerRole: new URL(dev.readerDatabaseUrl).username });
  await v.prep?.(`"${schema}"`);
  let c = 0;
  let ms = 0;
  for (let i = 0; i < rows.length; i += BATCH) {
    const b = rows.slice(i, i + BATCH);
    const c0 = cpu();
    const t0 = performance.now();
    await client.query('begin');
    await v.run(`"${schema}"`, b);
    await client.query('commit');
    if (i > 0) {
      c += cpu() - c0;
      ms += performance.now() - t0;
    }
  }
  const n = rows.length - BATCH;
  console.log(
    `${name.padEnd(22)} ${((c * 1000) / n).toFixed(1).padStart(6)} µs pg cpu/row ${((ms * 1000) / n).toFixed(1).padStart(6)} µs wall/row`,
  );
  await pool.query(`drop schema "${schema}" cascade`);
}
client.release();
await pool.end();
