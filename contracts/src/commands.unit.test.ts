import { describe, expect, it } from 'vitest';
import {
  CreateProject,
  TrackBatch,
  TrackEvent,
  RegisterUser,
  IssueApiKey,
  ReplayDlq,
  jsonDepth,
  LIMITS,
} from './index';

const key = 'el_abcdefghijklmnopqrstuvwx';

function fieldsOf(result: {
  success: boolean;
  error?: { issues: Array<{ path: PropertyKey[] }> };
}): string[] {
  return (result.error?.issues ?? []).map((i) => i.path.join('.'));
}

describe('TrackEvent', () => {
  it('accepts the minimal event: api_key and event_name', () => {
    expect(TrackEvent.parse({ api_key: key, event_name: 'button_click' })).toEqual({
      api_key: key,
      event_name: 'button_click',
    });
  });

  it('normalises ISO and epoch-millisecond timestamps to epoch milliseconds', () => {
    const iso = TrackEvent.parse({ api_key: key, event_name: 'x', timestamp: '2026-11-28T10:00:00.000Z' });
    const epoch = TrackEvent.parse({ api_key: key, event_name: 'x', timestamp: Date.UTC(2026, 10, 28, 10) });
    expect(iso.timestamp).toBe(Date.UTC(2026, 10, 28, 10));
    expect(epoch.timestamp).toBe(iso.timestamp);
  });

  it('names each bad field', () => {
    const result = TrackEvent.safeParse({
      api_key: 'nope',
      event_name: '',
      event_id: 'not-a-uuid',
      timestamp: 'yesterday',
      metadata: 'text',
    });
    expect(result.success).toBe(false);
    expect(fieldsOf(result).sort()).toEqual(['api_key', 'event_id', 'event_name', 'metadata', 'timestamp']);
  });

  it('rejects unknown fields by name instead of dropping them', () => {
    const result = TrackEvent.safeParse({ api_key: key, event_name: 'x', evnt_id: 'typo' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('evnt_id');
  });

  it('rejects metadata nested deeper than the limit', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < LIMITS.metadataMaxDepth; i++) deep = { d: deep };
    const result = TrackEvent.safeParse({ api_key: key, event_name: 'x', metadata: deep });
    expect(fieldsOf(result)).toEqual(['metadata']);
    expect(result.error?.issues[0]?.message).toMatch(/levels deep/);
  });

  it('refuses hostile nesting with a 400-style issue, not a stack overflow', () => {
    const objects = JSON.parse(`${'{"d":'.repeat(100_000)}1${'}'.repeat(100_000)}`) as unknown;
    const arrays = JSON.parse(`{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`) as unknown;
    for (const hostile of [objects, arrays]) {
      const result = TrackEvent.safeParse({ api_key: key, event_name: 'x', metadata: hostile });
      expect(fieldsOf(result)).toEqual(['metadata']);
      expect(result.error?.issues[0]?.message).toMatch(/levels deep/);
    }
    const batch = TrackBatch.safeParse({
      api_key: key,
      events: [{ event_name: 'ok' }, { event_name: 'x', metadata: objects }],
    });
    expect(fieldsOf(batch)).toEqual(['events.1.metadata']);
  });

  it('rejects metadata over the byte limit', () => {
    const metadata = { blob: 'x'.repeat(LIMITS.metadataMaxBytes) };
    expect(fieldsOf(TrackEvent.safeParse({ api_key: key, event_name: 'x', metadata }))).toEqual(['metadata']);
  });

  it('takes SQL and HTML as plain data', () => {
    const hostile = `'; drop table events; -- <img src=x onerror=alert(1)>`;
    const parsed = TrackEvent.parse({
      api_key: key,
      event_name: hostile,
      metadata: { note: hostile },
      url: hostile,
    });
    expect(parsed.event_name).toBe(hostile.trim());
    expect(parsed.metadata).toEqual({ note: hostile });
  });

  it('measures depth without recursion, so hostile nesting cannot overflow the stack', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonDepth(deep)).toBe(100_001);
    expect(jsonDepth('scalar')).toBe(0);
  });
});

describe('lengths are UTF-16 code units, as LIMITS counts them and the projection checks them', () => {
  // U+20000: a CJK Extension B character, 2 units and 4 bytes of UTF-8, which nothing compresses.
  const wide = (n: number) => String.fromCodePoint(0x20000).repeat(n);
  const event = (fields: Record<string, unknown>) =>
    TrackEvent.safeParse({ api_key: key, event_name: 'e', ...fields });
  it('takes each field at its limit in units, and refuses one unit more, however few code points that is', () => {
    for (const [field, limit] of [
      ['event_name', LIMITS.eventNameMaxLength],
      ['session_id', LIMITS.idMaxLength],
      ['user_id', LIMITS.idMaxLength],
      ['anonymous_id', LIMITS.idMaxLength],
    ] as const) {
      expect(event({ [field]: wide(limit / 2) }).success, field).toBe(true);
      // 101 code points, 202 units: Zod's own max (code points) took it; the projection did not.
      const over = event({ [field]: wide(limit / 2 + 1) });
      expect(fieldsOf(over), field).toEqual([field]);
      expect(over.error?.issues[0]?.message).toBe(
        `must be at most ${limit} characters (UTF-16 code units: an emoji counts 2)`,
      );
      // Too many code points too: one issue, not two.
      expect(fieldsOf(event({ [field]: 'x'.repeat(limit + 1) })), field).toEqual([field]);
    }
    const url = `https://a.dev/${wide((LIMITS.urlMaxLength - 14) / 2)}`;
    expect(url.length).toBe(LIMITS.urlMaxLength);
    expect(event({ url }).success).toBe(true);
    expect(fieldsOf(event({ url: `${url}x` }))).toEqual(['url']);
    expect(event({ context: { k: wide(LIMITS.contextValueMaxLength / 2) } }).success).toBe(true);
    expect(fieldsOf(event({ context: { k: `${wide(LIMITS.contextValueMaxLength / 2)}x` } }))).toEqual([
      'context.k',
    ]);
  });
});

describe('TrackBatch', () => {
  it('takes up to the batch limit and names the item at fault', () => {
    const events = Array.from({ length: LIMITS.batchMaxEvents }, () => ({ event_name: 'e' }));
    expect(TrackBatch.parse({ api_key: key, events }).events).toHaveLength(LIMITS.batchMaxEvents);
    expect(
      fieldsOf(TrackBatch.safeParse({ api_key: key, events: [...events, { event_name: 'e' }] })),
    ).toEqual(['events']);
    expect(
      fieldsOf(TrackBatch.safeParse({ api_key: key, events: [{ event_name: 'ok' }, { event_name: 5 }] })),
    ).toEqual(['events.1.event_name']);
    expect(fieldsOf(TrackBatch.safeParse({ api_key: key, events: [] }))).toEqual(['events']);
  });

  it('refuses one event id given to two different events, naming the second; the same event twice is taken', () => {
    const id = '7628183b-bf55-467d-8618-e289d674a7ff';
    const other = { event_id: '0b6f9f1e-33c2-4c59-9a4e-3a3f3f6b1c2d', event_name: 'c' };
    const result = TrackBatch.safeParse({
      api_key: key,
      events: [{ event_id: id, event_name: 'b1' }, other, { event_id: id, event_name: 'b2' }],
    });
    expect(fieldsOf(result)).toEqual(['events.2.event_id']);
    expect(result.error?.issues[0]?.message).toMatch(/^is events\[0\]'s, whose event differs/);
    const same = { event_id: id, event_name: 'b1', metadata: { plan: 'pro' } };
    expect(TrackBatch.parse({ api_key: key, events: [same, other, { ...same }] }).events).toHaveLength(3);
    // Without ids, events are never the same event: the server gives each its own.
    expect(
      TrackBatch.parse({ api_key: key, events: [{ event_name: 'e' }, { event_name: 'e' }] }).events,
    ).toHaveLength(2);
  });

  it('does not allow an api_key inside batch items', () => {
    const result = TrackBatch.safeParse({ api_key: key, events: [{ event_name: 'e', api_key: key }] });
    expect(result.success).toBe(false);
  });
});

describe('admin commands', () => {
  it('lower-cases emails and enforces the password length', () => {
    expect(RegisterUser.parse({ email: 'Admin@Example.COM', password: 'long enough pw' }).email).toBe(
      'admin@example.com',
    );
    expect(fieldsOf(RegisterUser.safeParse({ email: 'a@b.co', password: 'short' }))).toEqual(['password']);
  });

  it('only issues write or read keys', () => {
    const project_id = '6f1c1b7e-8a1e-4f53-9a51-1d7d3f2f0a11';
    expect(IssueApiKey.parse({ project_id, kind: 'read' }).kind).toBe('read');
    expect(fieldsOf(IssueApiKey.safeParse({ project_id, kind: 'admin' }))).toEqual(['kind']);
  });
});

describe('NUL characters', () => {
  it('leave the literal text \\u0000 alone', () => {
    expect(TrackEvent.safeParse({ api_key: key, event_name: 'x', metadata: { k: '\\u0000' } }).success).toBe(
      true,
    );
  });

  it('are refused in every text field and inside metadata, naming the field', () => {
    const nul = 'a\u0000b';
    expect(fieldsOf(TrackEvent.safeParse({ api_key: key, event_name: nul }))).toEqual(['event_name']);
    expect(fieldsOf(TrackEvent.safeParse({ api_key: key, event_name: 'x', session_id: nul }))).toEqual([
      'session_id',
    ]);
    expect(fieldsOf(TrackEvent.safeParse({ api_key: key, event_name: 'x', url: nul }))).toEqual(['url']);
    expect(
      fieldsOf(TrackEvent.safeParse({ api_key: key, event_name: 'x', metadata: { k: { v: nul } } })),
    ).toEqual(['metadata.k.v']);
    expect(fieldsOf(TrackEvent.safeParse({ api_key: key, event_name: 'x', context: { lang: nul } }))).toEqual(
      ['context.lang'],
    );
  });
});

describe('ReplayDlq', () => {
  it('accepts a projection that has a DLQ and refuses any other name, naming the field', () => {
    expect(ReplayDlq.parse({ projection: 'analytics' })).toEqual({ projection: 'analytics' });
    expect(ReplayDlq.parse({ projection: 'admin' })).toEqual({ projection: 'admin' });
    expect(fieldsOf(ReplayDlq.safeParse({ projection: 'ops' }))).toEqual(['projection']);
    expect(fieldsOf(ReplayDlq.safeParse({ projection: 'admin', extra: 1 }))).toEqual(['']);
  });
});

describe('names of projects, keys and users', () => {
  const project = '00000000-0000-4000-8000-000000000000';
  it('are kept exactly as sent, whitespace around them included: never trimmed', () => {
    for (const name of ['  Acme  ', '\u00a0Acme\u00a0', '\ufeffAcme\t\n']) {
      expect(CreateProject.parse({ name }).name).toBe(name);
      expect(IssueApiKey.parse({ project_id: project, kind: 'read', name }).name).toBe(name);
      expect(
        RegisterUser.parse({ email: 'a@b.example', password: 'x'.repeat(LIMITS.passwordMinLength), name })
          .name,
      ).toBe(name);
    }
  });

  it('are refused when blank, saying so, and counted in UTF-16 units as every other text', () => {
    const blank = CreateProject.safeParse({ name: '   ' });
    expect(blank.error?.issues.map((i) => i.message)).toEqual(['must not be empty or only whitespace']);
    const emoji = '😀'.repeat(LIMITS.projectNameMaxLength / 2 + 1); // few enough code points, too many units
    expect(CreateProject.safeParse({ name: emoji }).error?.issues[0]?.message).toMatch(/UTF-16 code units/);
  });
});
