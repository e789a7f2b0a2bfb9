/**
 * The builds of the kernels the test process does not load by default: the private-memory build (browsers without
 * cross-origin isolation, no threads) and the SIMD128 shared build (engines without relaxed SIMD, or
 * MYELIN_RELAXED_SIMD=0), each checked against the js backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { View } from '../../src/backend/backend.js';
import { WasmBackend } from '../../src/backend/wasm/backend.js';
import { WasmHeap } from '../../src/backend/wasm/heap.js';
import { type KernelExports, loadModule, relaxedSimdSupported } from '../../src/backend/wasm/loader.js';
import { Rng, assertSame, js, pair, wasm } from './helpers.js';

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

test('Node loads the relaxed-SIMD build (turned on in Node 20) unless MYELIN_RELAXED_SIMD=0', () => {
  const expected = process.env.MYELIN_RELAXED_SIMD === '0' ? 'myelin-simd-mt' : 'myelin-relaxed-mt';
  assert.equal((wasm as WasmBackend).variant, expected);
  if (expected === 'myelin-relaxed-mt') assert.equal(relaxedSimdSupported(), true);
});

test('the SIMD128 build agrees with the js backend: a child with MYELIN_RELAXED_SIMD=0 reruns the kernel tests', () => {
  const helpers = new URL('./helpers.js', import.meta.url).href;
  const env = { ...process.env, MYELIN_RELAXED_SIMD: '0' };
  const script = `
    const { wasm } = await import(${JSON.stringify(helpers)});
    const { relaxedSimdSupported } = await import(${JSON.stringify(new URL('../../src/backend/wasm/loader.js', import.meta.url).href)});
    console.log(wasm.variant, relaxedSimdSupported());
  `;
  const probe = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 30000 });
  assert.equal(probe.status, 0, probe.stderr);
  // the plain build, and the V8 flag left alone
  assert.equal(probe.stdout.trim(), 'myelin-simd-mt false');
  const files = ['wasm-kernels.test.js', 'wasm-linear.test.js'].map((f) => new URL(`./${f}`, import.meta.url).pathname);
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=dot', ...files], { encoding: 'utf8', env, timeout: 120000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});
