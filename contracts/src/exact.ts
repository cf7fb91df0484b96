/**
 * Exactness: the one rule every request body passes before anything else looks at it.
 *
 * A value answered 2xx must read back exactly as sent, or the request is refused (invariant 7).
 * The read models store strings as PostgreSQL text and jsonb (UTF-8, no NUL), the log carries
 * them as Avro strings (UTF-8), and numbers end up as JavaScript doubles. So a body is parsed with
 * lossless-json, which keeps every number as its text, keeps `__proto__` as an own key, and
 * refuses a duplicate key whose values differ; then one iterative walk visits every key and value
 * at every depth and
 * - refuses a string or key with a lone UTF-16 surrogate (UTF-8 cannot carry it: Avro would turn
 *   it into U+FFFD, jsonb refuses it) or with NUL (U+0000, which text and jsonb cannot hold);
 * - refuses the key `__proto__` (a JavaScript object built by assignment drops it);
 * - refuses a number whose text a double does not hold exactly (beyond ±(2^53 − 1) for integers,
 *   more digits than a double keeps, overflow, underflow) and negative zero, and turns every other
 *   number into a plain JavaScript number, in place;
 * - refuses nesting beyond `maxDepth` (the walk is iterative: hostile nesting cannot overflow the
 *   stack) and, for values that did not come from the parser, anything that is not JSON.
 *
 * Everything here is pure: no I/O, no state.
 */
import { isSafeNumber, parse } from 'lossless-json';

/** A JSON number as the client wrote it, until the walk converts it. */
class NumberText {
  constructor(readonly text: string) {}
}

const numberText = (text: string) => new NumberText(text);

export type PathSegment = string | number;

export interface ExactIssue {
  path: PathSegment[];
  message: string;
}

export interface ExactOptions {
  /** Containers nested deeper than this are refused; `{}` at the top is depth 1. */
  maxDepth: number;
  /** Stop after this many issues (20 unless said): the value is refused anyway. */
  maxIssues?: number;
}

export type ExactParseResult =
  { ok: true; value: unknown } | { ok: false; syntax: string } | { ok: false; issues: ExactIssue[] };

export const RESERVED_KEY = '__proto__';

export const EXACT_MESSAGES = {
  nul: 'contains the NUL character (U+0000), which cannot be stored; remove it',
  reservedKey:
    'is a reserved key name (__proto__): JavaScript objects cannot keep it as data; rename the key',
  negativeZero: 'is negative zero (-0), which is stored as 0; send 0',
  unsafeNumber: 'cannot be stored exactly as a number; send it as a string',
  notFinite: 'must be a finite number',
  notJson: 'is not a JSON value',
} as const;

/**
 * Parses JSON text and applies the rule. `syntax` for text that is not JSON (or repeats a key with
 * another value), `issues` for JSON that cannot be kept exactly.
 */
export type JsonBodyResult =
  | { ok: true; value: unknown }
  | { ok: false; code: 'INVALID_JSON'; message: string }
  | { ok: false; code: 'INVALID_FIELD'; issues: ExactIssue[] };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * A request body's bytes under the rule, the same on every route of every service. INVALID_JSON,
 * with a message saying what to send: an empty body, bytes that are not UTF-8 (decoding would put
 * U+FFFD in their place: a value altered, not kept), text that is not JSON, a key repeated with
 * another value. INVALID_FIELD with the issues (`formatPath` names each field): JSON that cannot
 * be kept exactly (parseJsonExact). A leading byte-order mark is skipped.
 */
export function parseJsonBody(bytes: Uint8Array, options: ExactOptions): JsonBodyResult {
  if (bytes.length === 0)
    return { ok: false, code: 'INVALID_JSON', message: 'the request body is empty; send a JSON object' };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return {
      ok: false,
      code: 'INVALID_JSON',
      message: 'the body is not valid UTF-8; send JSON text encoded as UTF-8',
    };
  }
  const parsed = parseJsonExact(text, options);
  if (parsed.ok) return parsed;
  if ('issues' in parsed) return { ok: false, code: 'INVALID_FIELD', issues: parsed.issues };
  const duplicate = /^Duplicate key '(.*)' encountered at position (\d+)$/s.exec(parsed.syntax);
  return {
    ok: false,
    code: 'INVALID_JSON',
    message: duplicate
      ? `the body repeats the key ${JSON.stringify(duplicate[1])} with different values (at character ${duplicate[2]}); send each key once`
      : `the body is not valid JSON: ${parsed.syntax}`,
  };
}

export function parseJsonExact(text: string, options: ExactOptions): ExactParseResult {
  let value: unknown;
  try {
    value = parse(text, undefined, { parseNumber: numberText });
  } catch (error) {
    if (error instanceof RangeError) {
      // The parser recurses; only nesting far beyond any limit gets here. Parse again with
      // JSON.parse (iterative in V8) just to name the field: the walk refuses it for its depth.
      try {
        value = JSON.parse(text) as unknown;
      } catch (again) {
        return { ok: false, syntax: (again as Error).message };
      }
      const { issues } = checkExact(value, options);
      return issues.length > 0 ? { ok: false, issues } : { ok: false, syntax: 'nested too deeply' };
    }
    return { ok: false, syntax: (error as Error).message };
  }
  const result = checkExact(value, options);
  return result.issues.length > 0 ? { ok: false, issues: result.issues } : { ok: true, value: result.value };
}

interface Frame {
  node: object;
  parent: Frame | undefined;
  key: PathSegment | undefined;
  depth: number;
}

/**
 * The walk. Converts the parser's number texts to numbers in place and returns the value with the
 * issues found. Also takes values that did not come from `parseJsonExact` (plain JavaScript).
 */
export function checkExact(root: unknown, options: ExactOptions): { value: unknown; issues: ExactIssue[] } {
  const maxIssues = options.maxIssues ?? 20;
  const issues: ExactIssue[] = [];
  const report = (parent: Frame | undefined, key: PathSegment | undefined, message: string) => {
    if (issues.length < maxIssues) issues.push({ path: pathOf(parent, key), message });
  };
  const stack: Frame[] = [];

  /** Checks one value, queues a container, and returns what to store in its place. */
  const visit = (value: unknown, parent: Frame | undefined, key: PathSegment | undefined): unknown => {
    switch (typeof value) {
      case 'string': {
        const problem = stringProblem(value);
        if (problem) report(parent, key, problem);
        return value;
      }
      case 'boolean':
        return value;
      case 'number':
        if (!Number.isFinite(value)) report(parent, key, EXACT_MESSAGES.notFinite);
        else if (Object.is(value, -0)) report(parent, key, EXACT_MESSAGES.negativeZero);
        return value;
      case 'object': {
        if (value === null) return value;
        if (value instanceof NumberText) {
          if (!isSafeNumber(value.text)) {
            report(parent, key, `${value.text.slice(0, 40)} ${EXACT_MESSAGES.unsafeNumber}`);
            return value;
          }
          const number = Number(value.text);
          if (Object.is(number, -0)) report(parent, key, EXACT_MESSAGES.negativeZero);
          return number;
        }
        const proto: unknown = Object.getPrototypeOf(value);
        if (Array.isArray(value) || proto === Object.prototype || proto === null) {
          const depth = (parent?.depth ?? 0) + 1;
          if (depth > options.maxDepth) {
            report(parent, key, `is nested more than ${options.maxDepth} levels deep`);
          } else {
            stack.push({ node: value, parent, key, depth });
          }
          return value;
        }
        report(parent, key, EXACT_MESSAGES.notJson);
        return value;
      }
      default:
        report(parent, key, EXACT_MESSAGES.notJson);
        return value;
    }
  };

  const value = visit(root, undefined, undefined);
  while (stack.length > 0 && issues.length < maxIssues) {
    const frame = stack.pop()!;
    const node = frame.node;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        const out = visit(item, frame, i);
        if (out !== item) node[i] = out;
      }
      continue;
    }
    const object = node as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (key === RESERVED_KEY) {
        report(frame, key, EXACT_MESSAGES.reservedKey);
        continue;
      }
      const problem = stringProblem(key);
      if (problem) report(frame, key, `key ${problem}`);
      const item = object[key];
      const out = visit(item, frame, key);
      if (out !== item) object[key] = out;
    }
  }
  return { value, issues };
}

/** String.prototype.isWellFormed (Node 20, ES2024; the compiler's lib here is older). */
type WellFormed = string & { isWellFormed(): boolean };

/** Why a string cannot be stored exactly, or undefined. */
export function stringProblem(value: string): string | undefined {
  if (!(value as WellFormed).isWellFormed()) {
    const at = loneSurrogateAt(value);
    const unit = value.charCodeAt(at).toString(16).padStart(4, '0');
    return (
      `contains a lone UTF-16 surrogate (\\u${unit} at character ${at}), which is not Unicode text ` +
      'and cannot be stored; send well-formed text (a surrogate needs its pair)'
    );
  }
  if (value.includes('\u0000')) return EXACT_MESSAGES.nul;
  return undefined;
}

function loneSurrogateAt(value: string): number {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return i;
    }
  }
  return -1;
}

function pathOf(parent: Frame | undefined, key: PathSegment | undefined): PathSegment[] {
  const path: PathSegment[] = key === undefined ? [] : [key];
  for (let frame = parent; frame?.key !== undefined; frame = frame.parent) path.push(frame.key);
  return path.reverse();
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const SHOWN_KEY_LENGTH = 64;

/**
 * A path as a field name: `metadata.a.b`, `events[3].metadata.x`, and `metadata["a b"]` for a key
 * that is not an identifier (JSON-quoted, so a lone surrogate or a control character shows as an
 * escape; a key longer than 64 characters is cut, marked with …). The empty path is `body`.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else {
      const key = String(segment);
      if (key.length <= SHOWN_KEY_LENGTH && IDENTIFIER.test(key)) {
        out += out === '' ? key : `.${key}`;
      } else {
        const shown = key.length > SHOWN_KEY_LENGTH ? `${key.slice(0, SHOWN_KEY_LENGTH)}…` : key;
        out += `[${JSON.stringify(shown)}]`;
      }
    }
  }
  return out;
}
