/**
 * `npm test` must work from a fresh clone: build dist/ when it is missing or older than the
 * sources, so the bundle budget test and the browser tests run against the current console.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

/** When dist/ was built; undefined without index.html or the manifest the budget test reads. */
function builtAt(): number | undefined {
  try {
    statSync(path.join(root, 'dist', '.vite', 'manifest.json'));
    return statSync(path.join(root, 'dist', 'index.html')).mtimeMs;
  } catch {
    return undefined;
  }
}

const sources = Math.max(
  newest(path.join(root, 'src')),
  statSync(path.join(root, 'index.html')).mtimeMs,
  statSync(path.join(root, 'vite.config.ts')).mtimeMs,
);
const built = builtAt();
if (built === undefined || built < sources) {
  console.log(
    built === undefined
      ? 'console: dist/ or its manifest is missing, building it'
      : 'console: dist/ is stale, rebuilding it',
  );
  const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
