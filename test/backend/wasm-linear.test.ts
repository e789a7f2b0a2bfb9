/**
 * The fused linear kernel (the 'linear' kernel: act(x @ w^T + b)) of the wasm backend against the js reference, and
 * against the unfused matmul, add and relu kernels of the wasm backend itself (the same roundings: equal bit for bit).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LinearActivation, View } from '../../src/backend/backend.js';
import { LAYOUTS, Rng, assertSame, full, js, pair, readAll, wasm } from './helpers.js';

const ACTS: LinearActivation[] = ['none', 'relu'];

/** w [N, K] seen as the [K, N] operand of matmul. */
const wT = (w: View): View => ({ storage: w.storage, shape: [w.shape[1], w.shape[0]], strides: [w.strides[1], w.strides[0]], offset: w.offset });

describe('wasm linear (fused bias + activation)', () => {
  test('odd shapes and every operand layout match the js reference and the unfused wasm kernels', () => {
    const rng = new Rng(70);
    const sizes = [[1, 1, 1], [5, 3, 2], [4, 8, 16], [7, 13, 9], [37, 29, 131], [66, 10, 257], [64, 128, 784]];
    for (const [M, N, K] of sizes) {
      for (const lx of LAYOUTS) {
        const lw = LAYOUTS[rng.int(0, 4)], lb = LAYOUTS[rng.int(0, 4)];
        const x = pair([M, K], 'float32', lx, rng);
        const w = pair([N, K], 'float32', lw, rng);
        const b = pair([N], 'float32', lb, rng);
        for (const act of ACTS) {
          for (const withBias of [true, false]) {
            const what = `linear ${M}x${K} w ${N}x${K} ${lx}/${lw}/${withBias ? lb : 'no bias'} ${act}`;
            const got = wasm.kernels.linear!(x.wasm, w.wasm, withBias ? b.wasm : null, act);
            assertSame(got, js.kernels.linear!(x.js, w.js, withBias ? b.js : null, act), what, 1e-5 * Math.sqrt(K), 1e-5);
            // unfused on the same backend: matmul, add, relu
            let ref = wasm.kernels.matmul(x.wasm, wT(w.wasm), []);
            if (withBias) ref = wasm.kernels.binary('add', full(ref, [M, N]), b.wasm, [M, N], 'float32');
            if (act === 'relu') ref = wasm.kernels.unary('relu', full(ref, [M, N]), 'float32');
            assert.deepEqual(readAll(got), readAll(ref), `${what}: fused != unfused`);
          }
        }
      }
    }
  });

  test('relu keeps NaN and turns -0 into 0; the js reference agrees', () => {
    // x = [[1], [1], [1]], w = [[v_j]] so out[i, j] = v_j + b_j
    const vals = [NaN, -0, 0, -1.5, 2.5, -3, 4, 0.25, -0.25];
    const N = vals.length;
    const mk = (be: typeof js, data: number[], shape: number[]): View =>
      ({ storage: be.fromTypedArray(Float32Array.from(data), 'float32'), shape, strides: shape.length === 2 ? [shape[1], 1] : [1], offset: 0 });
    for (const be of [js, wasm]) {
      const out = readAll(be.kernels.linear!(mk(be, [1, 1, 1], [3, 1]), mk(be, vals, [N, 1]), mk(be, new Array(N).fill(0), [N]), 'relu'));
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < N; j++) {
          const v = out[i * N + j], e = vals[j];
          if (Number.isNaN(e)) assert.ok(Number.isNaN(v), `${be.name}: NaN passes relu`);
          else assert.ok(Object.is(v, e <= 0 ? 0 : e), `${be.name}: relu(${e}) gave ${v}`);
        }
      }
    }
  });

  test('empty inner and outer dimensions; float64 takes the reference kernel', () => {
    const rng = new Rng(71);
    // K = 0: the product is zeros, so the result is act(bias) on every row
    for (const [M, N, K] of [[3, 5, 0], [0, 4, 3], [2, 0, 3]]) {
      const x = pair([M, K], 'float32', 'contig', rng), w = pair([N, K], 'float32', 'contig', rng), b = pair([N], 'float32', 'contig', rng);
      for (const act of ACTS) {
        const got = wasm.kernels.linear!(x.wasm, w.wasm, b.wasm, act);
        assert.equal(got.length, M * N);
        assertSame(got, js.kernels.linear!(x.js, w.js, b.js, act), `linear [${M},${K}] w [${N},${K}] ${act}`);
      }
    }
    const x = pair([6, 7], 'float64', 'transposed', rng), w = pair([5, 7], 'float64', 'strided', rng), b = pair([5], 'float64', 'offset', rng);
    const got = wasm.kernels.linear!(x.wasm, w.wasm, b.wasm, 'relu');
    assert.equal(got.dtype, 'float64');
    assertSame(got, js.kernels.linear!(x.js, w.js, b.js, 'relu'), 'float64 linear', 0, 0);
  });
});

describe('wasm GEMM with transposed operands (the SIMD packing paths a linear layer takes)', () => {
  test('A with unit row stride and B with unit row stride, depth tails and several depth blocks', () => {
    const rng = new Rng(72);
    for (const [M, N, K] of [[4, 8, 4], [8, 16, 7], [13, 21, 130], [64, 128, 261], [5, 9, 3]]) {
      for (const [la, lb] of [['transposed', 'transposed'], ['transposed', 'contig'], ['contig', 'transposed'], ['strided', 'transposed']] as const) {
        const a = pair([M, K], 'float32', la, rng);
        const b = pair([K, N], 'float32', lb, rng);
        assertSame(wasm.kernels.matmul(a.wasm, b.wasm, []), js.kernels.matmul(a.js, b.js, []), `matmul ${M}x${K}@${K}x${N} ${la}/${lb}`, 1e-5 * Math.sqrt(K), 1e-5);
      }
    }
  });
});
