/**
 * Seeds a database for the reports benchmark (bench/src/benchmarks/reports.ts) and prints what it
 * made as JSON: one project of 10,000,000 events over 183 days (by default), with its visits.
 * For looking at the reports' plans by hand:
 *
 *   createdb -h 127.0.0.1 -U postgres reports
 *   node --import tsx bench/scripts/seed-reports.ts --database-url postgres://postgres@127.0.0.1:5432/reports \
 *     --reader-role eventlens_reader [--events 10000000] [--days 183] [--seed 1]
 *
 * The database must be empty: the read models are migrated into it.
 */
import { parseArgs } from 'node:util';
import { seedReports } from '../src/seed/load';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    'reader-role': { type: 'string', default: 'eventlens_reader' },
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '183' },
    seed: { type: 'string', default: '1' },
  },
});
const databaseUrl = values['database-url'];
if (!databaseUrl) {
  console.error('seed-reports: --database-url <owner URL of an empty database> is required');
  process.exit(2);
}
try {
  const seeded = await seedReports({
    databaseUrl,
    readerRole: values['reader-role'],
    events: Number(values.events),
    days: Number(values.days),
    seed: Number(values.seed),
    log: (line) => console.error(`seed-reports: ${line}`),
  });
  console.log(JSON.stringify(seeded, null, 2));
} catch (error) {
  // One line, with the fix where it is known (the reader role is made by `npm run stack:up`).
  const code = (error as { code?: string }).code;
  const hint = code === '42704' ? ' (start the stack first, `npm run stack:up`, or pass --reader-role)' : '';
  console.error(`seed-reports: ${error instanceof Error ? error.message : String(error)}${hint}`);
  process.exit(1);
}
