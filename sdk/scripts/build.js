// Builds dist/: the script-tag bundle, ESM and CJS modules (one file per source module, so that bundlers
// tree-shake at module level), and type declarations. Type-checks src and tests first.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { minify } from 'terser';

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
// Evergreen browsers from 2020 on: ?. and ?? stay as they are.
const target = 'es2020';
const modules = ['index', 'core', 'client', 'autocapture', 'pageviews', 'retry'].map(
  (m) => `${root}src/${m}.ts`,
);

rmSync(dist, { recursive: true, force: true });
tsc('tsconfig.json');

const [script] = await Promise.all([
  build({
    entryPoints: [`${root}src/script.ts`],
    bundle: true,
    format: 'iife',
    minify: true,
    target,
    write: false,
    legalComments: 'none',
    // No "use strict" prologue: the bundle is strict-safe, and every byte counts here.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    // The client's internal property names, shortened: safe because this bundle holds every module that
    // uses them and none of them is the name of a browser API the SDK calls. Add a name here only if so.
    mangleProps: /^(ls|ss|ref|off|send|post|pv|q|mem|open|key|h)$/,
  }),
  build({ entryPoints: modules, outdir: dist, format: 'esm', target }),
  build({ entryPoints: modules, outdir: `${dist}/cjs`, format: 'cjs', target }),
]);
// A second minifier pass over esbuild's output: terser's compressor saves about 3 % more.
const { code } = await minify(script.outputFiles[0].text, { ecma: 2020, compress: { passes: 3 } });
writeFileSync(`${dist}/eventlens.min.js`, code + '\n');

// dist/cjs holds CommonJS: its own package.json says so, for Node and for TypeScript's view of the .d.ts.
writeFileSync(`${dist}/cjs/package.json`, '{ "type": "commonjs" }\n');
tsc('tsconfig.build.json');
for (const f of readdirSync(dist)) if (f.endsWith('.d.ts')) copyFileSync(`${dist}/${f}`, `${dist}/cjs/${f}`);
