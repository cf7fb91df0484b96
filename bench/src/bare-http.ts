/**
 * The bare-HTTP ceiling's server (benchmarks/ingestion.ts): Express answering `POST /v1/events`
 * with 202 after reading and parsing its body as JSON, and nothing else — no validation, no Kafka,
 * none of the command side's middleware. Run as its own process like the command side it bounds,
 * under the same loader (tsx), and as as many processes as the command side is measured with (the
 * same `node:cluster` sharing of one port, EVENTLENS_INGEST_PROCESSES), so like is compared with like:
 *   node --import tsx bench/src/bare-http.ts <port> [processes, default 1]
 * GET /readyz answers 200 `{status, pid}` once that process listens.
 */
import cluster from 'node:cluster';
import express from 'express';

const port = Number(process.argv[2]);
const processes = Number(process.argv[3] ?? 1);
if (!Number.isInteger(port) || port <= 0 || !Number.isInteger(processes) || processes < 1) {
  console.error('bare-http: usage: bare-http.ts <port> [processes]');
  process.exit(2);
}

if (processes > 1 && cluster.isPrimary) {
  for (let i = 0; i < processes; i++) cluster.fork();
  // Stops when its workers have: SIGTERM passed on to each.
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
} else {
  const app = express();
  app.disable('x-powered-by');
  // The command side reads one event's body as text (sendBeacon's text/plain) or JSON, up to 1 MB.
  app.use(express.text({ type: '*/*', limit: '1mb' }));
  app.get('/readyz', (_req, res) => {
    res.status(200).json({ status: 'ready', pid: process.pid });
  });
  app.post('/v1/events', (req, res) => {
    JSON.parse(req.body as string);
    res.status(202).json({ accepted: 1 });
  });
  const server = app.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
