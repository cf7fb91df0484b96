/**
 * Visitors by or filtered by `event:page` from the page indexes (read-model analytics 008, file 011):
 * `events_pages` holds each human event's page, ids and name for a page of at most 800 bytes,
 * `events_long_pages` the rest, so the events of a range are read in two arms, one per index, and
 * never from the table row by row. The planner (plan.ts) asks `pagesIndexAnswers` and then builds
 * its grouping over `pageArmsSource`.
 */
import { indexedPage, longPage } from '@eventlens/read-model';
import { usesDimension, usesVisitDimension } from './clauses';
import type { StatsQuery } from './query';

/**
 * Whether the events side of `q` (visitors by event dimensions or none) reads its events through the
 * page indexes: when it groups or filters by `event:page`, which `events_reports` does not hold, with
 * no goal and no visit dimension (their joins read the table anyway).
 */
export function pagesIndexAnswers(q: StatsQuery, goalDimension: boolean): boolean {
  return usesDimension(q, 'event:page') && !goalDimension && !usesVisitDimension(q);
}

/**
 * The events of the range as one source named `alias` (`x` unless given): `arm(condition)` is a
 * SELECT over events `e` with `condition` added to its WHERE, called once per index in the order of
 * the SQL text (its bindings follow that order). Together the arms hold every event once, as one
 * read would.
 */
export function pageArmsSource(arm: (pageCondition: string) => string, alias = 'x'): string {
  return `(${arm(indexedPage('e'))} union all ${arm(longPage('e'))}) ${alias}`;
}
