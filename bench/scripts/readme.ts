/**
 * `npm run -w bench readme [run.json]`: makes a saved run (default: the newest bench/results/*.json)
 * the README's performance table — copies it to bench/results/readme.json (kept in the repository)
 * and rewrites README.md between the markers of src/readme.ts.
 */
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '@eventlens/stack';
import { renderReadmeTable, replaceReadmeTable, type SavedRun } from '../src/readme';

const results = path.join(REPO_ROOT, 'bench', 'results');
const kept = path.join(results, 'readme.json');

async function newest(): Promise<string> {
  const runs = (await readdir(results)).filter((f) => f.endsWith('.json') && f !== 'readme.json').sort();
  if (runs.length === 0) throw new Error('no saved run under bench/results/: run `npm run bench` first');
  return path.join(results, runs[runs.length - 1]!);
}

async function main(): Promise<void> {
  // A path is taken from where npm was run (INIT_CWD), not from bench/, where npm runs the script.
  const source = process.argv[2]
    ? path.resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2])
    : await newest();
  const run = JSON.parse(await readFile(source, 'utf8')) as SavedRun;
  if (!Array.isArray(run.rows) || typeof run.at !== 'string')
    throw new Error(`${source} is not a saved run (it needs "at" and "rows")`);
  if (source !== kept) await copyFile(source, kept);
  const readmePath = path.join(REPO_ROOT, 'README.md');
  await writeFile(readmePath, replaceReadmeTable(await readFile(readmePath, 'utf8'), renderReadmeTable(run)));
  console.error(
    `bench: README.md's table is now ${path.relative(REPO_ROOT, source)} (kept as bench/results/readme.json)`,
  );
}

main().catch((error: unknown) => {
  console.error(`bench readme: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
