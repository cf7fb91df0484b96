/**
 * The sizes the build is held to, read from the builds themselves as their tests read them (gzip
 * level 9, zlib): the script-tag SDK (`sdk/dist/eventlens.min.js`; `sdk/test/size.test.ts` holds it
 * to its budget) and the JavaScript of the console's first load (the entry chunk and what it imports
 * statically, from Vite's manifest: `console/test/bundle.ts`). Aims: issue 15, "Start and size".
 * Needs `npm run build` (the SDK's and the console's); throws naming the fix when a build is missing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readBuild, sum } from '@eventlens/console/bundle';
import type { Row } from '../report';

export const SCRIPT_TAG_AIM_BYTES = 2_200;
export const CONSOLE_INITIAL_JS_AIM_KB = 150;

export interface SizesResult {
  /** gzip -9 bytes of dist/eventlens.min.js. */
  scriptTagBytes: number;
  /** gzip -9 bytes of the console's first-load JavaScript, and how many files it is. */
  consoleInitialJsBytes: number;
  consoleInitialJsFiles: number;
}

export async function measureSizes(repoRoot: string): Promise<SizesResult> {
  const script = path.join(repoRoot, 'sdk', 'dist', 'eventlens.min.js');
  const body = await readFile(script).catch(() => {
    throw new Error(`${script} is missing: run "npm run build -w sdk" (npm run build builds it)`);
  });
  const build = readBuild(path.join(repoRoot, 'console', 'dist'));
  return {
    scriptTagBytes: gzipSync(body, { level: 9 }).length,
    consoleInitialJsBytes: sum(build.initialJs),
    consoleInitialJsFiles: build.initialJs.length,
  };
}

/** Pure: the table's rows, each with its aim. KB are 1,024 bytes, as the console's README counts them. */
export function sizesRows(s: SizesResult): Row[] {
  return [
    {
      figure: 'script-tag SDK, gzip',
      value: s.scriptTagBytes,
      unit: 'bytes',
      aim: { atMost: SCRIPT_TAG_AIM_BYTES },
    },
    {
      figure: `console first load, JavaScript gzip (${s.consoleInitialJsFiles} files)`,
      value: s.consoleInitialJsBytes / 1024,
      unit: 'KB',
      aim: { atMost: CONSOLE_INITIAL_JS_AIM_KB },
    },
  ];
}
