import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // Where the app is deployed; the router reads it back from import.meta.env.BASE_URL.
  // The end-to-end test serves the build at /react/ (IOB_BASE=/react/).
  base: process.env.IOB_BASE || '/',
});
