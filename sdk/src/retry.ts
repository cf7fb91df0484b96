import { keys, on, safe, type Plugin } from './client.js';

/**
 * The retry queue. An event whose delivery failed in a way worth retrying (network error, 5xx, 429) is
 * kept in localStorage, one key per event (so tabs that add to the queue never overwrite each other),
 * bounded to 200 events and QUEUE_CHARS characters with the oldest dropped first, and sent again through
 * /v1/batch: after a jittered exponential backoff (never sooner than Retry-After), when the browser comes
 * back `online`, after any delivery that went through, and on the next page load.
 *
 * One tab at a time delivers the queue. The lock is a localStorage value "<tab id> <expiry>": a tab takes
 * it when it is free, expired or its own, waits 250 ms for other tabs' writes to reach it (longer than a
 * localStorage write takes to travel between tabs), and sends only if the lock still holds its own value.
 * When two tabs take it at once, the write that lands last is what both of them read, so exactly one of
 * them sends. The holder sends every tab's queued events and removes exactly those it sent. The lock is
 * released after a delivery; a tab that dies holding it frees it at expiry (30 s, longer than any sane
 * request), and a tab that finds it taken looks again later. (No `storage` listener is needed: a waiting
 * tab has nothing to do that the holder does not already do.)
 */
/**
 * The queue's bound in characters: room for ten events of the largest size the API accepts (16 KiB of
 * metadata, 2,048-character url and referrer, context), well inside the 5 MB a browser gives an origin's
 * localStorage. A batch of it stays under the API's 1 MiB request limit.
 */
export const QUEUE_CHARS = 3e5;

export const retry: Plugin = (c) => {
  const ls = c.ls,
    tab = '' + Math.random(),
    prefix = 'el_q:' + c.key + ':',
    /** Storage keys of the queued events, oldest first (each key starts with the event's timestamp). */
    queued = () =>
      keys(ls)
        .filter((k) => k.startsWith(prefix))
        .sort();
  /** When this tab started delivering (0: it is not); a request that never ends stops counting with the lock. */
  let busy = 0,
    timer: unknown,
    tries = 0;

  /** Arms the retry timer: jittered exponential backoff, never sooner than Retry-After. */
  const schedule = (after: unknown) => {
    timer ||= setTimeout(
      () => {
        timer = 0;
        flush();
      },
      // 1 s, 2 s, 4 s … up to 5 minutes, each scaled by a random 50–100 %.
      Math.max((after as number) * 1e3 || 0, Math.min(3e5, 1e3 * 2 ** tries++) * (0.5 + Math.random() / 2)),
    );
  };

  const flush = safe(() => {
    const now = Date.now(),
      [owner, expiry] = (ls.get('el_l') || '').split(' '),
      lock = tab + ' ' + (now + 3e4);
    if (busy > now - 3e4 || c.off() || !queued().length) return;
    if (owner != tab && +expiry! > now) return schedule(0);
    busy = now;
    ls.set('el_l', lock);
    setTimeout(
      safe(() => {
        const sending = queued().filter(ls.get),
          release = () => ls.get('el_l') == lock && ls.set('el_l');
        if (ls.get('el_l') != lock || !sending.length) return (busy = 0);
        c.post('/v1/batch', '{"events":[' + sending.map(ls.get) + ']}')
          // A 400 names the events it refused (`events[3].metadata.n`): only those are dropped, and the
          // rest go again at once; the API refuses a batch whole, and one bad event must not take the
          // others with it.
          .then((r) => (r.status == 400 ? r.text() : ''))
          .then(
            safe((refused) => {
              // Delivered, or refused for good (a 4xx other than 429): either way, done with these.
              busy = tries = 0;
              const named = refused.match(/events\[\d+/g);
              (named ? named.map((m) => sending[+m.slice(7)]!) : sending).forEach((k) => ls.set(k));
              release();
              flush();
            }),
            (after) => {
              // Free the lock at once: a reload (a new tab) would wait out its expiry before sending.
              busy = 0;
              release();
              schedule(after);
            },
          );
      }),
      250,
    );
  });

  c.q = safe((event, key, after) => {
    if (!event) return flush();
    ls.set(prefix + key, event);
    // Bound the queue, counting from the newest: what falls outside is the oldest.
    let chars = 0;
    queued()
      .reverse()
      .forEach((k, i) => ((chars += (ls.get(k) || '').length) > QUEUE_CHARS || i >= 200) && ls.set(k));
    schedule(after);
  });
  on(c.w, 'online', flush);
  flush();
};
