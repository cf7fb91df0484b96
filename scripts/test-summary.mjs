// Adds up the JSON reports that each package's `vitest run` writes to test-results/ and prints
// one closing line, "tests: N passed, N failed", for readers that look for it. Above it, each
// failed or skipped test with its file and the first line of its error: a CI log is often read
// from its end, and this names what failed without scrolling back through every package, with the
// errors outside any test that suite-errors-reporter.mjs kept.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(import.meta.dirname, '..', 'test-results');
let passed = 0;
let failed = 0;
let skipped = 0;
let entries = [];
const notPassed = [];
try {
  entries = readdirSync(dir);
} catch {
  // no reports: the summary says so
}
const files = entries.filter((f) => f.endsWith('.json'));
for (const file of files) {
  const report = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (const result of report.testResults ?? []) {
    const where = `${file.replace(/\.json$/, '')}: ${path.relative(path.resolve(dir, '..'), result.name ?? '')}`;
    for (const test of result.assertionResults ?? []) {
      if (test.status === 'passed') continue;
      // vitest's timeout error keeps the first line of the stack it captured where the test was
      // declared ("Error: STACK_TRACE_ERROR") in place of its message: say what it means.
      const first = String(test.failureMessages?.[0] ?? '')
        .split('\n')[0]
        .replace(/^Error: STACK_TRACE_ERROR$/, 'timed out: the test ran past its own deadline (testTimeout)')
        .slice(0, 300);
      notPassed.push(
        `  ${test.status}: ${where} > ${test.fullName ?? test.title}${first ? `\n      ${first}` : ''}`,
      );
    }
    // A file whose hooks or imports failed says why only in its own message: its tests are
    // reported as skipped (a failed beforeAll) or not at all (a failed import).
    if (result.status === 'failed' && result.message)
      notPassed.push(
        `  failed: ${where}\n      ${String(result.message ?? '')
          .split('\n')[0]
          .slice(0, 300)}`,
      );
  }
}
// What the JSON reports leave out (suite-errors-reporter.mjs): a describe block's failed hook, a file
// that failed outside its tests, an error no test caught.
for (const file of entries.filter((f) => f.endsWith('.suite-errors.ndjson'))) {
  const pkg = file.replace(/\.suite-errors\.ndjson$/, '');
  for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean)) {
    const { file: where, where: block, message } = JSON.parse(line);
    notPassed.push(`  error: ${pkg}: ${where ? `${where} > ` : ''}${block}\n      ${message}`);
  }
}
if (notPassed.length > 0) console.log(`not passed:\n${notPassed.join('\n')}`);
console.log(`packages reporting: ${files.map((f) => f.replace(/\.json$/, '')).join(', ') || 'none'}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
