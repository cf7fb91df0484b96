/**
 * The bare-HTTP ceiling's server (benchmarks/ingestion.ts): Express answering `POST /v1/events`
 * with 202 after reading and parsing its body as JSON, and nothing else — no validation, no Kafka,
 * none of the command side's middleware. Run as its own process like the command side it bounds, under the
 * same loader (tsx):
 *   node --import tsx bench/src/bare-http.ts <port>
 * GET /readyz answers 200 once listening.
 */
import express from 'express';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('bare-http: usage: bare-http.ts <port>');
  process.exit(2);
}
const app = express();
app.disable('x-powered-by');
// The command side reads one event's body as text (sendBeacon's text/plain) or JSON, up to 1 MB.
app.use(express.text({ type: '*/*', limit: '1mb' }));
app.get('/readyz', (_req, res) => {
  res.status(200).json({ status: 'ready' });
});
app.post('/v1/events', (req, res) => {
  JSON.parse(req.body as string);
  res.status(202).json({ accepted: 1 });
});
const server = app.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
