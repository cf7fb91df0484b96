/**
 * Synthetic traffic for tests: projects with sessions of page views and clicks, identified and
 * anonymous users, timestamps spread across minute, hour and day boundaries, in shuffled order.
 */
import type { EventTracked } from '@eventlens/contracts';
import { randomUUID } from 'node:crypto';

export interface TrafficOptions {
  projects: number;
  sessionsPerProject: number;
  eventsPerSession: number;
  /** Start of the traffic, epoch ms. Defaults to just before a UTC midnight. */
  start?: number;
  /** Deterministic shuffling. */
  seed?: number;
}

const PATHS = ['/', '/pricing', '/docs/getting-started', '/blog/launch', '/signup'];
/**
 * The longest page a URL of the contracts' limit (2,048 UTF-16 units) can carry here, in CJK
 * characters (3 bytes of UTF-8 each, 5,971 bytes in all) that PostgreSQL cannot compress: every key
 * and index a page reaches must take it. The first page view of every tenth session (the fourth,
 * the fourteenth, …) is of it.
 */
export const LONGEST_PATH = `/${Array.from({ length: 1990 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 0x5000))).join('')}`;
const NAMES = ['page_view', 'click', 'page_leave', 'signup_started'];

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateTraffic(options: TrafficOptions): EventTracked[] {
  const random = mulberry32(options.seed ?? 42);
  const start = options.start ?? Date.UTC(2026, 0, 1, 23, 58, 0);
  const events: EventTracked[] = [];
  for (let p = 0; p < options.projects; p++) {
    const projectId = randomUUID();
    for (let s = 0; s < options.sessionsPerProject; s++) {
      const sessionId = `s-${randomUUID()}`;
      const identified = random() < 0.5;
      const userId = identified ? `user-${Math.floor(random() * 20)}` : null;
      const anonymousId = `anon-${randomUUID().slice(0, 8)}`;
      // Every tenth session is a crawler's: the read models count it apart (context.bot).
      const context: Record<string, string> =
        s % 10 === 9 ? { library: 'test', bot: 'Headless' } : { library: 'test' };
      let ts = start + Math.floor(random() * 10 * 60_000);
      for (let i = 0; i < options.eventsPerSession; i++) {
        ts += Math.floor(random() * 45_000);
        const name = i === 0 ? 'page_view' : NAMES[Math.floor(random() * NAMES.length)]!;
        const drawn = PATHS[Math.floor(random() * PATHS.length)]!;
        const path = i === 0 && s % 10 === 3 ? LONGEST_PATH : drawn;
        events.push({
          event_id: randomUUID(),
          project_id: projectId,
          event_name: name,
          session_id: sessionId,
          user_id: userId,
          anonymous_id: anonymousId,
          timestamp: ts,
          received_at: ts + 50,
          url: `https://shop.example${path}?utm_source=test&i=${i}#section`,
          referrer: null,
          metadata_json: JSON.stringify({ i, plan: random() < 0.5 ? 'pro' : 'free' }),
          context,
        });
      }
    }
  }
  return shuffle(events, random);
}

export function shuffle<T>(items: T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
