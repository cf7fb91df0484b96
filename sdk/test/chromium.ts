/**
 * Debian's Chromium for the browser tests, launched the way this machine allows: no sandbox (root),
 * no GPU, and none of the background connections a closed network refuses. playwright-core gives
 * each launch a fresh temporary profile.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const MISSING = `${CHROMIUM} is missing: install it with \`apt-get update && apt-get install -y chromium\``;

/** The browser, or undefined when Chromium is not installed (each test then fails with MISSING). */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
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
