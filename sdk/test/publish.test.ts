/**
 * Ready to publish: the licence travels in the tarball, the manifest says where the project lives,
 * and two kept linters of npm packages find nothing — publint (the manifest against the packed files)
 * and arethetypeswrong (types resolve under every TypeScript module resolution, node10 included).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    // `npm pack` runs npm: 14 s once while CI ran every package's tests on the 2 cores.
  }, 60_000);

  it('installs from a clone as the README says: a packed tarball, imported and required by an app', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'eventlens-install-'));
    try {
      const [packed] = JSON.parse(
        execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: sdk, encoding: 'utf8' }),
      );
      const app = path.join(dir, 'app');
      execFileSync('mkdir', [app]);
      writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
      execFileSync(
        'npm',
        ['install', '--offline', '--no-audit', '--no-fund', path.join(dir, packed.filename)],
        {
          cwd: app,
          encoding: 'utf8',
        },
      );
      const run = (code: string) =>
        execFileSync(process.execPath, ['-e', code], { cwd: app, encoding: 'utf8' });
      expect(run("import('eventlens-js').then((m) => console.log(typeof m.track))").trim()).toBe('function');
      expect(run("console.log(typeof require('eventlens-js/core').track)").trim()).toBe('function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

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
