/**
 * The lint rule that keeps packages apart (docs/CONVENTIONS.md, "Packages"): with the repository's
 * own ESLint config, a relative import that lands in another package's files is an error of
 * `import-x/no-relative-packages`, while the same module by the package's name, and a relative
 * import inside one package, are not.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** The rule ids ESLint reports for `code` as if it were the file `file` (relative to the root). */
async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('imports across packages', () => {
  it('by a relative path into another package: an error', async () => {
    expect(
      await ruleIds(
        'query-side/src/read-models/probe.ts',
        "import { readerTables } from '../../../read-model/src/catalog';\nexport const t = readerTables();\n",
      ),
    ).toEqual(['import-x/no-relative-packages']);
    expect(
      await ruleIds(
        'console/scripts/probe.ts',
        "import { startServer } from '../../query-side/src/test-support/server';\nexport const s = startServer;\n",
      ),
    ).toEqual(['import-x/no-relative-packages']);
  });

  it('by the package name, or relative inside one package: allowed', async () => {
    expect(
      await ruleIds(
        'query-side/src/read-models/probe.ts',
        "import { readerTables } from '@eventlens/read-model';\nimport { createReaderDb } from '../db';\n" +
          'export const t = [readerTables, createReaderDb];\n',
      ),
    ).toEqual([]);
  });
});
