/**
 * Console login, logout and session revocation as commands (real Kafka and registry): a login
 * appends ConsoleSessionStarted and sets the cookie, a logout appends ConsoleSessionRevoked, and a
 * cookie copied before the logout is refused by admin commands at once on this instance and within
 * 2 s on another. Failed logins are throttled per address and per (account, address), with a
 * bounded delay per account: a stranger cannot lock a user out. (Nor spoof addresses through the
 * console's proxy: console/server/proxy.int.test.ts, where the proxy lives.)
 */
import { randomUUID } from 'node:crypto';
import { CSRF_HEADER, SESSION_COOKIE } from '@eventlens/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminClient,
  collectTopic,
  createTestTopics,
  deleteTestTopics,
  startCommandSide,
  testConfig,
  testStack,
  type RunningCommandSide,
  type TestStack,
} from '../test-support';

let stack: TestStack;
let topics: { events: string; admin: string };
let first: RunningCommandSide;
let second: RunningCommandSide;
let adminLog: Awaited<ReturnType<typeof collectTopic>>;
const user = { email: `ops.${randomUUID()}@example.test`, password: 'correct horse battery', user_id: '' };
const other = { email: `other.${randomUUID()}@example.test`, password: 'another good password', user_id: '' };

/** Loopback is a trusted proxy here, as the stack configures it: tests name client addresses with X-Forwarded-For. */
const trusted = (overrides = {}) =>
  testConfig(stack, topics, { http: { port: 0, host: '127.0.0.1', trustProxy: ['loopback'] }, ...overrides });

beforeAll(async () => {
  stack = await testStack();
  topics = await createTestTopics(stack);
  [first, second] = await Promise.all([startCommandSide(trusted()), startCommandSide(trusted())]);
  adminLog = await collectTopic(stack, topics.admin);
  const admin = adminClient(first.url);
  for (const u of [user, other]) {
    const registered = await admin.call('POST', '/v1/admin/users', { email: u.email, password: u.password });
    expect(registered.status).toBe(201);
    u.user_id = registered.body.user_id as string;
  }
  // The second instance learns of the users from the admin log.
  const started = Date.now();
  while (!second.commandSide.directory.userByEmail(other.email)) {
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

afterAll(async () => {
  await adminLog?.stop();
  await Promise.all([first?.stop(), second?.stop()]);
  if (topics) await deleteTestTopics(stack, topics);
});

let addressCounter = 0;
/** A client address of its own for each caller, so tests do not share throttle buckets. */
const freshAddress = () => `198.51.100.${++addressCounter}`;

function login(
  body: unknown,
  options: { url?: string; headers?: Record<string, string>; from?: string } = {},
): Promise<Response> {
  return fetch(`${options.url ?? first.url}/v1/auth/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [CSRF_HEADER]: '1',
      'x-forwarded-for': options.from ?? freshAddress(),
      ...options.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** `name=value` of a Set-Cookie header, and its attributes lower-cased. */
function parseSetCookie(header: string | null) {
  if (!header) return undefined;
  const [pair, ...attributes] = header.split(';').map((s) => s.trim());
  return { pair: pair!, attributes: attributes.map((a) => a.toLowerCase()) };
}

async function loggedIn(u = user, url = first.url): Promise<string> {
  const response = await login({ email: u.email, password: u.password }, { url });
  expect(response.status).toBe(200);
  return parseSetCookie(response.headers.get('set-cookie'))!.pair;
}

const createProject = (cookie: string, url = first.url) =>
  fetch(`${url}/v1/admin/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, [CSRF_HEADER]: '1' },
    body: JSON.stringify({ name: 'by session' }),
  }).then((r) => r.status);

const post = (
  path: string,
  cookie: string | undefined,
  headers: Record<string, string> = { [CSRF_HEADER]: '1' },
) => fetch(`${first.url}${path}`, { method: 'POST', headers: { ...(cookie ? { cookie } : {}), ...headers } });

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string; fields?: unknown } }).error;
}

const sessionIdOf = (cookie: string) => {
  const token = decodeURIComponent(cookie.slice(`${SESSION_COOKIE}=`.length));
  return (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { sid: string }).sid;
};

describe('login', () => {
  it('sets an httpOnly, SameSite=Strict session cookie naming a session recorded in the admin log', async () => {
    const response = await login(
      { email: user.email, password: user.password },
      { headers: { 'user-agent': 'Mozilla/5.0 (sessions test)' } },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user_id: user.user_id, email: user.email });
    const cookie = parseSetCookie(response.headers.get('set-cookie'))!;
    expect(cookie.pair.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect(cookie.attributes).toEqual(
      expect.arrayContaining(['httponly', 'samesite=strict', 'path=/', 'max-age=43200']),
    );
    expect(cookie.attributes).not.toContain('secure'); // plain http, no proxy saying otherwise
    const sid = sessionIdOf(cookie.pair);
    const record = await adminLog.until((all) =>
      all.find((r) => r.event.type === 'ConsoleSessionStarted' && r.event.value.session_id === sid),
    );
    expect(record.key).toBe(user.user_id);
    expect(record.event.value).toEqual({
      session_id: sid,
      user_id: user.user_id,
      started_at: expect.any(Number),
      expires_at: (record.event.value as { started_at: number }).started_at + 12 * 3600_000,
      user_agent: 'Mozilla/5.0 (sessions test)',
    });
    expect(record.value.includes(user.password)).toBe(false);
    expect(await createProject(cookie.pair)).toBe(201);
  });

  it('takes the email in any case', async () => {
    expect((await login({ email: user.email.toUpperCase(), password: user.password })).status).toBe(200);
  });

  it('needs the CSRF header', async () => {
    const response = await login(
      { email: user.email, password: user.password },
      { headers: { [CSRF_HEADER]: '' } },
    );
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields).toEqual([{ field: CSRF_HEADER, message: expect.any(String) }]);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it.each([
    ['a wrong password', { email: 'USER', password: 'not the password' }, 401, 'UNAUTHORIZED'],
    ['an unknown email', { email: 'nobody@example.test', password: 'whatever12345' }, 401, 'UNAUTHORIZED'],
    ['a missing password', { email: 'a@example.test' }, 400, 'INVALID_FIELD'],
    ['an unknown field', { email: 'a@b.c', password: 'x', admin: true }, 400, 'INVALID_FIELD'],
    ['a number for email', { email: 5, password: 'x' }, 400, 'INVALID_FIELD'],
    ['an array body', [], 400, 'INVALID_FIELD'],
    ['broken JSON', '{"email": ', 400, 'INVALID_JSON'],
  ])('%s: %i %s', async (_name, body, status, code) => {
    const sent =
      typeof body === 'object' && !Array.isArray(body) && body.email === 'USER'
        ? { ...body, email: user.email }
        : body;
    const response = await login(sent);
    expect(response.status).toBe(status);
    expect((await errorOf(response)).code).toBe(code);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('a body that is not JSON is a 415; a huge one a 413', async () => {
    const form = await fetch(`${first.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', [CSRF_HEADER]: '1' },
      body: 'email=a&password=b',
    });
    expect(form.status).toBe(415);
    const huge = await login({ email: 'a@b.c', password: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
  });

  it('the cookie is Secure when configured, or behind an https proxy that is trusted', async () => {
    const proxied = await login(
      { email: user.email, password: user.password },
      { headers: { 'x-forwarded-proto': 'https' } },
    );
    expect(parseSetCookie(proxied.headers.get('set-cookie'))!.attributes).toContain('secure');
    const untrusting = await startCommandSide(testConfig(stack, topics));
    const always = await startCommandSide(
      testConfig(stack, topics, { http: { port: 0, host: '127.0.0.1', cookieSecure: 'always' } }),
    );
    try {
      const spoofed = await login(
        { email: user.email, password: user.password },
        { url: untrusting.url, headers: { 'x-forwarded-proto': 'https' } },
      );
      expect(spoofed.status).toBe(200);
      expect(parseSetCookie(spoofed.headers.get('set-cookie'))!.attributes).not.toContain('secure');
      const a = await login({ email: user.email, password: user.password }, { url: always.url });
      expect(parseSetCookie(a.headers.get('set-cookie'))!.attributes).toContain('secure');
    } finally {
      await Promise.all([untrusting.stop(), always.stop()]);
    }
  });
});

describe('logout', () => {
  it('revokes the session: a copied cookie is refused at once here, and within 2 s by another instance', async () => {
    const cookie = await loggedIn();
    const sid = sessionIdOf(cookie);
    // The other instance knows the session is live (it follows the admin log).
    expect(await createProject(cookie, second.url)).toBe(201);

    const response = await post('/v1/auth/logout', cookie);
    expect(response.status).toBe(204);
    const cleared = parseSetCookie(response.headers.get('set-cookie'))!;
    expect(cleared.pair).toBe(`${SESSION_COOKIE}=`);
    expect(cleared.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
    expect(cleared.attributes.some((a) => a.startsWith('expires=thu, 01 jan 1970'))).toBe(true);
    const loggedOutAt = Date.now();

    expect(await createProject(cookie)).toBe(401);
    while ((await createProject(cookie, second.url)) !== 401) {
      expect(Date.now() - loggedOutAt).toBeLessThan(2000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    console.log(`logout seen by the other instance after ${Date.now() - loggedOutAt} ms`);

    const record = await adminLog.until((all) =>
      all.find((r) => r.event.type === 'ConsoleSessionRevoked' && r.event.value.session_id === sid),
    );
    expect(record.key).toBe(user.user_id);
    expect(record.event.value).toMatchObject({ user_id: user.user_id, revoked_by: sid });
    // Logging out again with the copied cookie answers the same and appends nothing.
    expect((await post('/v1/auth/logout', cookie)).status).toBe(204);
  });

  it('answers 204 without a session, and needs the CSRF header', async () => {
    expect((await post('/v1/auth/logout', undefined)).status).toBe(204);
    const noCsrf = await post('/v1/auth/logout', await loggedIn(), {});
    expect(noCsrf.status).toBe(400);
  });
});

describe('revoking one of my sessions', () => {
  const revoke = (cookie: string | undefined, sessionId: string, headers?: Record<string, string>) =>
    post(`/v1/auth/sessions/${sessionId}/revoke`, cookie, headers);

  it("revokes another session of the same user; that session's cookie is refused, mine keeps working", async () => {
    const mine = await loggedIn();
    const laptop = await loggedIn();
    expect(await createProject(laptop)).toBe(201);
    const response = await revoke(mine, sessionIdOf(laptop));
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await createProject(laptop)).toBe(401);
    expect(await createProject(mine)).toBe(201);
    // Idempotent.
    expect((await revoke(mine, sessionIdOf(laptop))).status).toBe(204);
  });

  it("another user's session, an unknown one or a malformed id is a 404; nothing without a session or CSRF", async () => {
    const mine = await loggedIn();
    const theirs = await loggedIn(other);
    expect((await revoke(mine, sessionIdOf(theirs))).status).toBe(404);
    expect(await createProject(theirs)).toBe(201);
    expect((await revoke(mine, randomUUID())).status).toBe(404);
    expect((await revoke(mine, 'not-a-session')).status).toBe(404);
    expect((await revoke(undefined, sessionIdOf(theirs))).status).toBe(401);
    expect((await revoke(mine, sessionIdOf(theirs), {})).status).toBe(400);
  });

  it('revoking the current session logs it out', async () => {
    const mine = await loggedIn();
    const response = await revoke(mine, sessionIdOf(mine));
    expect(response.status).toBe(204);
    expect(parseSetCookie(response.headers.get('set-cookie'))!.pair).toBe(`${SESSION_COOKIE}=`);
    expect(await createProject(mine)).toBe(401);
  });
});

describe('login throttling', () => {
  it('refuses one address after repeated failures against one account, with Retry-After', async () => {
    const from = freshAddress();
    for (let i = 0; i < 5; i++) {
      expect((await login({ email: other.email, password: `wrong ${i}` }, { from })).status).toBe(401);
    }
    const refused = await login({ email: other.email, password: other.password }, { from });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await errorOf(refused)).toMatchObject({
      code: 'RATE_LIMITED',
      // It is this account that is locked from here, not the address: it says so.
      message: 'too many failed logins to this account from this address: try again later',
    });
  });

  it('a stranger cannot lock the admin out: many bad logins from one address, then the right password from another succeeds', async () => {
    const stranger = freshAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      statuses.push((await login({ email: user.email, password: `guess ${i}` }, { from: stranger })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);

    // The stranger's address gets 429s; the account's delay is capped (throttle.unit.test.ts checks
    // the cap without a clock; a timing here measured the machine's load as much as the delay).
    const response = await login({ email: user.email, password: user.password }, { from: freshAddress() });
    expect(response.status).toBe(200);
  });
});
