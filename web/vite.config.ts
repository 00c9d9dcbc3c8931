import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { precompress } from '../scripts/precompress.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));

/** The dashboard: built into dist/web, which `truenorth serve` serves at /. */
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    // `npx vite --config web/vite.config.ts` beside `truenorth serve` on :8765, for working on the UI.
    proxy: { '/api': 'http://127.0.0.1:8765', '/openapi.json': 'http://127.0.0.1:8765' },
  },
});
