/**
 * The Goals screen's data: the table (this period and the previous one, two Stats API queries in
 * parallel, as the Overview's KPI row asks them, and the previous period's visitors beside) and the selected goal's breakdown, each a
 * `Loadable` with its own loading and error state. A newer request drops an older answer, so a
 * quick change of range or goal never shows a stale table.
 */
import { useApi } from '@/api/inject';
import type { GoalSetting } from '@/api/types';
import { fill, latest, loadable } from '@/shared/loadable';
import { withPreviousPeriod, type ReportScope } from '@/modules/overview/reports';
import {
  breakdownData,
  breakdownQuery,
  goalRows,
  goalsQuery,
  previousVisitorsQuery,
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
          const [[current, previous], before] = await Promise.all([
            withPreviousPeriod(
              api,
              scope.range,
              (range) => goalsQuery(scope.projectId, range, scope.timeZone, scope.filters),
              action,
            ),
            api.stats.query(
              previousVisitorsQuery(scope.projectId, scope.range, scope.timeZone, scope.filters),
              undefined,
              action,
            ),
          ]);
          return goalRows(goals, current, previous, before.results[0]?.metrics[0] ?? 0);
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
