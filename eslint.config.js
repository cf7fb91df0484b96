// One lint config for every package. Type-aware rules are left out on purpose: they
// would double lint time on 2 cores, and `tsc` in each package's build already checks types.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.eventlens/**', '**/coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // A package reaches another only by its name and the subpaths its package.json "exports": never
    // by a relative path into the other's files (docs/CONVENTIONS.md, "Packages"). The rule resolves
    // each relative import and compares the nearest package.json of the two files.
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.vue', '.json'] }),
      ],
    },
    rules: { 'import-x/no-relative-packages': 'error' },
  },
  {
    // The packages' own lint configs extend this one: the repository's config, not another package.
    files: ['**/eslint.config.js'],
    rules: { 'import-x/no-relative-packages': 'off' },
  },
);
