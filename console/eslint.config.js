// The repository's config, plus Vue: eslint-plugin-vue's recommended rules with the formatting ones
// left to Prettier, and `vue/no-v-html` as an error: user data (event metadata, names, URLs)
// must only ever render as text.
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';
import root from '../eslint.config.js';

const HTML_SINKS = [
  { property: 'innerHTML', message: 'Render user data as text (no innerHTML).' },
  { property: 'outerHTML', message: 'Render user data as text (no outerHTML).' },
  { property: 'insertAdjacentHTML', message: 'Render user data as text.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'server-dist/**', 'test-artifacts/**', 'coverage/**'] },
  ...root,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    // vue-tsc checks names; ESLint's no-undef does not know the DOM's types.
    rules: { 'no-undef': 'off' },
  },
  {
    rules: {
      'vue/no-v-html': 'error',
      'vue/no-v-text-v-html-on-component': 'error',
      // Formatting is Prettier's.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-indent': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
      'vue/html-closing-bracket-spacing': 'off',
    },
  },
  {
    // No innerHTML-like sinks in the app either.
    files: ['src/**/*.ts', 'src/**/*.vue'],
    rules: { 'no-restricted-properties': ['error', ...HTML_SINKS] },
  },
  {
    // The DOM tests wait with `waitFor` from src/testing (5 s): vitest's own defaults to 1 s, which a
    // re-render exceeded in CI while every package's tests shared two cores.
    files: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...HTML_SINKS,
        {
          object: 'vi',
          property: 'waitFor',
          message: "Use waitFor from '@/testing/waitFor' (waits 5 s, not 1 s).",
        },
      ],
    },
  },
);
