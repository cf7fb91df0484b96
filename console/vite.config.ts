import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * `npm run dev` proxies /api the way console/server does, to the default local ports
 * (EVENTLENS_QUERY_URL / EVENTLENS_INGEST_URL override it).
 */
export default defineConfig(() => ({
  plugins: [vue()],
  // Every component is `<script setup>`: Vue's Options API support (data, methods, mixins…) is dead
  // code here, and dropping it takes 1.5 KB gzipped off the initial load (test/bundle-size.test.ts).
  define: { __VUE_OPTIONS_API__: 'false' },
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    target: 'es2022',
    sourcemap: false,
    // dist/.vite/manifest.json: which chunk imports which, statically or on demand. The budget test
    // reads the initial load from it (test/bundle.ts).
    manifest: true,
    // ECharts alone is ~540 kB minified; the real budgets (150 KB gzipped of initial JS, 300 KB
    // gzipped in total) are checked by test/bundle-size.test.ts.
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    proxy: {
      '/api/query': {
        target: process.env.EVENTLENS_QUERY_URL ?? 'http://127.0.0.1:18200',
        rewrite: (p: string) => p.replace(/^\/api\/query/, ''),
      },
      '/api/command': {
        target: process.env.EVENTLENS_INGEST_URL ?? 'http://127.0.0.1:18100',
        rewrite: (p: string) => p.replace(/^\/api\/command/, ''),
      },
    },
  },
}));
