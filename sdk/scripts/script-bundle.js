// The script-tag bundle (dist/eventlens.min.js), made the one way both `npm run build` and
// `npm run sizes` make it: esbuild bundles and minifies src/script.ts into an IIFE, terser compresses it again.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { minify } from 'terser';

export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Bundles and minifies the script-tag build. `plugins`: esbuild plugins (sizes.js swaps a module for a
 * stub to weigh it). Returns the minified code (string) and esbuild's metafile.
 */
export const bundleScript = async (plugins = []) => {
  const result = await build({
    entryPoints: [`${root}src/script.ts`],
    bundle: true,
    format: 'iife',
    minify: true,
    // Evergreen browsers from 2020 on: ?. and ?? stay as they are.
    target: 'es2020',
    write: false,
    metafile: true,
    legalComments: 'none',
    plugins,
    // No "use strict" prologue: the bundle is strict-safe, and every byte counts here.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    // The client's internal property names, shortened: safe because this bundle holds every module that
    // uses them and none of them is the name of a browser API the SDK calls. Add a name here only if so.
    // The store's `set` is one of them (the SDK calls no browser API named set; 5 bytes gzip). Its `get` is
    // not: the SDK calls URLSearchParams' and Headers' own get, which would have to be quoted, for 1 byte.
    mangleProps: /^(ls|ss|ref|off|send|post|pv|q|mem|open|key|h|set)$/,
  });
  // A second minifier pass over esbuild's output: terser's compressor saves about 3 % more. More passes,
  // terser's unsafe options, toplevel mangling or esbuild alone were each measured and come out larger.
  const { code } = await minify(result.outputFiles[0].text, { ecma: 2020, compress: { passes: 3 } });
  return { code: code + '\n', metafile: result.metafile };
};
