/**
 * The arrows between packages are the ones docs/ARCHITECTURE.md allows (its table between the
 * `arrows:start` and `arrows:end` markers): what each package.json declares, what each package's code
 * imports, and no cycle (Turborepo builds dependencies first, so a cycle could not build anyway).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

interface Allowed {
  runtime: Set<string>;
  test: Set<string>;
}

/** Parses the Markdown table of allowed arrows: package → run-time arrows, test-only arrows. */
export function parseArrows(markdown: string): Map<string, Allowed> {
  const block = /<!-- arrows:start -->([\s\S]*?)<!-- arrows:end -->/.exec(markdown)?.[1];
  if (!block) throw new Error('docs/ARCHITECTURE.md has no arrows table');
  const names = (cell: string) => new Set([...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
  const table = new Map<string, Allowed>();
  for (const line of block.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !cells[1]?.startsWith('`')) continue;
    const [name] = names(cells[1]);
    table.set(name!, { runtime: names(cells[2]!), test: names(cells[3]!) });
  }
  return table;
}

interface Workspace {
  name: string;
  dir: string;
  dependencies: string[];
  devDependencies: string[];
}

const internal = (deps: Record<string, string> | undefined, names: Set<string>) =>
  Object.keys(deps ?? {}).filter((d) => names.has(d));

function workspaces(): Workspace[] {
  const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  const manifests = rootPackage.workspaces.map((dir) => ({
    dir,
    json: JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    },
  }));
  const names = new Set(manifests.map((m) => m.json.name));
  return manifests.map(({ dir, json }) => ({
    name: json.name,
    dir,
    dependencies: internal(json.dependencies, names),
    devDependencies: internal(json.devDependencies, names),
  }));
}

const SKIPPED = new Set([
  'node_modules',
  'dist',
  'server-dist',
  '.turbo',
  'coverage',
  'results',
  'test-results',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (SKIPPED.has(entry) || entry.startsWith('.')) return [];
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|js|mjs|vue)$/.test(entry) ? [full] : [];
  });
}

/**
 * The package names a source text imports (static, dynamic and `export … from`), read by TypeScript's
 * own import scanner, so code inside strings (a snippet the console shows) is not taken for an import.
 */
export function importedPackages(source: string, names: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const { fileName: specifier } of ts.preProcessFile(source, true, true).importedFiles) {
    const name = specifier.startsWith('@')
      ? specifier.split('/').slice(0, 2).join('/')
      : specifier.split('/')[0]!;
    if (names.has(name)) found.add(name);
  }
  return found;
}

function cycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const walk = (node: string, trail: string[]): string[] | undefined => {
    if (state.get(node) === 'open') return [...trail.slice(trail.indexOf(node)), node];
    if (state.get(node) === 'done') return undefined;
    state.set(node, 'open');
    for (const next of edges.get(node) ?? []) {
      const found = walk(next, [...trail, node]);
      if (found) return found;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of edges.keys()) {
    const found = walk(node, []);
    if (found) return found;
  }
  return undefined;
}

describe('the arrows between packages (docs/ARCHITECTURE.md)', () => {
  const table = parseArrows(readFileSync(path.join(root, 'docs', 'ARCHITECTURE.md'), 'utf8'));
  const all = workspaces();
  const names = new Set(all.map((w) => w.name));

  it('lists every workspace package, and only those', () => {
    expect([...table.keys()].sort()).toEqual([...names].sort());
  });

  it.each(all.map((w) => [w.name, w] as const))('%s declares only arrows the table allows', (_, w) => {
    const allowed = table.get(w.name)!;
    expect(
      w.dependencies.filter((d) => !allowed.runtime.has(d)),
      'run-time dependencies not allowed',
    ).toEqual([]);
    expect(
      w.devDependencies.filter((d) => !allowed.runtime.has(d) && !allowed.test.has(d)),
      'devDependencies not allowed',
    ).toEqual([]);
  });

  it.each(all.map((w) => [w.name, w] as const))('%s imports only packages it declares', (_, w) => {
    const declared = new Set([w.name, ...w.dependencies, ...w.devDependencies]);
    const undeclared: string[] = [];
    for (const file of sourceFiles(path.join(root, w.dir))) {
      const text = readFileSync(file, 'utf8');
      // A single-file component's imports are in its <script> blocks.
      const code = file.endsWith('.vue')
        ? [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n')
        : text;
      for (const name of importedPackages(code, names)) {
        if (!declared.has(name)) undeclared.push(`${path.relative(root, file)} → ${name}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('has no cycle, counting test arrows', () => {
    expect(
      cycle(new Map(all.map((w) => [w.name, [...w.dependencies, ...w.devDependencies]]))),
    ).toBeUndefined();
  });
});

describe('the checks themselves', () => {
  it('finds static, dynamic and re-exported imports of workspace packages only', () => {
    const names = new Set(['@t/a', '@t/b', 't-js', '@t/c']);
    const source = [
      "import { x } from '@t/a/testing';",
      "const m = await import('@t/b');",
      "export { y } from 't-js';",
      "import z from 'zod';",
      "const snippet = `import { init } from '@t/c';`;",
    ].join('\n');
    expect([...importedPackages(source, names)].sort()).toEqual(['@t/a', '@t/b', 't-js']);
  });

  it('finds a cycle', () => {
    expect(
      cycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(
      cycle(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toBeUndefined();
  });

  it('parses the table', () => {
    const table = parseArrows(
      '<!-- arrows:start -->\n| package | run | test |\n|---|---|---|\n| `a` | `b`, `c` | — |\n<!-- arrows:end -->',
    );
    expect(table.get('a')).toEqual({ runtime: new Set(['b', 'c']), test: new Set() });
  });
});
