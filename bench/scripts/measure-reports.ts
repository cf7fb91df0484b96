/**
 * Times some of the reports benchmark's reports (bench/src/benchmarks/reports.ts) on a database
 * seeded earlier by seed-reports.ts, and prints the reports' table: for iterating on one report's SQL
 * without the hour the whole set takes at 10 million events.
 *
 *   node --import tsx bench/scripts/measure-reports.ts --database reports [--only 'explorer|overview'] \
 *     [--runs 20] [--budget-s 20]
 *
 * `--only` is a regular expression over the reports' names ("overview on open" names the Overview's
 * requests, each alone and all at once). The stack is the running one (as `npm run bench` finds it).
 */
import { parseArgs } from 'node:util';
import { stackForTests } from '@eventlens/stack';
import { AIM_MS, measureReports } from '../src/benchmarks/reports';
import { formatReportsTable } from '../src/report';

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    only: { type: 'string', default: '' },
    runs: { type: 'string', default: '20' },
    'budget-s': { type: 'string', default: '20' },
  },
});
if (!values.database) {
  console.error('measure-reports: --database <a database seeded by seed-reports.ts> is required');
  process.exit(2);
}
const only = new RegExp(values.only, 'i');
const result = await measureReports(
  await stackForTests(),
  {
    reportsEvents: 0,
    reportsDays: 183,
    reportsRuns: Number(values.runs),
    reportsBudgetS: Number(values['budget-s']),
    reportsDatabase: values.database,
  },
  (name) => only.test(name),
);
for (const line of formatReportsTable(result.reports, AIM_MS)) console.log(line);
