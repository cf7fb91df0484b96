/**
 * Keeps in node_modules only what a bundle can load: the packages it imports and, transitively, their
 * dependencies (dependencies, optionalDependencies, and peer dependencies, optional ones included, that
 * are installed: knex loads pg as an optional peer), and deletes
 * the rest. Run in an image's dependency stage after `npm ci --omit=dev`:
 *   node prune-deps.mjs <app dir> <bundle.js>...
 * Every image needs it: npm also installs the dependencies of internal packages a service only develops
 * with (the launcher's embedded PostgreSQL), and the console's are mostly the single-page app's (Vue, ECharts),
 * which Vite has already compiled into console/dist, while its server imports two packages.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const [appDir, ...bundles] = process.argv.slice(2);
if (!appDir || bundles.length === 0) {
  console.error('usage: node prune-deps.mjs <app dir> <bundle.js>...');
  process.exit(2);
}
const nodeModules = path.join(appDir, 'node_modules');

/** A bare specifier's package name: `a/b` → `a`, `@s/a/b` → `@s/a`. */
const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

const roots = new Set();
for (const bundle of bundles) {
  const text = readFileSync(bundle, 'utf8');
  // Imports, requires, and resolves (`createRequire(…).resolve('pkg/data.file')`: a package kept for a file).
  for (const m of text.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\.resolve\s*\(\s*)["']([^"'./][^"']*)["']/g,
  )) {
    if (!m[1].startsWith('node:')) roots.add(packageName(m[1]));
  }
}

/** Node's lookup from a package directory upwards, as far as the app's node_modules. */
function locate(name, fromDir) {
  for (let dir = fromDir; dir.startsWith(appDir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === appDir) break;
  }
  return undefined;
}

const keep = new Set();
const queue = [...roots].map((name) => ({ name, from: appDir }));
while (queue.length > 0) {
  const { name, from } = queue.shift();
  const dir = locate(name, from);
  if (!dir) continue; // a Node built-in without the node: prefix, or an optional dependency not installed
  if (keep.has(dir)) continue;
  keep.add(dir);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta'])
    for (const dep of Object.keys(manifest[field] ?? {})) queue.push({ name: dep, from: dir });
}

/** Every installed package directory under a node_modules folder (scoped ones included). */
function packagesIn(modules) {
  if (!existsSync(modules)) return [];
  const found = [];
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    const full = path.join(modules, entry);
    if (entry.startsWith('@')) for (const sub of readdirSync(full)) found.push(path.join(full, sub));
    else found.push(full);
  }
  return found;
}

let removed = 0;
const walk = (modules) => {
  for (const dir of packagesIn(modules)) {
    if (!keep.has(dir)) {
      rmSync(dir, { recursive: true, force: true });
      removed += 1;
    } else walk(path.join(dir, 'node_modules'));
  }
};
walk(nodeModules);
for (const entry of readdirSync(appDir)) walk(path.join(appDir, entry, 'node_modules'));
console.log(
  `prune-deps: kept ${keep.size} packages (imported: ${[...roots].sort().join(', ')}), removed ${removed}`,
);
