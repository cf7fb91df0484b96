/**
 * Throughput probe of the analytics projection (not a test, not the official bench): pre-produces
 * N events into a fresh test topic, starts the analytics workers in this process and measures how
 * long they take to catch up, and how much CPU each process spent per event — the machine is
 * shared, so CPU per event says more than wall-clock time.
 *   node --import tsx scripts/throughput.ts [events=200000] [concurrency=4]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { behind, createTestEnv, startInProcess } from '../src/testing/fixture';
import { generateTraffic } from '../src/testing/traffic';

const total = Number(process.argv[2] ?? 200_000);
const concurrency = process.argv[3] ?? '4';
const env = await createTestEnv({
  env: {
    EVENTLENS_PROJECTIONS_CONCURRENCY: concurrency,
    ...(process.env.MAX_BYTES
      ? { EVENTLENS_PROJECTIONS_MAX_BYTES_PER_PARTITION: process.env.MAX_BYTES }
      : {}),
  },
});

/** CPU milliseconds a process spent so far (user + system), from /proc. */
const cpuOf = (pid: number) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
};
const kafkaPid = Number(
  readFileSync(new URL('../../.eventlens/run/kafka.pid', import.meta.url), 'utf8').trim(),
);

try {
  const { source, schema } = env.topology.projections.analytics;
  const traffic = generateTraffic({
    projects: 20,
    sessionsPerProject: Math.ceil(total / 20 / 20),
    eventsPerSession: 20,
  });
  const started = Date.now();
  for (let i = 0; i < traffic.length; i += 5000) {
    await env.producer.send({
      topic: source,
      acks: -1,
      messages: traffic.slice(i, i + 5000).map((e) => ({
        key: `${e.project_id}:${e.session_id}`,
        value: env.codec.encode('EventTracked', e),
      })),
    });
  }
  console.log(`produced ${traffic.length} events in ${Date.now() - started} ms`);
  // PROFILE=file.cpuprofile: a CPU profile of the consuming phase only.
  const session = process.env.PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const workers = await startInProcess(env, ['analytics']);
  const backends = async () =>
    (
      await env.pool.query<{ pid: number }>(`select pid from pg_stat_activity where application_name = $1`, [
        `eventlens-test-worker-${env.id}`,
      ])
    ).rows.map((r) => r.pid);
  // Wait for the first batch, then measure from there (group join excluded).
  const t0 = Date.now();
  const node0 = process.cpuUsage();
  const kafka0 = cpuOf(kafkaPid);
  let pids = await backends();
  const pg0 = new Map(pids.map((pid) => [pid, cpuOf(pid)]));
  const poll = setInterval(async () => {
    for (const pid of await backends()) if (!pg0.has(pid)) pg0.set(pid, 0);
  }, 200);
  // Time from the first committed batch (group join and seek excluded) to the end.
  let firstBatchAt = 0;
  const first = setInterval(async () => {
    if (firstBatchAt) return;
    const { rows } = await env.pool
      .query(`select 1 from ${schema}.checkpoints where next_offset > 0 limit 1`)
      .catch(() => ({ rows: [] }));
    if (rows.length > 0) firstBatchAt = Date.now();
  }, 20);
  // The fixture's caughtUp needs vitest's runner: outside it, the same check is polled here.
  const limit = AbortSignal.timeout(600_000);
  while ((await behind(env, schema, source)).length > 0) await sleep(200, undefined, { signal: limit });
  clearInterval(first);
  clearInterval(poll);
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(process.env.PROFILE!, JSON.stringify(profile));
  }
  const seconds = (Date.now() - t0) / 1000;
  const node = process.cpuUsage(node0);
  pids = [...pg0.keys()];
  const pgCpu = pids.reduce((sum, pid) => sum + cpuOf(pid) - pg0.get(pid)!, 0);
  const n = traffic.length;
  console.log(
    `applied ${n} events in ${seconds.toFixed(1)} s: ${Math.round(n / seconds)} events/s (wall, group join included)`,
  );
  const steady = (Date.now() - firstBatchAt) / 1000;
  console.log(
    `from the first committed batch: ${Math.round(n / steady)} events/s (an upper bound: that batch is counted)`,
  );
  console.log(
    `CPU per event: node ${((node.user + node.system) / n) | 0} µs, postgres ${((pgCpu * 1000) / n).toFixed(1)} µs, kafka ${(((cpuOf(kafkaPid) - kafka0) * 1000) / n).toFixed(1)} µs`,
  );
  const sizes = await workers.metrics.batchSize.get();
  const sum = sizes.values.find((v) => v.metricName?.endsWith('_sum') && v.labels.worker === 'analytics');
  const count = sizes.values.find((v) => v.metricName?.endsWith('_count') && v.labels.worker === 'analytics');
  if (sum && count) console.log(`batches: ${count.value}, mean size ${Math.round(sum.value / count.value)}`);
  await workers.stop();
} finally {
  await env.cleanup();
}
