/**
 * Every link in the repository's Markdown points inside the repository: a clone carries everything
 * its documents refer to. Links with a scheme (https:, mailto:) and same-page anchors are outside
 * this check; every other link or image must resolve to a file or folder under the repository root.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { visit } from 'unist-util-visit';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
/** Generated, installed or private folders: not documentation of the repository. */
const SKIPPED = new Set(['node_modules', '.git', '.eventlens', 'dist', 'test-results', '.turbo']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(full);
    return entry.name.endsWith('.md') ? [full] : [];
  });
}

/** Link targets of one document: Markdown links, images, definitions, and src/href in raw HTML. */
export function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  visit(fromMarkdown(markdown), (node) => {
    if (node.type === 'link' || node.type === 'image' || node.type === 'definition') targets.push(node.url);
    if (node.type === 'html') {
      for (const match of node.value.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/g))
        targets.push(match[1]!);
    }
  });
  return targets;
}

/** Why a target is broken, or undefined when it resolves inside the repository (or is not a path). */
export function brokenReason(file: string, target: string, repoRoot: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) return undefined;
  const withoutAnchor = decodeURIComponent(target.split('#')[0]!.split('?')[0]!);
  if (withoutAnchor === '') return undefined;
  const resolved = withoutAnchor.startsWith('/')
    ? path.join(repoRoot, withoutAnchor)
    : path.resolve(path.dirname(file), withoutAnchor);
  const relative = path.relative(repoRoot, resolved);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return 'points outside the repository';
  if (!existsSync(resolved)) return 'no such file';
  return undefined;
}

describe('documentation links', () => {
  const files = markdownFiles(root);

  it('finds the documents it checks', () => {
    const names = files.map((f) => path.relative(root, f));
    expect(names).toContain('README.md');
    expect(names).toContain(path.join('docs', 'DESIGN.md'));
  });

  it('has no link that leaves the repository or names a missing file', () => {
    const broken = files.flatMap((file) =>
      linkTargets(readFileSync(file, 'utf8')).flatMap((target) => {
        const reason = brokenReason(file, target, root);
        return reason ? [`${path.relative(root, file)}: ${target} (${reason})`] : [];
      }),
    );
    expect(broken).toEqual([]);
  });

  it('catches the kinds of broken link it promises to', () => {
    const file = path.join(root, 'README.md');
    const targets = linkTargets(
      '[a](../shared/DESIGN.md) ![b](docs/missing.png) [c]: docs/DESIGN.md\n\n<img src="nope.png">\n\n' +
        '[ok](docs/DESIGN.md#invariants) [web](https://example.com) [top](#run-it)\n\n```\n[not a link](x.md)\n```\n',
    );
    expect(targets).toEqual([
      '../shared/DESIGN.md',
      'docs/missing.png',
      'nope.png',
      'docs/DESIGN.md#invariants',
      'https://example.com',
      '#run-it',
    ]);
    expect(targets.map((t) => brokenReason(file, t, root))).toEqual([
      'points outside the repository',
      'no such file',
      'no such file',
      undefined,
      undefined,
      undefined,
    ]);
  });
});
