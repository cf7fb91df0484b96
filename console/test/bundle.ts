/**
 * What a build of the console weighs, read from the build itself: Vite's manifest
 * (`dist/.vite/manifest.json`, written because vite.config.ts sets `build.manifest`) says which
 * chunk is the entry and which chunks each one imports, statically (`imports`: fetched before the
 * importer runs, and preloaded by index.html) or dynamically (`dynamicImports`: fetched when a
 * route or a feature asks for it).
 *
 * Sizes are gzip bytes at level 9, what server/static.ts sends.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Manifest } from 'vite';

/**
 * The manifest keys of the chunks a first page load executes: the entry (`isEntry`; exactly one,
 * index.html) and every chunk it imports statically, transitively. Dynamic imports are not
 * followed: they are the per-screen chunks. Throws when there is not exactly one entry or an
 * import names a key the manifest lacks.
 */
export function initialChunks(manifest: Manifest): string[] {
  const entries = Object.keys(manifest).filter((key) => manifest[key]!.isEntry);
  if (entries.length !== 1) throw new Error(`expected one entry in the manifest, found ${entries.length}`);
  const seen = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`the manifest imports ${key}, which it does not list`);
    seen.add(key);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit(entries[0]!);
  return [...seen];
}

export interface Asset {
  /** Path under dist/, e.g. `assets/index-QZ3aM_6W.js`. */
  file: string;
  raw: number;
  gzip: number;
  text: string;
}

export interface Build {
  manifest: Manifest;
  /** Every JS and CSS file of dist/assets. */
  assets: Asset[];
  /** The JS files of `initialChunks`, in that order. */
  initialJs: Asset[];
  /** The CSS those chunks bring (index.html links it). */
  initialCss: Asset[];
}

const gzip = (body: Buffer): number => gzipSync(body, { level: 9 }).length;

/** Reads a built dist/ (`dist` is its absolute path). Throws a message naming the fix when it is missing. */
export function readBuild(dist: string): Build {
  let manifest: Manifest;
  let names: string[];
  try {
    manifest = JSON.parse(readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8')) as Manifest;
    names = readdirSync(path.join(dist, 'assets'));
  } catch {
    throw new Error(
      'console/dist or its .vite/manifest.json is missing: run "npm run build -w console" (npm test builds it first)',
    );
  }
  const assets = names
    .filter((n) => n.endsWith('.js') || n.endsWith('.css'))
    .map((n) => {
      const body = readFileSync(path.join(dist, 'assets', n));
      return { file: `assets/${n}`, raw: body.length, gzip: gzip(body), text: body.toString('utf8') };
    });
  const byFile = (file: string): Asset => {
    const asset = assets.find((a) => a.file === file);
    if (!asset) throw new Error(`the manifest names ${file}, which dist/ lacks: a stale build?`);
    return asset;
  };
  const initial = initialChunks(manifest);
  const css = new Set(initial.flatMap((key) => manifest[key]!.css ?? []));
  return {
    manifest,
    assets,
    initialJs: initial.map((key) => byFile(manifest[key]!.file)),
    initialCss: [...css].map(byFile),
  };
}

/** `12.3 KB` with 1 KB = 1024 bytes. */
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

export const sum = (assets: Asset[]): number => assets.reduce((total, a) => total + a.gzip, 0);

/** One line per file, largest first: its gzip size and name. */
export function table(assets: Asset[]): string {
  return [...assets]
    .sort((a, b) => b.gzip - a.gzip)
    .map((a) => `${kb(a.gzip).padStart(9)}  ${a.file}`)
    .join('\n');
}
