// The Lab: a Vite app that imports Myelin as any user's app would ('myelin' is the built package in ../dist).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// cross-origin isolation: SharedArrayBuffer, so the wasm backend runs its worker threads
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // relative asset URLs: the static build works from any folder of any static host
  base: './',
  resolve: { alias: { myelin: fileURLToPath(new URL('../dist/src/browser.js', import.meta.url)) } },
  // training runs in module workers; the library awaits its kernels at import (top-level await), which IIFE workers cannot
  worker: { format: 'es' },
  server: { headers: isolation, port: 5173 },
  preview: { headers: isolation, port: 4173 },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});
