/** fit() in a browser-like runtime (test/browser/imports.test.ts checks that train/ reaches no Node module). */
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('fit with verbose output needs no process object (it prints nothing without one)', async () => {
  const { fit } = await import('../../src/train/fit.js');
  const { Linear } = await import('../../src/nn/index.js');
  const { ones, zeros } = await import('../../src/index.js');
  const saved = globalThis.process;
  const x = ones([4, 2]);
  const y = zeros([4, 1]);
  // hide the global only around the synchronous start of fit (where the progress stream is chosen)
  Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
  let pending: ReturnType<typeof fit>;
  try {
    pending = fit(new Linear(2, 1), [x, y], { epochs: 1, batchSize: 4, loss: 'mse' });
  } finally {
    Object.defineProperty(globalThis, 'process', { value: saved, configurable: true, writable: true });
  }
  const h = await pending;
  assert.deepEqual(h.epoch, [1]);
});
