import { aggregate } from '../src/analytics/aggregate';
import { toEventRow, type EventRow } from '../src/analytics/rows';
import { generateTraffic } from '../src/testing/traffic';
const traffic = generateTraffic({ projects: 20, sessionsPerProject: 250, eventsPerSession: 20 });
let rows: EventRow[] = [];
for (let r = 0; r < 3; r++) {
  const t = process.cpuUsage();
  rows = traffic.map((e) => (toEventRow(e) as { kind: 'ok'; value: EventRow }).value);
  const d = process.cpuUsage(t);
  console.log('toEventRow µs/row', ((d.user + d.system) / rows.length).toFixed(2));
}
for (let r = 0; r < 3; r++) {
  const t = process.cpuUsage();
  for (let i = 0; i < rows.length; i += 10000) aggregate(rows.slice(i, i + 10000));
  const d = process.cpuUsage(t);
  console.log('aggregate µs/row', ((d.user + d.system) / rows.length).toFixed(2));
}
