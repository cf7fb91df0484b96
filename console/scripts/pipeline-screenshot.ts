/**
 * `node --import tsx scripts/pipeline-screenshot.ts`: the Pipeline screen with live figures, as
 * `docs/pipeline.png`, from this work tree's projections and query side even while the shared
 * stack runs older ones.
 *
 * It starts a private read side beside the running stack (e2e's read-side.ts: this tree's
 * projections in this process, its query side as a child process, a database of their own),
 * sends events to the stack's ingestion API for about two minutes at a changing rate, serves the
 * built console (`dist/`) in front of the private query side, gives the browser a console session
 * of the stack's admin signed with the private query side's secret (logging in is a command of the
 * stack's command side, whose secret is the stack's), and takes the screen at 1440×900 (to `docs/` and `test-artifacts/`) and at 390×844
 * (`test-artifacts/`), failing when either scrolls sideways. Everything private is removed at the
 * end. Not part of `npm test`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startReadSide } from '@eventlens/e2e/read-side';
import { createConsoleHandler } from '../server/app';
import { silentLogger } from '@eventlens/service-kit';
import { launchChromium, layoutProblems, newContext, screenshot } from '../test/browser/support';

const TRAFFIC_MS = Number(process.env.EVENTLENS_SCREENSHOT_TRAFFIC_MS ?? 150_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const side = await startReadSide();
  let consoleServer: Server | undefined;
  try {
    const { projectId, adminEmail, apiKey, ingestUrl } = side.dev;
    if (!projectId || !adminEmail || !apiKey || !ingestUrl)
      throw new Error('.eventlens/dev.json lacks ingestUrl, projectId, apiKey or adminEmail');

    // Traffic with a shape: a batch every second, its size swinging between 2 and 40 events.
    console.log(`sending events for ${TRAFFIC_MS / 1000} s…`);
    const started = Date.now();
    let sent = 0;
    for (let tick = 0; Date.now() - started < TRAFFIC_MS; tick++) {
      const size = Math.round(21 + 19 * Math.sin(tick / 12));
      const res = await fetch(`${ingestUrl}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          api_key: apiKey,
          events: Array.from({ length: size }, (_, i) => ({
            event_name: i % 3 ? 'page_view' : 'button_click',
            event_id: randomUUID(),
            session_id: `pipeline-shot-${tick % 7}`,
          })),
        }),
      });
      if (res.status !== 202) throw new Error(`POST /v1/batch: ${res.status} ${await res.text()}`);
      sent += size;
      await sleep(1000);
    }
    console.log(`sent ${sent} events`);

    const handler = createConsoleHandler({
      distDir: fileURLToPath(new URL('../dist', import.meta.url)),
      queryUrl: side.queryUrl,
      ingestUrl: ingestUrl,
      demo: { unavailable: 'not in the screenshot run' },
      demoApiKey: undefined,
      logger: silentLogger,
    });
    consoleServer = createServer(handler);
    await new Promise<void>((resolve) => consoleServer!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(consoleServer.address() as AddressInfo).port}`;

    const browser = await launchChromium();
    try {
      const context = await newContext(browser);
      await context.addCookies([{ ...(await side.sessionCookie(adminEmail)), url }]);
      // What a login also leaves: the SPA's hint that this browser has a session (src/api/sessionHint.ts).
      await context.addInitScript(() => localStorage.setItem('eventlens.signedIn', '1'));
      // tsx names functions with a `__name` helper; functions sent to page.evaluate need it there too.
      await context.addInitScript('globalThis.__name = (f) => f');
      const page = await context.newPage();
      await page.goto(`${url}/p/${projectId}/pipeline`);
      const rate = page.locator('tr[data-projection="analytics"] [data-testid="throughput-rate"]');
      await rate.waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
        await screenshot(page, 'pipeline-failed');
        const shown =
          (await page
            .locator('main')
            .textContent()
            .catch(() => null)) ?? '';
        throw new Error(
          `no throughput on ${page.url()} (test-artifacts/pipeline-failed.png): ${shown.slice(0, 300)}\n${String(error)}`,
        );
      });
      await page.locator('.sparkline canvas').first().waitFor();
      console.log(
        `analytics: p50 ${await page.locator('tr[data-projection="analytics"] [data-testid="freshness-p50"]').textContent()}, ` +
          `p99 ${await page.locator('tr[data-projection="analytics"] [data-testid="freshness-p99"]').textContent()}, ` +
          `throughput ${await rate.textContent()}`,
      );
      const problems = await layoutProblems(page);
      await screenshot(page, 'pipeline', true);

      const phone = await newContext(browser, 390, 844, await context.storageState());
      await phone.addInitScript('globalThis.__name = (f) => f');
      const small = await phone.newPage();
      await small.goto(`${url}/p/${projectId}/pipeline`);
      await small.locator('tr[data-projection="analytics"] [data-testid="throughput-rate"]').waitFor();
      problems.push(...(await layoutProblems(small)).map((p) => `390 px: ${p}`));
      await screenshot(small, 'pipeline-390');
      if (problems.length > 0) throw new Error(`layout problems:\n${problems.join('\n')}`);
      console.log('wrote docs/pipeline.png and test-artifacts/pipeline-390.png');
    } finally {
      await browser.close();
    }
  } finally {
    consoleServer?.close();
    await side.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`pipeline-screenshot: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
