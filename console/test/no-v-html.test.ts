/**
 * User data renders as text. No template uses v-html and no script writes HTML; ESLint's
 * `vue/no-v-html` (console/eslint.config.js) is wired, so a new v-html fails the lint too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

describe('no HTML from data', () => {
  test('no v-html, innerHTML, outerHTML or insertAdjacentHTML in the app', () => {
    const offenders = files(path.join(root, 'src'))
      .filter((f) => /\.(vue|ts)$/.test(f) && !f.endsWith('.test.ts'))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ f, i, line }))
          .filter(({ line }) =>
            /v-html|innerHTML|outerHTML|insertAdjacentHTML|\bdomProps-innerHTML/.test(line),
          )
          .map(({ f, i, line }) => `${path.relative(root, f)}:${i + 1}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  test('ESLint refuses v-html in a component', async () => {
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintText('<template><div v-html="event.metadata"></div></template>\n', {
      filePath: path.join(root, 'src', 'Probe.vue'),
    });
    expect(result!.messages.map((m) => m.ruleId)).toContain('vue/no-v-html');
  });
});
