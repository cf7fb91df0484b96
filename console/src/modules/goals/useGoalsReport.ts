/**
 * The Goals screen's data: the table (this period and the previous one, two Stats API queries in
 * parallel) and the selected goal's breakdown, each a `Loadable` with its own loading and error
 * state. A newer request drops an older answer, so a quick change of range or goal never shows a
 * stale table.
 */
import { useApi } from '@/api/inject';
import type { GoalSetting } from '@/api/types';
import type { Filter } from '@/shared/filters';
import { fill, loadable } from '@/shared/loadable';
import type { Range } from '@/shared/time';
import { previousRange } from '@/modules/overview/stats';
import { breakdownData, breakdownQuery, goalRows, goalsQuery, type Breakdown, type GoalRow } from './goals';

/** What the screen counts over: the project, the range as fetched, the zone and the dashboard's filters. */
export interface GoalsScope {
  projectId: string;
  range: Range;
  timeZone: string;
  filters: readonly Filter[];
}

const superseded = () => new DOMException('superseded', 'AbortError');

export function useGoalsReport() {
  const api = useApi();
  const table = loadable<GoalRow[]>();
  const breakdown = loadable<Breakdown>();
  let tableGeneration = 0;
  let breakdownGeneration = 0;

  /** Every goal of `goals` over the scope, with the previous period of equal length. */
  async function loadTable(scope: GoalsScope, goals: readonly GoalSetting[]): Promise<void> {
    const mine = ++tableGeneration;
    const action = 'Loading the goals';
    await fill(
      table,
      async () => {
        const [current, previous] = await Promise.all([
          api.stats.query(
            goalsQuery(scope.projectId, scope.range, scope.timeZone, scope.filters),
            undefined,
            action,
          ),
          api.stats.query(
            goalsQuery(scope.projectId, previousRange(scope.range), scope.timeZone, scope.filters),
            undefined,
            'Loading the previous period',
          ),
        ]);
        if (mine !== tableGeneration) throw superseded();
        return goalRows(goals, current, previous);
      },
      action,
    );
  }

  /** `goal`'s converters by `dimension`, the first `limit` values. */
  async function loadBreakdown(
    scope: GoalsScope,
    goal: string,
    dimension: string,
    limit: number,
  ): Promise<void> {
    const mine = ++breakdownGeneration;
    const action = `Loading ${goal} by ${dimension}`;
    await fill(
      breakdown,
      async () => {
        const result = await api.stats.query(
          breakdownQuery(scope.projectId, scope.range, scope.timeZone, scope.filters, goal, dimension, limit),
          undefined,
          action,
        );
        if (mine !== breakdownGeneration) throw superseded();
        return breakdownData(goal, dimension, result);
      },
      action,
    );
  }

  return { table, breakdown, loadTable, loadBreakdown };
}
