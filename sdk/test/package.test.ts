/** What `npm publish` would ship: only what a user needs, and everything the exports map points at. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const sdk = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(`${sdk}package.json`, 'utf8'));

describe('the published package', () => {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: sdk, encoding: 'utf8' }),
  );
  const files: string[] = packed.files.map((f: { path: string }) => f.path);

  it('holds dist, the README and package.json, and nothing else', () => {
    for (const f of files) expect(f).toMatch(/^(dist\/.+|README\.md|LICENSE|package\.json)$/);
    expect(files).toContain('README.md');
    expect(files).toContain('dist/eventlens.min.js');
    expect(files.some((f) => /serve|demo|src\/|test|\.test\./.test(f))).toBe(false);
  });

  it('contains every file the exports map, main, module, types and unpkg point at', () => {
    const targets: string[] = [];
    const walk = (v: unknown) => {
      if (typeof v == 'string') targets.push(v);
      else if (v && typeof v == 'object') Object.values(v).forEach(walk);
    };
    walk(manifest.exports);
    walk([manifest.main, manifest.module, manifest.types, manifest.unpkg]);
    for (const t of targets) expect(files, t).toContain(t.replace(/^\.\//, ''));
  });

  it('has no runtime dependencies and declares itself free of side effects', () => {
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.name).toBe('eventlens-js');
  });
});
