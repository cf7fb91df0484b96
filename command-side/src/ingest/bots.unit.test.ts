import { describe, expect, it } from 'vitest';
import { botOf } from './bots';

const chrome =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

describe('bot traffic from the User-Agent', () => {
  it('given a visitor’s browser, then it is not a bot', () => {
    expect(botOf(chrome)).toBeUndefined();
    expect(
      botOf(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
      ),
    ).toBeUndefined();
  });

  it('given headless Chromium or a rendering crawler, then it names what it recognised', () => {
    expect(botOf(chrome.replace('Chrome/', 'HeadlessChrome/'))).toMatch(/headless/i);
    expect(
      botOf(
        'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/120.0.0.0 Safari/537.36',
      ),
    ).toMatch(/google/i);
  });

  it('given a server-side sender or no User-Agent, then it is counted (it is not a visitor’s browser)', () => {
    for (const ua of ['curl/8.5.0', 'node', 'python-requests/2.31', '', undefined])
      expect(botOf(ua)).toBeUndefined();
  });

  it("given Plausible's Events API, whose User-Agent is the visitor's in any form, then a client or crawler of any form is a bot", () => {
    const visitorsOwn = { visitorsOwn: true };
    for (const ua of [
      'curl/8.5.0',
      'python-requests/2.31.0',
      'Googlebot/2.1 (+http://www.google.com/bot.html)',
    ])
      expect(botOf(ua, visitorsOwn), ua).toBeDefined();
    expect(botOf(chrome, visitorsOwn)).toBeUndefined();
  });
});
