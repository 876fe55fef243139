import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs, so the built dist/ works from any path (the e2e test serves it at /vite/).
  base: './',
  // Dev server only: pre-bundling would move index.js away from iob_sdk_bg.wasm and
  // break `new URL('iob_sdk_bg.wasm', import.meta.url)`. `vite build` needs nothing.
  optimizeDeps: { exclude: ['iob-sdk'] },
});
