// Builds the Easel Console (console/) into dist/console/ (scripts/build.mjs runs it after tsc; the
// browser tests run it when the bundle is older than its sources). Served by Easel at /console with
// a strict CSP: one script and one stylesheet, hashed names, nothing inline, nothing from elsewhere.

import path from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.join(here, '..', 'dist', 'console'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Every asset a file of its own: a data: URL for a font or an image would be fine under the CSP,
    // but one file per asset keeps the page's few requests cacheable on their own.
    assetsInlineLimit: 0,
    // No modulepreload polyfill: it is an inline script in some setups, and every browser the console
    // supports preloads modules itself.
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
});
