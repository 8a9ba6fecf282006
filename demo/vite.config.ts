import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The demo dApp: `npm run demo` (or `npm start`) serves it at http://localhost:5173. */
export const DEMO_PORT = 5173;

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [preact()],
  server: { host: 'localhost', port: DEMO_PORT, strictPort: true },
  preview: { host: 'localhost', port: DEMO_PORT, strictPort: true },
  build: { outDir: fileURLToPath(new URL('../dist/demo', import.meta.url)), emptyOutDir: true },
});
