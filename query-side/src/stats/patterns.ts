/**
 * Naming the `matches` pattern PostgreSQL cannot compile. Its regular expressions are PostgreSQL's
 * (ARE, not RE2 or JavaScript's), so only PostgreSQL can tell a bad one; the statement that failed
 * says only that one of them was (SQLSTATE 2201B). On that error path alone, each pattern of the
 * request is compiled on its own, and the first that fails is named by its place in the request.
 */
import type { Knex } from 'knex';

/** A `matches`/`matches_not` value of a request, at its path in the body (`filters.0.2.1`). */
export interface Pattern {
  path: string;
  pattern: string;
}

/**
 * The `matches` and `matches_not` values of a request's raw `filters` (as sent, before parsing), in
 * order, through `and`/`or`, `not`, `has_done` and `has_not_done` at any depth. Anything else
 * (wildcards, which EventLens escapes, and shapes the parser refuses) is left out.
 */
export function regexPatterns(filters: unknown, path = 'filters'): Pattern[] {
  if (!Array.isArray(filters)) return [];
  return filters.flatMap((f, i) => patternsOf(f, `${path}.${i}`));
}

function patternsOf(filter: unknown, path: string): Pattern[] {
  if (!Array.isArray(filter)) return [];
  const [op, second, values] = filter as unknown[];
  if (op === 'and' || op === 'or') return regexPatterns(second, `${path}.1`);
  if (op === 'not' || op === 'has_done' || op === 'has_not_done') return patternsOf(second, `${path}.1`);
  if ((op === 'matches' || op === 'matches_not') && Array.isArray(values))
    return values.flatMap((v, k) => (typeof v === 'string' ? [{ path: `${path}.2.${k}`, pattern: v }] : []));
  return [];
}

/**
 * The first of `patterns` PostgreSQL cannot compile, with PostgreSQL's reason
 * (`invalid regular expression: parentheses () not balanced`), or undefined when each compiles alone.
 * One `select '' ~ ?` per pattern, in order.
 */
export async function firstBadPattern(
  db: Knex,
  patterns: readonly Pattern[],
): Promise<(Pattern & { reason: string }) | undefined> {
  for (const p of patterns) {
    try {
      await db.raw(`select '' ~ ? as ok`, [p.pattern]);
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      if (e.code !== '2201B') throw error;
      // knex prefixes the statement to PostgreSQL's message: keep PostgreSQL's part.
      const reason = String(e.message).split(' - ').pop()!;
      return { ...p, reason };
    }
  }
  return undefined;
}
