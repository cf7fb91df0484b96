// The repository's lint config, plus the globals of the few plain-JS files: the demo page's script runs
// in a browser, the build script and the demo server in Node.
import root from '../eslint.config.js';

const readonly = (names) => Object.fromEntries(names.map((n) => [n, 'readonly']));

export default [
  ...root,
  {
    files: ['demo/**/*.js'],
    languageOptions: {
      globals: readonly([
        'document',
        'window',
        'location',
        'history',
        'URL',
        'customElements',
        'HTMLElement',
      ]),
    },
  },
  {
    files: ['serve.js', 'scripts/**/*.js'],
    languageOptions: { globals: readonly(['URL', 'console', 'process', 'Buffer']) },
  },
];
