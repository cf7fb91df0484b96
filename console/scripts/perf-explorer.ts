/**
 * `npm run perf:explorer -w console`: how long the explorer's first page takes to show with a
 * million events in the database, in real Chromium, through the real query side and this
 * package's server.
 *
 * It builds a private database on the stack's PostgreSQL (query-side's test support: the read
 * models' DDL, a read-only role), loads 1,000,000 events into one project with generate_series,
 * starts the query side on it and the console server in front, logs in, and measures from the
 * click on "Events" to the first row on screen, unfiltered and filtered by user, several times.
 * The database is dropped at the end. Not part of `npm test`: loading takes a minute or two.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
// query-side's own test support: the read models' DDL, a read-only role, fixtures, the app.
import {
  createTestDatabase,
  insertProject,
  insertUser,
  startServer,
} from '@eventlens/query-side/test-support';
import { createConsoleHandler } from '../server/app';
import { silentLogger } from '@eventlens/service-kit';
import { launchChromium, logIn, newContext } from '../test/browser/support';

const EVENTS = Number(process.env.EVENTLENS_PERF_EVENTS ?? 1_000_000);
const RUNS = 7;
const BUDGET_MS = 300;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const started = Date.now();
  const db = await createTestDatabase();
  let consoleServer: Server | undefined;
  let query: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const projectId = await insertProject(db.owner, 'Perf: one million events');
    const email = 'perf@example.test';
    const password = 'perf password 0123';
    await insertUser(db.owner, email, password);
    console.log(`loading ${EVENTS.toLocaleString('en')} events…`);
    const loadStart = Date.now();
    await db.owner.query(
      `insert into analytics.events (project_id, event_id, event_name, session_id, user_id, anonymous_id, ts,
         received_at, url, page, referrer, metadata, context)
       select $1::uuid, gen_random_uuid(),
              (array['page_view','button_click','link_click','page_leave','signup_cta','form_submit'])[1 + i % 6],
              's-' || (i % 50000), 'u-' || (i % 20000), 'a-' || (i % 30000),
              now() - make_interval(secs => i * 2.5), now() - make_interval(secs => i * 2.5),
              'https://shop.example/p/' || (i % 40), '/p/' || (i % 40), null,
              jsonb_build_object('i', i, 'text', 'Add to cart', 'nested', jsonb_build_object('ok', true)),
              '{"language":"en"}'::jsonb
       from generate_series(1, $2::int) as i`,
      [projectId, EVENTS],
    );
    // What autovacuum does to a table soon after a bulk load: statistics, the visibility map, hint bits.
    await db.owner.query('vacuum analyze analytics.events');
    console.log(`loaded in ${((Date.now() - loadStart) / 1000).toFixed(1)} s`);

    query = await startServer(db.readerUrl);
    const handler = createConsoleHandler({
      distDir: fileURLToPath(new URL('../dist', import.meta.url)),
      queryUrl: query.url,
      ingestUrl: 'http://127.0.0.1:9',
      demo: { unavailable: 'not in the perf run' },
      demoApiKey: undefined,
      logger: silentLogger,
    });
    consoleServer = createServer(handler);
    await new Promise<void>((resolve) => consoleServer!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(consoleServer.address() as AddressInfo).port}`;

    const browser = await launchChromium();
    try {
      const page = await (await newContext(browser)).newPage();
      await page.goto(`${url}/p/${projectId}/keys`);
      await logIn(page, { adminEmail: email, adminPassword: password } as Parameters<typeof logIn>[1]);
      const results: Record<string, number[]> = {
        'nav link → first row': [],
        'filter by user → first row': [],
      };
      // One run first, not counted: the browser's cache of the app's chunks, the connection pools.
      for (let run = -1; run < RUNS; run++) {
        // Navigate the way a user does: from another screen, a click on "Events".
        await page.goto(`${url}/p/${projectId}/keys`);
        await page.locator('h1', { hasText: 'API keys' }).waitFor();
        let t0 = Date.now();
        await page.getByRole('link', { name: 'Events', exact: true }).click();
        await page.locator('tbody tr[data-event-id]').first().waitFor();
        if (run >= 0) results['nav link → first row']!.push(Date.now() - t0);

        // Then a filter: the list is replaced by the first page of that user's events.
        const user = `u-${((run + 1) * 37 + 11) % 20000}`;
        await page.getByLabel('User id').fill(user);
        t0 = Date.now();
        await page.getByRole('button', { name: 'Apply filters' }).click();
        await page.waitForFunction(
          (u) => document.querySelector('tbody tr[data-event-id] td:nth-child(3)')?.textContent?.trim() === u,
          user,
        );
        if (run >= 0) results['filter by user → first row']!.push(Date.now() - t0);
      }
      for (const [label, times] of Object.entries(results)) {
        console.log(
          `${label}: median ${median(times)} ms, runs ${times.join(', ')} ms (budget ${BUDGET_MS} ms, ${EVENTS.toLocaleString('en')} events)`,
        );
      }
      const worst = Math.max(...Object.values(results).map(median));
      if (worst > BUDGET_MS) process.exitCode = 1;
    } finally {
      await browser.close();
    }
  } finally {
    consoleServer?.close();
    await query?.close();
    await db.drop();
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().catch((error: unknown) => {
  console.error(`perf-explorer: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
