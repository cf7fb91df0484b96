/**
 * What the browser tests stand on: the running stack (read from .eventlens/dev.json), this
 * package's console server started on a free port in front of it, and Debian's Chromium driven by
 * playwright-core. Anything missing fails with one line that says what to do: never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { test } from 'vitest';

export const consoleDir = fileURLToPath(new URL('../..', import.meta.url));
export const artifacts = path.join(consoleDir, 'test-artifacts');
export const docs = path.join(consoleDir, 'docs');

export interface Stack {
  ingestUrl: string;
  queryUrl: string;
  kafkaBrokers: string;
  projectId: string;
  apiKey: string;
  adminEmail: string;
  adminPassword: string;
}

const REQUIRED = [
  'ingestUrl',
  'queryUrl',
  'kafkaBrokers',
  'projectId',
  'apiKey',
  'adminEmail',
  'adminPassword',
] as const;

/** The stack's coordinates, or an Error naming what is missing. */
export async function readStack(): Promise<Stack> {
  const home = process.env.EVENTLENS_HOME ?? path.join(consoleDir, '..', '.eventlens');
  const file = path.join(home, 'dev.json');
  let dev: Record<string, unknown>;
  try {
    dev = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new Error(
      `no running EventLens stack: ${file} is missing (run "npm run stack:up" from the repository root)`,
    );
  }
  const missing = REQUIRED.filter((k) => typeof dev[k] !== 'string' || dev[k] === '');
  if (missing.length > 0) {
    throw new Error(`the stack's services are not wired yet: ${file} lacks ${missing.join(', ')}`);
  }
  const stack = dev as unknown as Stack;
  for (const [name, url] of [
    ['query side', stack.queryUrl],
    ['command side', stack.ingestUrl],
  ] as const) {
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (!ok) throw new Error(`the ${name} at ${url} is not ready (GET /readyz): is the stack running?`);
  }
  return stack;
}

export interface ConsoleServer {
  url: string;
  stop(): Promise<void>;
}

/** `node --import tsx server/main.ts` on a free port, in front of the stack. */
export async function startConsole(stack: Stack): Promise<ConsoleServer> {
  if (!existsSync(path.join(consoleDir, 'dist', 'index.html'))) {
    throw new Error('console/dist is missing: run "npm run build -w console" (npm test builds it first)');
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: consoleDir,
    env: {
      ...process.env,
      EVENTLENS_CONSOLE_PORT: '0',
      EVENTLENS_CONSOLE_HOST: '127.0.0.1',
      EVENTLENS_QUERY_URL: stack.queryUrl,
      EVENTLENS_INGEST_URL: stack.ingestUrl,
      EVENTLENS_DEMO_API_KEY: stack.apiKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the console server did not start within 20 s:\n${output}`)),
      20_000,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // One JSON object a line; the order of its fields is the logger's business.
      const m = /^\{.*"message":"console listening".*\}$/m.exec(output);
      const listening = m ? (JSON.parse(m[0]) as { url?: string }).url : undefined;
      if (listening) {
        clearTimeout(timer);
        resolve(listening);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the console server exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get update && apt-get install -y chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function newContext(
  browser: Browser,
  width = 1280,
  height = 860,
  /** Another context's cookies and localStorage (`context.storageState()`): the same logged-in browser. */
  storageState?: Awaited<ReturnType<BrowserContext['storageState']>>,
): Promise<BrowserContext> {
  return browser.newContext({
    ...(storageState ? { storageState } : {}),
    viewport: { width, height },
    locale: 'en-GB',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
}

/**
 * A context for a visitor of a tracked site: Chromium's own User-Agent without "Headless", since
 * ingestion marks HeadlessChrome's events as bot traffic, which the reports (sessions, counters,
 * top pages) leave out. `navigator.webdriver` still says it is automated: the demo page allows it.
 */
export async function visitorContext(browser: Browser): Promise<BrowserContext> {
  const probe = await browser.newPage();
  const userAgent = (await probe.evaluate(() => navigator.userAgent)).replace('HeadlessChrome/', 'Chrome/');
  await probe.context().close();
  return browser.newContext({
    viewport: { width: 1280, height: 860 },
    userAgent,
    locale: 'en-GB',
    timezoneId: 'UTC',
    reducedMotion: 'reduce',
  });
}

/** Logs in through the form at whatever login page `page` is on (or is sent to). */
export async function logIn(page: Page, stack: Stack): Promise<void> {
  await page.waitForURL(/\/login/);
  await page.getByLabel('Email').fill(stack.adminEmail);
  await page.getByLabel('Password').fill(stack.adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

export async function screenshot(page: Page, name: string, alsoDocs = false): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: false });
  if (alsoDocs) {
    mkdirSync(docs, { recursive: true });
    await page.screenshot({ path: path.join(docs, `${name}.png`), fullPage: false });
  }
}

/** Errors the page reports in the browser's console (a failed request is one), and uncaught exceptions. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/**
 * What makes a screen unusable on a small one: the page scrolling sideways, a box inside it that
 * scrolls sideways (a table hiding its last columns), or a tab of the tab bar out of sight.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${Array.from(el.classList)
        .map((c) => `.${c}`)
        .join('')}`;
    const root = document.scrollingElement!;
    if (root.scrollWidth > innerWidth)
      problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${innerWidth}`);
    for (const el of Array.from(document.querySelectorAll('header *, nav *, main *'))) {
      const overflow = getComputedStyle(el).overflowX;
      if ((overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1)
        problems.push(`${name(el)} scrolls sideways: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    const nav = document.querySelector('nav.nav');
    if (nav) {
      const frame = nav.getBoundingClientRect();
      for (const link of Array.from(nav.querySelectorAll('a'))) {
        const r = link.getBoundingClientRect();
        const shown =
          r.width > 0 &&
          r.left >= Math.max(0, frame.left) - 0.5 &&
          r.right <= Math.min(innerWidth, frame.right) + 0.5;
        if (!shown)
          problems.push(`the tab "${link.textContent?.trim()}" is out of sight (${r.left}–${r.right})`);
      }
    }
    return problems;
  });
}

/** Whether the element is on screen across: not cut off left or right of the viewport. */
export async function withinViewportWidth(
  page: Page,
  locator: ReturnType<Page['locator']>,
): Promise<boolean> {
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  const width = await page.evaluate(() => innerWidth);
  return box !== null && box.width > 0 && box.x >= 0 && box.x + box.width <= width;
}

/** Polls `probe` until it returns a value (not undefined), or fails naming what was awaited. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * `step(name, body, timeout?)`: one test of a scenario whose setup ran in `beforeAll`. When that
 * setup failed (`setupError()` is an error), every step fails with the setup error's first line
 * rather than with an unrelated error of its own.
 */
export function stepsAfterSetup(setupError: () => Error | undefined) {
  return (name: string, body: () => Promise<void>, timeout?: number): void => {
    test(
      name,
      async () => {
        const error = setupError();
        if (error) throw new Error(error.message.split('\n')[0]);
        await body();
      },
      timeout,
    );
  };
}
