import { describe, expect, it } from 'vitest';
import { checkExact, formatPath, parseJsonExact, stringProblem } from './exact';
import { TrackBatch, TrackEvent, metadataJson } from './commands';
import { LIMITS } from './limits';

const options = { maxDepth: LIMITS.bodyMaxDepth };
const key = 'el_abcdefghijklmnopqrstuvwx';

/** Parses and returns the refused fields (formatted) or the value. */
function run(text: string) {
  const result = parseJsonExact(text, options);
  if (result.ok) return { value: result.value };
  if ('syntax' in result) return { syntax: result.syntax };
  return {
    fields: result.issues.map((i) => formatPath(i.path)),
    messages: result.issues.map((i) => i.message),
  };
}

describe('strings and keys', () => {
  it('refuses a lone surrogate in a value or a key, at any depth, naming the path', () => {
    expect(run('{"metadata":{"text":"ab\\ud83d"}}').fields).toEqual(['metadata.text']);
    expect(run('{"event_name":"\\udc00"}').fields).toEqual(['event_name']);
    expect(run('{"events":[{"a":1},{"metadata":{"x":["ok","\\ud800z"]}}]}').fields).toEqual([
      'events[1].metadata.x[1]',
    ]);
    expect(run('{"metadata":{"k\\ud83d":1}}').fields).toEqual(['metadata["k\\ud83d"]']);
    expect(run('{"metadata":{"text":"ab\\ud83d"}}').messages?.[0]).toMatch(
      /lone UTF-16 surrogate \(\\ud83d at character 2\).*send well-formed text/,
    );
  });

  it('keeps a surrogate pair, astral characters, U+2028, combining marks and noncharacters', () => {
    const text = '{"s":"\\ud83d\\ude00 😀 \\u2028 e\\u0301 \\uffff \\ufffe \\u00a0 \\t"}';
    expect(run(text).value).toEqual({ s: '😀 😀 \u2028 e\u0301 \uffff \ufffe \u00a0 \t' });
  });

  it('refuses NUL, raw or escaped, in values and keys', () => {
    expect(run('{"a":{"b":"x\\u0000"}}').fields).toEqual(['a.b']);
    expect(run('{"a":{"\\u0000":1}}').fields).toEqual(['a["\\u0000"]']);
    expect(stringProblem('a\u0000')).toMatch(/NUL/);
    expect(stringProblem('plain')).toBeUndefined();
  });

  it('refuses the key __proto__ at any depth, and keeps constructor, prototype, empty and long keys', () => {
    expect(run('{"metadata":{"__proto__":{"a":1},"plan":"pro"}}').fields).toEqual(['metadata.__proto__']);
    expect(run('{"context":{"deep":[{"__proto__":"x"}]}}').fields).toEqual(['context.deep[0].__proto__']);
    expect(run('{"metadata":{"__proto__":1}}').messages?.[0]).toMatch(/reserved key name/);
    const long = 'k'.repeat(5000);
    const value = run(`{"constructor":1,"prototype":{"constructor":"c"},"":"",${JSON.stringify(long)}:2}`)
      .value as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['', 'constructor', long, 'prototype'].sort());
    expect(value.constructor).toBe(1);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('refuses a repeated key with another value, keeps one repeated with the same', () => {
    expect(run('{"a":1,"a":2}').syntax).toMatch(/Duplicate key 'a'/);
    expect(run('{"a":{"b":[1.5]},"a":{"b":[1.5]}}').value).toEqual({ a: { b: [1.5] } });
  });

  it('answers a syntax error for text that is not JSON', () => {
    expect(run('{"a":').syntax).toBeTruthy();
    expect(run('{"a":"\u0001"}').syntax).toMatch(/Invalid character/);
    expect(run("{'a':1}").syntax).toBeTruthy();
  });
});

describe('numbers', () => {
  it('turns exact numbers into plain numbers, at any depth, in arrays and objects', () => {
    const value = run(
      '{"a":1,"b":-2.5,"c":[0,[1e3,{"d":9007199254740991}]],"e":-9007199254740991,"f":5e-324,"g":1.0,"h":0.1}',
    ).value;
    expect(value).toEqual({
      a: 1,
      b: -2.5,
      c: [0, [1000, { d: Number.MAX_SAFE_INTEGER }]],
      e: -Number.MAX_SAFE_INTEGER,
      f: 5e-324,
      g: 1,
      h: 0.1,
    });
    expect(typeof (value as { a: unknown }).a).toBe('number');
    expect(run('42').value).toBe(42);
  });

  it('refuses a number a double does not hold exactly, asking for a string', () => {
    for (const text of [
      '12345678901234567890',
      '9007199254740992',
      '-9007199254740993',
      '1e400',
      '-1e400',
      '1e-400',
      '0.1000000000000000000001',
      '1e21',
    ]) {
      const refused = run(`{"metadata":{"n":[${text}]}}`);
      expect(refused.fields, text).toEqual(['metadata.n[0]']);
      expect(refused.messages?.[0]).toMatch(/cannot be stored exactly as a number; send it as a string/);
    }
  });

  it('refuses negative zero, asking for 0', () => {
    for (const text of ['-0', '-0.0', '-0e5']) {
      const refused = run(`{"n":${text}}`);
      expect(refused.fields).toEqual(['n']);
      expect(refused.messages?.[0]).toMatch(/send 0/);
    }
    expect(run('{"n":0}').value).toEqual({ n: 0 });
  });

  it('checks plain JavaScript values too: -0, NaN, Infinity, undefined, functions, class instances', () => {
    const { issues } = checkExact(
      { a: -0, b: Number.NaN, c: Infinity, d: undefined, e: () => 1, f: new Date(0), g: [1n] },
      options,
    );
    expect(issues.map((i) => formatPath(i.path)).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g[0]']);
  });
});

describe('nesting', () => {
  it('refuses nesting beyond the limit without recursion, naming where', () => {
    const objects = run(`{"metadata":${'{"d":'.repeat(100_000)}1${'}'.repeat(100_000)}}`);
    expect(objects.fields).toHaveLength(1);
    expect(objects.fields?.[0]).toMatch(/^metadata(\.d)+$/);
    expect(objects.messages?.[0]).toBe(`is nested more than ${LIMITS.bodyMaxDepth} levels deep`);
    const arrays = run(`{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`);
    expect(arrays.fields?.[0]).toMatch(/^a(\[0\])+$/);
  });

  it('accepts nesting up to the limit', () => {
    const depth = LIMITS.bodyMaxDepth;
    expect(run(`${'['.repeat(depth)}${']'.repeat(depth)}`).value).toBeDefined();
    expect(run(`${'['.repeat(depth + 1)}${']'.repeat(depth + 1)}`).fields).toEqual(['[0]'.repeat(depth)]);
  });
});

describe('issues', () => {
  it('stops after maxIssues', () => {
    const many = Array.from({ length: 1000 }, () => ['\ud800']);
    expect(checkExact(many, { maxDepth: 4, maxIssues: 5 }).issues).toHaveLength(5);
    expect(checkExact(many, { maxDepth: 4 }).issues).toHaveLength(20);
  });
});

describe('paths', () => {
  it('formats identifiers with dots, indexes with brackets, other keys JSON-quoted and cut when long', () => {
    expect(formatPath([])).toBe('body');
    expect(formatPath(['events', 3, 'metadata', 'x'])).toBe('events[3].metadata.x');
    expect(formatPath(['metadata', 'a b', ''])).toBe('metadata["a b"][""]');
    expect(formatPath(['m', 'x'.repeat(100)])).toBe(`m["${'x'.repeat(64)}…"]`);
  });
});

describe('the event contract holds values handed to it directly to the same rule', () => {
  it('refuses lone surrogates in every text field, naming it', () => {
    const lone = 'ab\ud83d';
    for (const field of ['event_name', 'session_id', 'user_id', 'anonymous_id', 'url', 'referrer']) {
      const result = TrackEvent.safeParse({ api_key: key, event_name: 'x', [field]: lone });
      expect(
        result.error?.issues.map((i) => i.path.join('.')),
        field,
      ).toEqual([field]);
    }
    const meta = TrackEvent.safeParse({ api_key: key, event_name: 'x', metadata: { a: { b: lone } } });
    expect(meta.error?.issues.map((i) => i.path.join('.'))).toEqual(['metadata.a.b']);
    const ctx = TrackEvent.safeParse({ api_key: key, event_name: 'x', context: { [lone]: 'v' } });
    expect(ctx.success).toBe(false);
  });

  it('keeps whitespace around values and refuses blank names and ids', () => {
    const parsed = TrackEvent.parse({ api_key: key, event_name: ' click ', user_id: '\tu1\n' });
    expect(parsed.event_name).toBe(' click ');
    expect(parsed.user_id).toBe('\tu1\n');
    for (const blank of ['', '   ', '\u00a0\u2003']) {
      expect(TrackEvent.safeParse({ api_key: key, event_name: blank }).success, JSON.stringify(blank)).toBe(
        false,
      );
      expect(TrackEvent.safeParse({ api_key: key, event_name: 'x', session_id: blank }).success).toBe(false);
    }
  });

  it('refuses __proto__ and the server clock keys in context, and an uppercase event id', () => {
    const proto = TrackEvent.safeParse({
      api_key: key,
      event_name: 'x',
      context: JSON.parse('{"__proto__":"x"}') as Record<string, string>,
    });
    expect(proto.error?.issues.map((i) => i.path.join('.'))).toEqual(['context.__proto__']);
    for (const reserved of ['client_timestamp', 'client_sent_at', 'bot', 'excluded']) {
      const result = TrackEvent.safeParse({ api_key: key, event_name: 'x', context: { [reserved]: '1' } });
      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual([`context.${reserved}`]);
    }
    const upper = TrackEvent.safeParse({
      api_key: key,
      event_name: 'x',
      event_id: 'A3BB189E-8BF9-4888-9912-ACE4E6543002',
    });
    expect(upper.error?.issues[0]?.message).toMatch(/lowercase/);
  });

  it('keeps metadata as the same object, serialised once for the log', () => {
    const metadata = JSON.parse('{"constructor":{"prototype":[1]},"":true}') as Record<string, unknown>;
    const parsed = TrackEvent.parse({ api_key: key, event_name: 'x', metadata });
    expect(parsed.metadata).toBe(metadata);
    expect(metadataJson(parsed.metadata)).toBe('{"constructor":{"prototype":[1]},"":true}');
    expect(metadataJson(undefined)).toBe('{}');
  });

  it('takes sent_at on single events and batches, as epoch ms or ISO, and truncates sub-millisecond digits', () => {
    const single = TrackEvent.parse({
      api_key: key,
      event_name: 'x',
      sent_at: '2026-01-02T03:04:05.678999Z',
      timestamp: '2026-01-02T03:04:05.6789+00:00',
    });
    expect(single.sent_at).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    expect(single.timestamp).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const batch = TrackBatch.parse({
      api_key: key,
      sent_at: 1_767_323_045_678,
      events: [{ event_name: 'x' }],
    });
    expect(batch.sent_at).toBe(1_767_323_045_678);
    expect(TrackBatch.safeParse({ api_key: key, events: [{ event_name: 'x', sent_at: 1 }] }).success).toBe(
      false,
    );
  });
});
