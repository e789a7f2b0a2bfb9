/**
 * The other builds of the kernels: the private-memory build (browsers without cross-origin isolation, no threads)
 * and the relaxed-SIMD builds (where the engine has relaxed SIMD: a child Node with the flag), each checked against
 * the js backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { View } from '../../src/backend/backend.js';
import { WasmBackend } from '../../src/backend/wasm/backend.js';
import { WasmHeap } from '../../src/backend/wasm/heap.js';
import { type KernelExports, loadModule, relaxedSimdSupported } from '../../src/backend/wasm/loader.js';
import { Rng, assertSame, js, pair } from './helpers.js';

test('the private-memory build runs the kernels (no SharedArrayBuffer needed)', async () => {
  const loaded = await loadModule({ shared: false, relaxed: false });
  assert.equal(loaded.variant, 'myelin-simd');
  const memory = new WebAssembly.Memory({ initial: 16 });
  const inst = new WebAssembly.Instance(loaded.module, { env: { memory } });
  const k = inst.exports as unknown as KernelExports;
  const backend = new WasmBackend({ exports: k, heap: new WasmHeap(memory, k.heapBase(), false, 65536), variant: loaded.variant });
  const rng = new Rng(5);
  const a = pair([37, 45], 'float32', 'transposed', rng), b = pair([45, 29], 'float32', 'strided', rng);
  const on = (v: View): View => ({ ...v, storage: backend.fromTypedArray(js.read({ ...v, shape: [v.storage.length], strides: [1], offset: 0 }), 'float32') });
  const aw = on(a.js), bw = on(b.js);
  const mm = backend.matmul(aw, bw, []);
  const expected = js.matmul(a.js, b.js, []);
  // assertSame wants results of the registered wasm backend: compare values directly
  const got = backend.read({ storage: mm, shape: [mm.length], strides: [1], offset: 0 });
  const want = js.read({ storage: expected, shape: [expected.length], strides: [1], offset: 0 });
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4, `matmul[${i}]: ${got[i]} vs ${want[i]}`);
  // growing a private memory detaches old views: storage must still read back right
  const big = backend.zeros('float32', 4 << 20);
  assert.equal(big.length, 4 << 20);
  const again = backend.read({ storage: mm, shape: [mm.length], strides: [1], offset: 0 });
  assert.deepEqual(Array.from(again), Array.from(got));
  assert.equal(typeof relaxedSimdSupported(), 'boolean');
  const sm = pair([4, 9], 'float32', 'contig', rng);
  assertSame(sm.wasm.storage.backend.softmax(sm.wasm, 1, true), js.softmax(sm.js, 1, true), 'registered backend still fine');
});

test('the relaxed-SIMD build agrees with the js backend (child process with relaxed SIMD on)', () => {
  const helpers = new URL('./helpers.js', import.meta.url).href;
  const script = `
    const { Rng, assertSame, js, pair, wasm } = await import(${JSON.stringify(helpers)});
    if (wasm.variant !== 'myelin-relaxed-mt') throw new Error('loaded ' + wasm.variant);
    const rng = new Rng(9);
    const a = pair([67, 131], 'float32', 'transposed', rng), b = pair([131, 45], 'float32', 'contig', rng);
    assertSame(wasm.matmul(a.wasm, b.wasm, []), js.matmul(a.js, b.js, []), 'relaxed matmul', 2e-4, 1e-4);
    const x = pair([3, 4, 9, 8], 'float32', 'contig', rng), w = pair([6, 4, 3, 3], 'float32', 'contig', rng);
    const p = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
    assertSame(wasm.conv2d(x.wasm, w.wasm, p), js.conv2d(x.js, w.js, p), 'relaxed conv2d', 2e-4, 1e-4);
    console.log('relaxed ok');
  `;
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /relaxed ok/);
});
