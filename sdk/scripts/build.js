// Builds dist/: the script-tag bundle, ESM and CJS modules (one file per source module, so that bundlers
// tree-shake at module level), and type declarations. Type-checks src and tests first.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { bundleScript, root } from './script-bundle.js';

const dist = `${root}dist`;
// Built in a directory of this build's own, then swapped in for dist/ at the end: two builds at once
// (the test script's, and the stack's when a service starts and finds no dist/eventlens.min.js)
// each write only their own files, and a reader never finds dist/ half-written or gone mid-build.
const out = `${root}.build-${process.pid}`;
const tsc = (project, ...args) => {
  try {
    execFileSync('npx', ['tsc', '-p', project, ...args], { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`build: tsc -p ${project} failed`);
    process.exit(1);
  }
};
// As the script-tag build (scripts/script-bundle.js).
const target = 'es2020';
const modules = ['index', 'core', 'client', 'autocapture', 'pageviews', 'retry'].map(
  (m) => `${root}src/${m}.ts`,
);

rmSync(out, { recursive: true, force: true });
tsc('tsconfig.json');

const [script] = await Promise.all([
  bundleScript(),
  build({ entryPoints: modules, outdir: out, format: 'esm', target }),
  build({ entryPoints: modules, outdir: `${out}/cjs`, format: 'cjs', target }),
]);
writeFileSync(`${out}/eventlens.min.js`, script.code);

// dist/cjs holds CommonJS: its own package.json says so, for Node and for TypeScript's view of the .d.ts.
writeFileSync(`${out}/cjs/package.json`, '{ "type": "commonjs" }\n');
tsc('tsconfig.build.json', '--outDir', out);
for (const f of readdirSync(out)) if (f.endsWith('.d.ts')) copyFileSync(`${out}/${f}`, `${out}/cjs/${f}`);

// The swap: the old dist/ moved aside, this build's renamed in. A rename onto a dist/ that another
// build swapped in meanwhile fails (ENOTEMPTY or EEXIST): move that one aside too and try again.
for (let attempt = 0; ; attempt++) {
  const old = `${out}-old-${attempt}`;
  try {
    renameSync(dist, old);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  rmSync(old, { recursive: true, force: true });
  try {
    renameSync(out, dist);
    break;
  } catch (error) {
    if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || attempt >= 10) throw error;
  }
}
