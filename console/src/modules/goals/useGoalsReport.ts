/**
 * The Goals screen's data: the table (this period and the previous one, two Stats API queries in
 * parallel, as the Overview's KPI row asks them, with both periods' visitors beside) and the
 * selected goal's breakdown, each a
 * `Loadable` with its own loading and error state. A newer request drops an older answer, so a
 * quick change of range or goal never shows a stale table.
 */
import { useApi } from '@/api/inject';
import type { GoalSetting, StatsResult } from '@/api/types';
import { fill, latest, loadable } from '@/shared/loadable';
import { withPreviousPeriod, type ReportScope } from '@/modules/overview/reports';
import {
  allVisitorsQuery,
  breakdownData,
  breakdownQuery,
  goalRows,
  goalsQuery,
  type Breakdown,
  type GoalRow,
} from './goals';

export function useGoalsReport() {
  const api = useApi();
  const table = loadable<GoalRow[]>();
  const breakdown = loadable<Breakdown>();
  const [latestTable, latestBreakdown] = [latest(), latest()];

  /** Every goal of `goals` over the scope, with the previous period of equal length. */
  async function loadTable(scope: ReportScope, goals: readonly GoalSetting[]): Promise<void> {
    const action = 'Loading the goals';
    await fill(
      table,
      () =>
        latestTable(async () => {
          const { projectId, range, timeZone, filters } = scope;
          const [[current, previous], [visitorsNow, visitorsBefore]] = await Promise.all([
            withPreviousPeriod(api, range, (r) => goalsQuery(projectId, r, timeZone, filters), action),
            withPreviousPeriod(api, range, (r) => allVisitorsQuery(projectId, r, timeZone, filters), action),
          ]);
          const count = (r: StatsResult) => r.results[0]?.metrics[0] ?? 0;
          return goalRows(goals, current, previous, {
            current: count(visitorsNow),
            previous: count(visitorsBefore),
          });
        }),
      action,
    );
  }

  /** `goal`'s converters by `dimension`, the first `limit` values. */
  async function loadBreakdown(
    scope: ReportScope,
    goal: string,
    dimension: string,
    limit: number,
  ): Promise<void> {
    const action = `Loading ${goal} by ${dimension}`;
    const { projectId, range, timeZone, filters } = scope;
    const query = breakdownQuery(projectId, range, timeZone, filters, goal, dimension, limit);
    await fill(
      breakdown,
      () =>
        latestBreakdown(async () =>
          breakdownData(goal, dimension, await api.stats.query(query, undefined, action)),
        ),
      action,
    );
  }

  return { table, breakdown, loadTable, loadBreakdown };
}
