/**
 * Bundles one service's composition root into plain JavaScript for production:
 *   node ../scripts/build-service.mjs <entry.ts> <outfile.js>   (run from the package directory)
 *
 * The internal packages (@eventlens/*, which export their TypeScript sources to each other) are
 * compiled into the bundle, so `node <outfile>` never resolves a .ts file; every other package stays
 * an import, resolved from node_modules at run time as under the development loader. Type checking
 * is `tsc -p .`'s job (the build script runs both); this only emits.
 */
import { build } from 'esbuild';
import path from 'node:path';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node scripts/build-service.mjs <entry.ts> <outfile.js>');
  process.exit(2);
}

/** Bare specifiers other than our own workspaces stay external. */
const externalDependencies = {
  name: 'external-dependencies',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@eventlens/')) return undefined;
      if (path.isAbsolute(args.path)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const started = Date.now();
const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [externalDependencies],
});
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`${outfile}: ${inputs} modules bundled in ${Date.now() - started} ms`);
