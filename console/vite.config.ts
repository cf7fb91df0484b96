import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/**
 * `npm run dev` proxies /api the way console/server does, to the default local ports
 * (EVENTLENS_QUERY_URL / EVENTLENS_INGEST_URL override it).
 */
export default defineConfig(() => ({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    target: 'es2022',
    sourcemap: false,
    // ECharts alone is ~550 kB minified; the real budget (300 kB gzipped in total) is checked by
    // test/bundle-size.test.ts.
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
