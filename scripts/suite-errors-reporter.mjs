// A vitest reporter that writes, beside a package's JSON report, the errors that report leaves out:
// a failed beforeAll/afterAll of a describe block, a test file that failed outside its tests, and
// errors no test caught (vitest then fails the run with every test passed). In vitest's JSON report
// such a file is "failed" with an empty message and its tests "skipped", so a CI log read from its
// end said nothing of why; scripts/test-summary.mjs prints these errors' first lines.
//
// Used as `--reporter=../scripts/suite-errors-reporter.mjs` beside `--outputFile.json=<report>.json`;
// it writes `<report>.suite-errors.ndjson`, one JSON object per error:
// { "file": path from the repository root, "where": the describe block's name or "(file)" or
//   "(unhandled)", "message": the error's first line }.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const firstLine = (error) =>
  String(error?.message ?? error ?? '')
    .split('\n')[0]
    .slice(0, 300);

export default class SuiteErrorsReporter {
  onInit(vitest) {
    this.vitest = vitest;
  }

  onTestRunEnd(testModules, unhandledErrors) {
    const report = this.vitest.config.outputFile?.json;
    if (!report) return;
    const target = path.resolve(this.vitest.config.root, report).replace(/\.json$/, '.suite-errors.ndjson');
    const records = [];
    for (const module of testModules) {
      const file = path.relative(ROOT, module.moduleId);
      for (const error of module.errors()) records.push({ file, where: '(file)', message: firstLine(error) });
      for (const suite of module.children.allSuites())
        for (const error of suite.errors())
          records.push({ file, where: suite.fullName, message: firstLine(error) });
    }
    for (const error of unhandledErrors)
      records.push({ file: '', where: '(unhandled)', message: firstLine(error) });
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
  }
}
