// `npm run sizes`: what the script-tag build is made of, measured as test/size.test.ts measures it
// (gzip level 9, zlib). Prints the whole, the bytes each source module leaves in esbuild's minified output
// (before terser, from its metafile), and what each plugin costs: the gzip size of the bundle minus that of
// the same bundle built with the plugin's module swapped for a stub that exports nothing to run.
import { gzipSync } from 'node:zlib';
import { bundleScript } from './script-bundle.js';

const gzip = (code) => gzipSync(code, { level: 9 }).length;

/** An esbuild plugin that replaces the modules named (`retry` → src/retry.ts) with `export const retry = undefined`. */
const without = (names) => ({
  name: 'without',
  setup(b) {
    const filter = new RegExp(`/(${names.join('|')})\\.js$`);
    b.onResolve({ filter }, (a) => ({ path: a.path.match(filter)[1], namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (a) => ({
      contents: `export const ${a.path} = undefined;`,
      loader: 'js',
    }));
  },
});

const full = await bundleScript();
const total = gzip(full.code);
console.log(`dist/eventlens.min.js: ${full.code.length} bytes, ${total} gzip -9`);

console.log('\nbytes each module leaves in the esbuild output (minified, before terser and gzip):');
const [output] = Object.values(full.metafile.outputs);
for (const [file, { bytesInOutput }] of Object.entries(output.inputs))
  console.log(`  ${file.padEnd(22)} ${String(bytesInOutput).padStart(5)}`);

console.log('\ngzip bytes the bundle loses without:');
const plugins = ['autocapture', 'pageviews', 'retry'];
for (const p of [...plugins.map((p) => [p]), plugins]) {
  const { code } = await bundleScript([without(p)]);
  console.log(`  ${p.join(' + ').padEnd(36)} ${String(total - gzip(code)).padStart(5)}`);
}
