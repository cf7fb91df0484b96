/**
 * `npm run contracts -- <command>` (docs/contracts.md):
 *
 * - `generate`: publishes new version files (adds their SHA-256 to `avro/published.sha256`, never
 *   changing a listed one) and writes `src/avro-history.generated.ts` from `avro/<Record>/v<n>.avsc`.
 * - `check [--registry <url>] [--local]`: fails (exit 1) with one line per problem when a published
 *   file changed, the generated module is stale, a version breaks its subject's level against an
 *   earlier one (local Avro resolution), or the registry refuses a version it does not hold yet. The
 *   registry is `--registry`, else EVENTLENS_REGISTRY_URL, else the running stack's
 *   (`.eventlens/dev.json`); without one (or with `--local`) only the local check runs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { checkKeptFields, checkVersions, SUBJECT_COMPATIBILITY } from './compatibility';
import type { EventType } from './events';
import {
  AVRO_DIR,
  GENERATED_MODULE,
  lockProblems,
  PUBLISHED_FILE,
  readHistory,
  readPublished,
  renderModule,
  renderPublished,
  type VersionFile,
} from './history-files';
import { checkAgainstRegistry } from './registry-check';

/** The generated module's text, formatted as the repository formats TypeScript. */
export async function generatedModule(history: Record<string, VersionFile[]>): Promise<string> {
  const config = (await resolveConfig(GENERATED_MODULE)) ?? {};
  return format(renderModule(history), { ...config, filepath: GENERATED_MODULE });
}

/** Every local problem of the history files, one line each (empty: all good). */
export async function localProblems(dir = AVRO_DIR): Promise<string[]> {
  const history = readHistory(dir);
  const problems = lockProblems(history, readPublished(dir));
  if (dir === AVRO_DIR) {
    const current = existsSync(GENERATED_MODULE) ? readFileSync(GENERATED_MODULE, 'utf8') : '';
    if (current !== (await generatedModule(history)))
      problems.push(
        `src/avro-history.generated.ts is stale: run \`npm run contracts -- generate\` after adding a version`,
      );
  }
  for (const [record, files] of Object.entries(history)) {
    const level = SUBJECT_COMPATIBILITY[record as EventType];
    if (!level) {
      problems.push(`${record}: no compatibility level in SUBJECT_COMPATIBILITY (compatibility.ts)`);
      continue;
    }
    const versions = files.map((f) => f.schema);
    problems.push(
      ...checkKeptFields(record, versions),
      ...checkVersions(record, versions, level).map((i) => i.line),
    );
  }
  return problems;
}

function registryUrlFrom(args: string[]): string | undefined {
  const flag = args.indexOf('--registry');
  if (flag >= 0) return args[flag + 1];
  if (process.env.EVENTLENS_REGISTRY_URL) return process.env.EVENTLENS_REGISTRY_URL;
  const home = process.env.EVENTLENS_HOME ?? path.resolve(import.meta.dirname, '../../.eventlens');
  const devJson = path.join(home, 'dev.json');
  if (!existsSync(devJson)) return undefined;
  return (JSON.parse(readFileSync(devJson, 'utf8')) as { registryUrl?: string }).registryUrl;
}

async function main(args: string[]): Promise<number> {
  const [command] = args;
  if (command === 'generate') {
    const history = readHistory();
    writeFileSync(path.join(AVRO_DIR, PUBLISHED_FILE), renderPublished(history, readPublished()));
    writeFileSync(GENERATED_MODULE, await generatedModule(history));
    const count = Object.values(history).flat().length;
    console.log(`${count} versions of ${Object.keys(history).length} records; ${GENERATED_MODULE} written`);
    return 0;
  }
  const usage = 'usage: npm run contracts -- generate | check [--registry <url>] [--local]';
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(usage);
    return 0;
  }
  if (command !== 'check') {
    console.error(usage);
    return 2;
  }
  const problems = await localProblems();
  const registryUrl = args.includes('--local') ? undefined : registryUrlFrom(args);
  if (registryUrl) {
    const files = readHistory();
    const history = Object.fromEntries(
      Object.entries(files).map(([record, versions]) => [record, versions.map((f) => f.schema)]),
    );
    try {
      const result = await checkAgainstRegistry({
        registryUrl,
        history,
        levels: SUBJECT_COMPATIBILITY,
        // The record-name strategy (events.ts subjectOf), from the files so a stale module cannot matter.
        subjectFor: (record) => `${files[record]![0]!.schema.namespace}.${record}`,
      });
      for (const note of result.notes) console.log(note);
      problems.push(...result.problems);
    } catch (error) {
      problems.push(`the registry at ${registryUrl} could not be asked: ${(error as Error).message}`);
    }
  } else {
    console.log('no registry given or running: local check only');
  }
  for (const problem of problems) console.error(problem);
  console.log(problems.length === 0 ? 'contracts: compatible' : `contracts: ${problems.length} problem(s)`);
  return problems.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
