/**
 * A Stats API query's date range as SQL (planQuery's and the funnel's): its two instants, computed by
 * PostgreSQL in the query's zone.
 */
import { humanEvents } from '@eventlens/read-model';
import type { StatsTables } from './plan';
import type { StatsQuery } from './query';
import type { Binder } from './sql';

/**
 * The range's ends as SQL a condition can hold inline, each call with its own bindings: the same
 * expressions as `bounds`' (boundsSql), which the planner evaluates when it plans (they are stable),
 * so it estimates the rows of the range. A condition on `bounds.lo` (a CTE's column) it cannot see
 * into: it took 30 days or 24 hours alike for a third of the table's rows, and hashed every visit of
 * the project to join a day's events to theirs. The `all` range (its start is a query) stays `bounds`'.
 */
/** The range's two ends as SQL: each call binds its values afresh (see `rangeEnds`). */
export interface RangeEnds {
  lo: () => string;
  hi: () => string;
}

export function rangeEnds(q: StatsQuery, b: Binder): RangeEnds {
  const p = q.period;
  if (p.kind === 'dates')
    return {
      lo: () => `((${b.bind(p.first, 'date')})::timestamp at time zone ${b.bind(q.timeZone, 'text')})`,
      hi: () => `((${b.bind(p.last, 'date')} + 1)::timestamp at time zone ${b.bind(q.timeZone, 'text')})`,
    };
  if (p.kind === 'instants')
    return {
      lo: () => b.bind(p.from, 'timestamptz'),
      hi: () => `(${b.bind(p.to, 'timestamptz')} + interval '1 microsecond')`,
    };
  return { lo: () => 'bounds.lo', hi: () => 'bounds.hi' };
}

export function boundsSql(q: StatsQuery, b: Binder, tables: StatsTables): string {
  const p = q.period;
  if (p.kind === 'dates') {
    return (
      `select (${b.bind(p.first, 'date')})::timestamp at time zone ${b.bind(q.timeZone, 'text')} as lo, ` +
      `(${b.bind(p.last, 'date')} + 1)::timestamp at time zone ${b.bind(q.timeZone, 'text')} as hi`
    );
  }
  if (p.kind === 'instants') {
    // Both ends included, as Plausible includes `to`; timestamps have microseconds.
    return `select ${b.bind(p.from, 'timestamptz')} as lo, ${b.bind(p.to, 'timestamptz')} + interval '1 microsecond' as hi`;
  }
  // `all`: from the local day of the project's first human event, and today at the latest (a project
  // without events, or with none before today: today alone, as Plausible's [today, today]; `least`
  // passes over the null of no events). Bound in the order they appear in the text.
  const tz1 = b.bind(q.timeZone, 'text');
  const tz2 = b.bind(q.timeZone, 'text');
  const project = b.bind(q.projectId, 'uuid');
  const today = `${b.bind(p.last, 'date')}::timestamp at time zone ${b.bind(q.timeZone, 'text')}`;
  // The day after `last` from the date, not + 24 hours: a day the clocks change has 23 or 25.
  const hi = `(${b.bind(p.last, 'date')} + 1)::timestamp at time zone ${b.bind(q.timeZone, 'text')}`;
  const days = `select ${today} as today, ${hi} as hi`;
  return (
    `select least((select date_trunc('day', min(e.ts) at time zone ${tz1}) at time zone ${tz2}` +
    ` from ${tables.events} e where e.project_id = ${project} and ${humanEvents('e')}), h.today) as lo,` +
    ` h.hi from (${days}) h`
  );
}
