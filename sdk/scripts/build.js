// Builds dist/: the script-tag bundle, ESM and CJS modules (one file per source module, so that
// bundlers tree-shake at module level), and type declarations. Type-checks src and tests first.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;
const tsc = (project) => {
  try {
    execFileSync('npx', ['tsc', '-p', project], { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`build: tsc -p ${project} failed`);
    process.exit(1);
  }
};
// Modern evergreen browsers (2020 on): ?. and ?? stay as they are.
const target = 'es2020';
const modules = ['index', 'core', 'client', 'autocapture', 'pageviews'].map((m) => `${root}src/${m}.ts`);

rmSync(dist, { recursive: true, force: true });
tsc('tsconfig.json');

await Promise.all([
  build({
    entryPoints: [`${root}src/script.ts`],
    outfile: `${dist}/eventlens.min.js`,
    bundle: true,
    format: 'iife',
    globalName: 'eventlens',
    minify: true,
    target,
    legalComments: 'none',
  }),
  build({ entryPoints: modules, outdir: dist, format: 'esm', target }),
  build({ entryPoints: modules, outdir: `${dist}/cjs`, format: 'cjs', target }),
]);

// dist/cjs holds CommonJS: its own package.json says so, for Node and for TypeScript's view of the .d.ts.
writeFileSync(`${dist}/cjs/package.json`, '{ "type": "commonjs" }\n');
tsc('tsconfig.build.json');
for (const f of readdirSync(dist)) if (f.endsWith('.d.ts')) copyFileSync(`${dist}/${f}`, `${dist}/cjs/${f}`);
