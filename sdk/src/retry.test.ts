import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  KEY,
  accepted,
  mapStorage,
  network,
  sharedLocalStorage,
  tab,
  type Network,
} from '../test/support.js';
import { QUEUE_CHARS, retry } from './retry.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const queueKeys = (data: Map<string, string>) => [...data.keys()].filter((k) => k.startsWith(`el_q:${KEY}:`));
const batches = (net: Network) => net.sent.filter((r) => r.url.endsWith('/v1/batch'));
/** Lets promise callbacks run, then moves the clock. */
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('the retry queue', () => {
  it('keeps an event answered 503 in localStorage and sends it again through /v1/batch, not before Retry-After', async () => {
    const local = mapStorage();
    const net = network();
    net.answer = () => ({ status: 503, headers: { 'Retry-After': '3' } });
    const { client } = tab({ net, local: local.storage, plugins: [retry] });

    client.send('signup', { plan: 'pro' });
    await advance(0);
    expect(queueKeys(local.data)).toHaveLength(1);
    const original = JSON.parse(net.sent[0]!.body);

    net.answer = () => 202;
    await advance(2_700);
    expect(batches(net)).toHaveLength(0);
    await advance(600); // 3 s + the 250 ms lock settle
    expect(batches(net)).toHaveLength(1);
    const body = JSON.parse(batches(net)[0]!.body);
    const { api_key, sent_at, ...event } = original;
    // A retry is a new send: its own sent_at, while the event keeps its timestamp.
    expect(body).toEqual({ api_key, sent_at: expect.any(Number), events: [event] });
    expect(body.sent_at).toBeGreaterThanOrEqual(sent_at + 3_000);
    expect(event.timestamp).toBe(sent_at);
    await advance(0);
    expect(queueKeys(local.data)).toHaveLength(0);
  });

  it('retries network errors, 5xx and 429, and gives up on other 4xx at once', async () => {
    const local = mapStorage();
    const net = network();
    const { client } = tab({ net, local: local.storage, plugins: [retry] });
    const answers: ReturnType<Network['answer']>[] = [
      new TypeError('Failed to fetch'),
      500,
      502,
      { status: 429, headers: { 'Retry-After': '1' } },
      400,
      401,
      413,
      415,
    ];
    net.answer = () => answers.shift() ?? 202;
    for (let i = 0; i < 8; i++) client.send('e' + i);
    await advance(0);
    const kept = queueKeys(local.data).map((k) => JSON.parse(local.data.get(k)!).event_name);
    expect(kept.sort()).toEqual(['e0', 'e1', 'e2', 'e3']);

    await advance(60_000);
    const resent = batches(net).flatMap((r) =>
      JSON.parse(r.body).events.map((e: { event_name: string }) => e.event_name),
    );
    expect(resent.sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(queueKeys(local.data)).toHaveLength(0);
  });

  it('backs off exponentially with jitter while the server keeps failing, capped at 5 minutes', async () => {
    const net = network();
    net.answer = () => 503;
    const { client } = tab({ net, plugins: [retry] });
    client.send('e');
    await advance(0);
    const attempts: number[] = [];
    const start = Date.now();
    for (let t = 0; t < 40 * 60_000; t += 50) {
      await advance(50);
      if (batches(net).length > attempts.length) attempts.push(Date.now() - start);
    }
    const gaps = attempts.map((t, i) => t - (attempts[i - 1] ?? 0));
    // n-th retry: 2^n s scaled by 50–100 %, plus the 250 ms settle; then 5 minutes at most.
    gaps.forEach((gap, n) => {
      const base = Math.min(300_000, 1000 * 2 ** n);
      expect(gap).toBeGreaterThanOrEqual(base / 2 + 250 - 50);
      expect(gap).toBeLessThanOrEqual(base + 250 + 50);
    });
    expect(gaps.length).toBeGreaterThan(8);
    expect(Math.max(...gaps)).toBeGreaterThan(100_000);
  });

  it('drops a batch the server refuses for good (400) instead of retrying it forever', async () => {
    const local = mapStorage();
    const net = network();
    net.answer = () => 503;
    const { client } = tab({ net, local: local.storage, plugins: [retry] });
    client.send('e');
    await advance(0);
    net.answer = () => 400;
    await advance(5_000);
    expect(batches(net)).toHaveLength(1);
    expect(queueKeys(local.data)).toHaveLength(0);
    await advance(60_000);
    expect(batches(net)).toHaveLength(1);
  });

  it('drops only the events a 400 names and sends the others again at once (one bad event took them all)', async () => {
    const local = mapStorage();
    const net = network();
    net.answer = () => new TypeError('offline');
    const { client } = tab({ net, local: local.storage, plugins: [retry] });
    for (const name of ['good1', 'bad', 'good2', 'bad2']) {
      client.send(name);
      await advance(1);
    }
    expect(queueKeys(local.data)).toHaveLength(4);
    // The API refuses the batch whole, naming each event at fault (command side's INVALID_FIELD).
    net.answer = (req) => {
      const names: string[] = JSON.parse(req.body).events.map((e: { event_name: string }) => e.event_name);
      const bad = names.flatMap((n, i) => (n.startsWith('bad') ? [i] : []));
      if (bad.length === 0) return 202;
      const fields = bad.map((i) => ({
        field: `events[${i}].metadata.n`,
        message: 'cannot be stored exactly',
      }));
      return {
        status: 400,
        body: JSON.stringify({
          error: { code: 'INVALID_FIELD', message: 'events[1].metadata.n: …', fields },
        }),
      };
    };
    await advance(5_000);
    const sent = batches(net).map((r) =>
      JSON.parse(r.body).events.map((e: { event_name: string }) => e.event_name),
    );
    expect(sent).toEqual([
      ['good1', 'bad', 'good2', 'bad2'],
      ['good1', 'good2'],
    ]);
    expect(batches(net).map((r) => r.status)).toEqual([400, 202]);
    expect(queueKeys(local.data)).toHaveLength(0);
  });

  it('frees the lock when a retry fails, so that the next page load sends at once', async () => {
    const local = mapStorage();
    const first = tab({ local: local.storage, plugins: [retry] });
    first.net.answer = () => new TypeError('offline');
    first.client.send('e');
    // Until the first retry (0.5–1 s of backoff, then the 250 ms settle) has failed too.
    while (batches(first.net).length === 0) await advance(10);
    await advance(1);
    expect(local.data.get('el_l')).toBeUndefined();
    // The page reloads: a new tab, before the old one's next retry (1–2 s later) would take the lock.
    const next = tab({ local: local.storage, plugins: [retry] });
    await advance(300);
    expect(batches(next.net)).toHaveLength(1);
  });

  it('tries again as soon as the browser is back online', async () => {
    const net = network();
    net.answer = () => ({ status: 503, headers: { 'Retry-After': '3600' } });
    const { client, w } = tab({ net, plugins: [retry] });
    client.send('e');
    await advance(1_000);
    net.answer = () => 202;
    w.dispatchEvent(new w.Event('online'));
    await advance(300);
    expect(batches(net)).toHaveLength(1);
  });

  it('sends the queue on the next page load', async () => {
    const local = mapStorage();
    const first = tab({ local: local.storage, plugins: [retry] });
    first.net.answer = () => new TypeError('offline');
    first.client.send('e');
    await advance(0);
    expect(queueKeys(local.data)).toHaveLength(1);

    const next = tab({ local: local.storage, plugins: [retry] });
    await advance(300);
    expect(batches(next.net)).toHaveLength(1);
    expect(JSON.parse(batches(next.net)[0]!.body).events[0].event_name).toBe('e');
    await advance(0);
    expect(queueKeys(local.data)).toHaveLength(0);
  });

  it('queues an event sent as the page goes away while offline: a beacon then is lost, though sendBeacon answers true', async () => {
    const local = mapStorage();
    const first = tab({ local: local.storage, plugins: [retry], navigator: { onLine: false } });
    first.client.send('page_leave', { duration_ms: 1 }, true);
    expect(first.net.sent).toHaveLength(0);
    expect(queueKeys(local.data)).toHaveLength(1);

    const next = tab({ local: local.storage, plugins: [retry] });
    await advance(300);
    expect(JSON.parse(batches(next.net)[0]!.body).events[0].event_name).toBe('page_leave');
    // Online, it goes by beacon as before.
    next.client.send('page_leave', { duration_ms: 2 }, true);
    expect(next.net.sent.at(-1)).toMatchObject({ via: 'beacon' });
  });

  it('sends the queue after the next delivery that goes through', async () => {
    const net = network();
    net.answer = () => ({ status: 503, headers: { 'Retry-After': '3600' } });
    const { client } = tab({ net, plugins: [retry] });
    client.send('lost');
    await advance(1_000);
    net.answer = () => 202;
    client.send('fine');
    await advance(300);
    expect(batches(net)).toHaveLength(1);
  });

  it('holds at most 200 events, dropping the oldest', async () => {
    const local = mapStorage();
    const net = network();
    net.answer = () => ({ status: 503, headers: { 'Retry-After': '3600' } });
    const { client } = tab({ net, local: local.storage, plugins: [retry] });
    for (let i = 0; i < 250; i++) {
      client.send('e' + i);
      await advance(1);
    }
    const kept = queueKeys(local.data).map((k) => JSON.parse(local.data.get(k)!).event_name);
    expect(kept).toHaveLength(200);
    expect(kept).not.toContain('e49');
    expect(kept).toContain('e50');
    expect(kept).toContain('e249');
  });

  it(`holds at most ${QUEUE_CHARS} characters, dropping the oldest`, async () => {
    const local = mapStorage();
    const net = network();
    net.answer = () => ({ status: 503, headers: { 'Retry-After': '3600' } });
    const { client } = tab({ net, local: local.storage, plugins: [retry] });
    for (let i = 0; i < 100; i++) {
      client.send('e' + i, { blob: 'x'.repeat(5000) });
      await advance(1);
    }
    const values = queueKeys(local.data).map((k) => local.data.get(k)!);
    const chars = values.reduce((n, v) => n + v.length, 0);
    expect(chars).toBeLessThanOrEqual(QUEUE_CHARS);
    expect(chars).toBeGreaterThan(QUEUE_CHARS - 6_000);
    const kept = values.map((v) => JSON.parse(v).event_name);
    expect(kept).toContain('e99');
    expect(kept).not.toContain('e0');
  });

  it('has room for several events of the largest size the API accepts, and drops none of a burst', async () => {
    const local = mapStorage();
    const net = network();
    net.answer = () => new TypeError('Failed to fetch');
    const { client } = tab({ net, local: local.storage, plugins: [retry] });
    // The largest event: 16 KiB of metadata as JSON, url and referrer of 2,048, a full context.
    const largest = { m: 'x'.repeat(16 * 1024 - 8) };
    expect(JSON.stringify(largest)).toHaveLength(16 * 1024);
    client.ref = 'https://r.example/' + 'r'.repeat(3000);
    for (let i = 0; i < 10; i++) client.send('large' + i, largest);
    await advance(0);
    expect(queueKeys(local.data)).toHaveLength(10);

    // Ten quick 14 KB events that all fail: every one of them is kept.
    const other = mapStorage();
    const burst = tab({ net, local: other.storage, plugins: [retry] });
    for (let i = 0; i < 10; i++) burst.client.send('burst' + i, { blob: 'y'.repeat(14_000) });
    await advance(0);
    const kept = queueKeys(other.data).map((k) => JSON.parse(other.data.get(k)!).event_name);
    expect(kept.sort()).toEqual(Array.from({ length: 10 }, (_, i) => 'burst' + i));
  });

  it('keeps retrying in memory when localStorage is unavailable', async () => {
    const net = network();
    net.answer = () => 503;
    const { client } = tab({
      net,
      plugins: [retry],
      local: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    });
    client.send('e');
    await advance(0);
    net.answer = () => 202;
    await advance(5_000);
    expect(batches(net)).toHaveLength(1);
    expect(JSON.parse(batches(net)[0]!.body).events[0].event_name).toBe('e');
  });

  it('does not send the queue while opted out', async () => {
    const local = mapStorage();
    const net = network();
    net.answer = () => 503;
    const { client } = tab({ net, local: local.storage, plugins: [retry] });
    client.send('e');
    await advance(0);
    local.data.set('el_o', '1');
    net.answer = () => 202;
    await advance(60_000);
    expect(batches(net)).toHaveLength(0);
  });
});

describe('several tabs, one queue', () => {
  /** Fills the shared queue with `n` events that failed in some earlier page. */
  const seed = (data: Map<string, string>, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = crypto.randomUUID();
      ids.push(id);
      data.set(
        `el_q:${KEY}:${Date.now() - 1000 + i}${id}`,
        JSON.stringify({
          event_name: 'old' + i,
          event_id: id,
          session_id: 's',
          anonymous_id: 'a',
          timestamp: 1,
        }),
      );
    }
    return ids;
  };

  it('never send the same queued event twice when they flush at the same moment', async () => {
    // Three tabs whose localStorage copies converge 20 ms after a write, as Chromium's renderer processes
    // do; the second and third tab start `offset` ms after the first, so their flushes race.
    for (const offset of [0, 1, 5, 10, 20, 30, 45, 60, 100, 300]) {
      const [a, b, c] = sharedLocalStorage(3, 20) as [Storage, Storage, Storage];
      const seeded = new Map<string, string>();
      const queued = seed(seeded, 30);
      for (const [k, v] of seeded) a.setItem(k, v);
      await advance(100); // the queue reaches every tab
      const nets = [network(), network(), network()] as const;
      tab({ local: a, net: nets[0], plugins: [retry] });
      await advance(offset);
      tab({ local: b, net: nets[1], plugins: [retry] });
      tab({ local: c, net: nets[2], plugins: [retry] });
      await advance(10_000);

      const delivered = accepted(...nets).map((e) => e.event_id);
      expect(delivered.sort(), `offset ${offset} ms`).toEqual([...queued].sort());
      for (const s of [a, b, c]) expect(Object.keys(s).filter((k) => k.startsWith('el_q:'))).toHaveLength(0);
    }
  });

  it('lose nothing and send nothing twice while two tabs keep failing and adding to the queue', async () => {
    const [a, b] = sharedLocalStorage(2, 15) as [Storage, Storage];
    const netA = network(),
      netB = network();
    let healthy = false;
    for (const n of [netA, netB])
      n.answer = () => (healthy ? 202 : { status: 503, headers: { 'Retry-After': '1' } });
    const tabA = tab({ local: a, net: netA, plugins: [retry] });
    const tabB = tab({ local: b, net: netB, plugins: [retry] });
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      (i % 2 ? tabA : tabB).client.send('e' + i);
      sent.push('e' + i);
      await advance(97);
    }
    healthy = true;
    await advance(120_000);

    const names = accepted(netA, netB).map((e) => e.event_name);
    expect(names.sort()).toEqual(sent.sort());
    expect(netA.sent.length + netB.sent.length).toBeGreaterThan(40); // there were failures and retries
  });

  it('wait for a lock another tab holds, and take over when it expires (that tab died)', async () => {
    const local = mapStorage();
    const ids = seed(local.data, 3);
    local.data.set('el_l', `other-tab ${Date.now() + 30_000}`);
    const { net } = tab({ local: local.storage, plugins: [retry] });
    await advance(25_000);
    expect(batches(net)).toHaveLength(0);
    await advance(40_000);
    expect(batches(net)).toHaveLength(1);
    expect(net.events().map((e) => e.event_id)).toEqual(ids);
  });
});
