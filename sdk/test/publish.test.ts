/**
 * Ready to publish: the licence travels in the tarball, the manifest says where the project lives,
 * and two kept linters of npm packages find nothing — publint (the manifest against the packed files)
 * and arethetypeswrong (types resolve under every TypeScript module resolution, node10 included).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { publint } from 'publint';
import { describe, expect, it } from 'vitest';

const sdk = new URL('..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(`${sdk}package.json`, 'utf8'));

describe('eventlens-js is ready to publish', () => {
  it('ships the same licence as the repository, and says where the project lives', () => {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: sdk, encoding: 'utf8' }),
    );
    expect(packed.files.map((f: { path: string }) => f.path)).toContain('LICENSE');
    expect(readFileSync(`${sdk}LICENSE`, 'utf8')).toBe(readFileSync(`${sdk}../LICENSE`, 'utf8'));
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.repository).toMatchObject({ type: 'git', directory: 'sdk' });
    expect(manifest.homepage).toMatch(/^https:\/\//);
    expect(manifest.bugs.url).toMatch(/^https:\/\//);
    expect(manifest.engines.node).toBeDefined();
  });

  it('is clean for publint, strict, on the packed files', async () => {
    const { messages } = await publint({ pkgDir: sdk, strict: true, pack: 'npm' });
    expect(messages).toEqual([]);
  }, 60_000);

  it('is clean for arethetypeswrong under every module resolution', () => {
    const out = execFileSync('npx', ['attw', '--pack', '.', '--format', 'json'], {
      cwd: sdk,
      encoding: 'utf8',
    });
    expect(JSON.parse(out).problems).toEqual({});
  }, 60_000);
});
