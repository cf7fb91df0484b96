/**
 * The schema history as files: `contracts/avro/<Record>/v<n>.avsc`, one file per published version
 * of each Avro contract, and `contracts/avro/published.sha256`, the SHA-256 of every published file
 * (`sha256sum` format). A published file never changes: a change is a new version file.
 *
 * The code reads the history from `avro-history.generated.ts`, which `npm run contracts -- generate`
 * writes from these files (services are bundled, so they do not read files at run time); the check
 * and a test fail when it is stale. Used by the command line and the tests only, never by services.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AvroRecordSchema } from './events';

export const AVRO_DIR = path.resolve(import.meta.dirname, '../avro');
/** Records of every published version: `fixtures/<Record>/v<n>.json`, values in that version's shape. */
export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../fixtures');
export const PUBLISHED_FILE = 'published.sha256';
export const GENERATED_MODULE = path.resolve(import.meta.dirname, 'avro-history.generated.ts');

export interface VersionFile {
  record: string;
  version: number;
  /** Relative to the avro folder, with `/`: `EventTracked/v2.avsc`. */
  file: string;
  text: string;
  sha256: string;
  schema: AvroRecordSchema;
}

const VERSION_FILE = /^v([1-9][0-9]*)\.avsc$/;

/**
 * Every version file, by record, in version order. Throws naming the file when a record's versions
 * are not v1..vN without gaps, a file is not JSON, or its record name is not its folder's name.
 */
export function readHistory(dir = AVRO_DIR): Record<string, VersionFile[]> {
  const history: Record<string, VersionFile[]> = {};
  for (const record of readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()) {
    const files = readdirSync(path.join(dir, record))
      .map((name) => ({ name, match: VERSION_FILE.exec(name) }))
      .filter((f) => f.match)
      .map((f) => ({ name: f.name, version: Number(f.match![1]) }))
      .sort((a, b) => a.version - b.version);
    history[record] = files.map(({ name, version }, i) => {
      const file = `${record}/${name}`;
      if (version !== i + 1)
        throw new Error(`${file}: versions must be v1..vN without gaps; v${i + 1} is missing`);
      const text = readFileSync(path.join(dir, record, name), 'utf8');
      let schema: AvroRecordSchema;
      try {
        schema = JSON.parse(text) as AvroRecordSchema;
      } catch (error) {
        throw new Error(`${file}: not JSON: ${(error as Error).message}`);
      }
      if (schema.name !== record)
        throw new Error(`${file}: the record is named ${schema.name}, not ${record}`);
      return { record, version, file, text, sha256: sha256(text), schema };
    });
  }
  return history;
}

/**
 * The committed fixture of one version of a record: a JSON array of values written in that version's
 * shape (tests encode them with that version's schema). Throws when the file is missing.
 */
export function readFixture(record: string, version: number, dir = FIXTURES_DIR): Record<string, unknown>[] {
  return JSON.parse(readFileSync(path.join(dir, record, `v${version}.json`), 'utf8')) as Record<
    string,
    unknown
  >[];
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The published hashes: file → SHA-256, from `published.sha256`. */
export function readPublished(dir = AVRO_DIR): Map<string, string> {
  const file = path.join(dir, PUBLISHED_FILE);
  const published = new Map<string, string>();
  if (!existsSync(file)) return published;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
    if (match) published.set(match[2]!, match[1]!);
  }
  return published;
}

/** The published list with the files not yet in it added (a listed line is never changed). */
export function renderPublished(
  history: Record<string, VersionFile[]>,
  published: Map<string, string>,
): string {
  const lines = new Map(published);
  for (const file of Object.values(history).flat())
    if (!lines.has(file.file)) lines.set(file.file, file.sha256);
  return [...lines].map(([file, hash]) => `${hash}  ${file}\n`).join('');
}

/**
 * One line per published file whose content changed or that disappeared, and per file not yet
 * published (run `generate` to publish it). Empty: the history matches its lock.
 */
export function lockProblems(
  history: Record<string, VersionFile[]>,
  published: Map<string, string>,
): string[] {
  const problems: string[] = [];
  const files = new Map(
    Object.values(history)
      .flat()
      .map((f) => [f.file, f]),
  );
  for (const [file, hash] of published) {
    const current = files.get(file);
    if (!current) problems.push(`${file}: published, now missing: a published version is never removed`);
    else if (current.sha256 !== hash)
      problems.push(
        `${file}: changed after it was published (sha256 ${current.sha256}, published ${hash}): restore it and add the change as a new version`,
      );
  }
  for (const file of files.keys())
    if (!published.has(file))
      problems.push(`${file}: not published yet: run \`npm run contracts -- generate\``);
  return problems;
}

/** The TypeScript module the services load the history from (before prettier formats it). */
export function renderModule(history: Record<string, VersionFile[]>): string {
  const body = Object.entries(history)
    .map(([record, files]) => `  ${record}: [\n${files.map((f) => `    ${f.text.trim()},\n`).join('')}  ],`)
    .join('\n');
  return [
    '// Generated by `npm run contracts -- generate` from contracts/avro/<Record>/v<n>.avsc: do not edit.',
    "import type { AvroRecordSchema } from './events';",
    '',
    '/** Every published version of every Avro contract, oldest first. */',
    `export const AVRO_HISTORY = {\n${body}\n} satisfies Record<string, AvroRecordSchema[]>;`,
    '',
  ].join('\n');
}
