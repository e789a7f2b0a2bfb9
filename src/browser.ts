/**
 * Myelin for browsers: everything in core.ts, with the wasm kernels fetched and compiled at import (the module has a
 * top-level await: bundle it as an ES module). Nothing reachable from here imports a Node built-in, statically or
 * dynamically (test/browser/imports.test.ts checks it); bundlers pick this file through the package's `browser`
 * export condition. The Node entry (index.ts) is core.ts plus files, the bundled datasets and CSV loading.
 */
import './backend/wasm/browser.js';

export * from './core.js';
