// Builds dist/: the script-tag bundle, ESM and CJS modules (one file per source module, so that bundlers
// tree-shake at module level), and type declarations. Type-checks src and tests first.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { bundleScript, root } from './script-bundle.js';

const dist = `${root}dist`;
const tsc = (project) => {
  try {
    execFileSync('npx', ['tsc', '-p', project], { cwd: root, stdio: 'inherit' });
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

rmSync(dist, { recursive: true, force: true });
tsc('tsconfig.json');

const [script] = await Promise.all([
  bundleScript(),
  build({ entryPoints: modules, outdir: dist, format: 'esm', target }),
  build({ entryPoints: modules, outdir: `${dist}/cjs`, format: 'cjs', target }),
]);
writeFileSync(`${dist}/eventlens.min.js`, script.code);

// dist/cjs holds CommonJS: its own package.json says so, for Node and for TypeScript's view of the .d.ts.
writeFileSync(`${dist}/cjs/package.json`, '{ "type": "commonjs" }\n');
tsc('tsconfig.build.json');
for (const f of readdirSync(dist)) if (f.endsWith('.d.ts')) copyFileSync(`${dist}/${f}`, `${dist}/cjs/${f}`);
