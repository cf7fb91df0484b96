/* global fetch, performance, setTimeout */
/**
 * The end-to-end load generator, on its own thread so that sending at a fixed rate and watching the
 * query API do not delay each other. Posts `rate` events/s for `seconds`, spread over `keys`, and
 * reports each accepted event's id with the wall-clock time its POST was sent.
 */
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

// Plain JavaScript: a worker thread does not inherit the TypeScript loader on Node 20.
/** @type {{ ingestUrl: string, keys: string[], rate: number, seconds: number }} */
const { ingestUrl, keys, rate, seconds } = workerData;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const total = rate * seconds;
  const start = performance.now();
  const inflight = [];
  let non2xx = 0;
  let networkErrors = 0;
  let i = 0;
  while (i < total) {
    // Every 10 ms, send what the rate says is due by now.
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    if (i >= due) {
      await sleep(10);
      continue;
    }
    for (; i < due; i++) {
      const eventId = randomUUID();
      const body = JSON.stringify({
        api_key: keys[i % keys.length],
        event_name: 'bench_e2e',
        event_id: eventId,
        session_id: `e2e-${i % 100}`,
      });
      const postedAt = Date.now();
      const send = () =>
        fetch(`${ingestUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
      inflight.push(
        // A keep-alive socket the server closed as it was reused: the request never reached it, send again.
        send()
          .catch(send)
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.status === 202)
              parentPort.postMessage({ eventId, postedAt, ackMs: Date.now() - postedAt });
            else non2xx++;
          })
          .catch(() => {
            networkErrors++;
          }),
      );
    }
  }
  const achievedRate = total / ((performance.now() - start) / 1000);
  await Promise.all(inflight);
  parentPort.postMessage({ done: true, achievedRate, non2xx, networkErrors });
}

void main();
