/**
 * Storage lifetime on the wasm backend: memory growth keeps earlier storage intact, collected storage is freed (the
 * FinalizationRegistry), and a long synchronous loop stays within the memory budget by moving least recently used
 * storage to the JavaScript heap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setBackend, tensor, randn, noGrad, type Tensor } from '../../src/index.js';
import { setWasmMemoryBudget, wasmBackend, wasmMemoryStats } from '../../src/backend/wasm/index.js';
import { assertClose } from '../helpers/gradcheck.js';
import { Rng } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const wasm = wasmBackend()!;

function onWasm<T>(fn: () => T): T {
  setBackend('wasm');
  try {
    return fn();
  } finally {
    setBackend('js');
  }
}

test('growing the memory keeps earlier storage readable and usable', () => {
  onWasm(() => {
    const rng = new Rng(1);
    const vals = Array.from({ length: 100 }, () => rng.normal());
    const a = tensor(vals);
    const before = wasmMemoryStats()!.memoryBytes;
    // force at least one grow: more than the whole current memory
    const big = randn([Math.ceil(before / 4) + 1000]);
    assert.ok(wasmMemoryStats()!.memoryBytes > before, 'memory grew');
    assertClose(a.data(), new Float32Array(vals), 0, 0, 'a after grow');
    assertClose(a.mul(2).data(), new Float32Array(vals.map((v) => 2 * v)), 0, 0, 'kernel on old storage after grow');
    assert.equal(big.size, Math.ceil(before / 4) + 1000);
  });
});

test('collected storage returns its memory (FinalizationRegistry)', async () => {
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
  };
  await settle();
  const base = wasmMemoryStats()!.usedBytes;
  const round = (): void => {
    onWasm(() => {
      const xs: Tensor[] = [];
      for (let i = 0; i < 50; i++) xs.push(randn([256, 64]).relu());
      assert.ok(wasmMemoryStats()!.usedBytes >= base + 50 * 256 * 64 * 4, 'storage is in the memory while alive');
    });
  };
  round();
  await settle();
  const after1 = wasmMemoryStats()!;
  assert.ok(after1.usedBytes < base + 256 * 64 * 4 * 4, `freed after collection (used ${after1.usedBytes}, base ${base})`);
  for (let r = 0; r < 5; r++) {
    round();
    await settle();
  }
  const after = wasmMemoryStats()!;
  assert.equal(after.memoryBytes, after1.memoryBytes, 'the memory does not grow across rounds');
  assert.ok(after.usedBytes < base + 256 * 64 * 4 * 4);
});

test('a long synchronous loop stays within the budget and keeps live data correct', () => {
  const budget = 8 * 1024 * 1024;
  setWasmMemoryBudget(budget);
  try {
    onWasm(() => {
      const w = randn([128, 128]);
      const wVals = w.data();
      let x = randn([64, 128]);
      const startMem = wasmMemoryStats()!.memoryBytes;
      const evictionsBefore = wasmMemoryStats()!.evictions;
      noGrad(() => {
        // each step makes ~200 KB of garbage; 400 steps is 10x the budget, with no chance for finalizers to run
        for (let i = 0; i < 400; i++) x = x.matmul(w).tanh().mul(0.5).add(x.mul(0.5));
      });
      const s = wasmMemoryStats()!;
      assert.ok(s.evictions > evictionsBefore, 'the budget made storage move to the JS heap');
      assert.ok(s.memoryBytes <= Math.max(startMem, 4 * budget), `memory ${s.memoryBytes} stays bounded`);
      assert.ok(s.usedBytes <= budget + 1024 * 1024, `bytes in use ${s.usedBytes} within the budget`);
      // w was used every step; x is the loop's live result: both still right, in and out of kernels
      assertClose(w.data(), wVals, 0, 0, 'w intact');
      const xv = x.data();
      assert.ok(xv.every((v) => Number.isFinite(v) && Math.abs(v) <= 1.0001), 'x stays a bounded tanh mixture');
      const again = x.sum().item();
      let total = 0;
      for (const v of xv) total += v;
      assert.ok(Math.abs(again - total) < 1e-2);
    });
  } finally {
    setWasmMemoryBudget(256 * 1024 * 1024);
  }
  assert.equal(wasm.name, 'wasm');
});
