/**
 * The checked-in copy of the OpenAPI document, `command-side/openapi.json`: for readers, tools and
 * the console's type generator (console/scripts/api-types.ts reads it, so the console needs no
 * import of this package). `npm run openapi -w command-side` rewrites it;
 * `api-document.unit.test.ts` fails when it is not what the routes declare now. Formatted with the
 * repository's Prettier settings, so `lint` passes. Not imported by the service itself.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { commandSideDocument } from './api-document';

export const DOCUMENT_FILE = fileURLToPath(new URL('../openapi.json', import.meta.url));

/** The file's content as it should be now. */
export async function documentFileContent(): Promise<string> {
  const options = (await prettier.resolveConfig(DOCUMENT_FILE)) ?? {};
  return prettier.format(JSON.stringify(commandSideDocument()), { ...options, filepath: DOCUMENT_FILE });
}

/** The checked-in content, or undefined when there is none. */
export function checkedInDocument(): Promise<string | undefined> {
  return readFile(DOCUMENT_FILE, 'utf8').catch(() => undefined);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(DOCUMENT_FILE, await documentFileContent());
  console.log(`wrote ${DOCUMENT_FILE}`);
}
