import { defineConfig } from 'vite';

// Nothing is needed for iob-sdk: its wasm is found through
// `new URL('iob_sdk_bg.wasm', import.meta.url)`, which Vite understands.
export default defineConfig({
  // Relative asset URLs, so the built dist/ works from any path (the e2e test serves it at /vite/).
  base: './',
});
