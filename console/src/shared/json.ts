/**
 * JSON as tokens, to colour it without ever turning data into markup: each token is rendered with
 * text interpolation, so a string like `<img src=x onerror=…>` stays a string.
 */
export type JsonTokenKind = 'key' | 'string' | 'number' | 'boolean' | 'null' | 'punct' | 'space';

export interface JsonToken {
  kind: JsonTokenKind;
  text: string;
}

const TOKEN =
  /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(true|false)|(null)|([{}[\],:])|(\s+)/g;

export function tokenizeJson(value: unknown): JsonToken[] {
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const tokens: JsonToken[] = [];
  for (const m of text.matchAll(TOKEN)) {
    if (m[1] !== undefined) {
      tokens.push({ kind: m[2] ? 'key' : 'string', text: m[1] });
      if (m[2]) tokens.push({ kind: 'punct', text: m[2] });
    } else if (m[3] !== undefined) tokens.push({ kind: 'number', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'boolean', text: m[4] });
    else if (m[5] !== undefined) tokens.push({ kind: 'null', text: m[5] });
    else if (m[6] !== undefined) tokens.push({ kind: 'punct', text: m[6] });
    else tokens.push({ kind: 'space', text: m[0] });
  }
  return tokens;
}
