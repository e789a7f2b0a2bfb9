/**
 * Every kernel of the wasm backend against the js reference: random shapes (sizes off the 4/8 and tile multiples),
 * broadcasting, transposed / strided / offset views. These call the Backend interface directly; the op-level suite
 * that every device passes (values and gradients through the public API) is test/conformance, where a new device starts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BinaryOp, Conv2dParams, Pool2dParams, ReduceOp, UnaryOp, View } from '../../src/backend/backend.js';
import type { DType } from '../../src/tensor/dtype.js';
import { broadcastShapes, sizeOf } from '../../src/tensor/shape.js';
import { LAYOUTS, Rng, assertSame, expanded, full, js, pair, readAll, wasm } from './helpers.js';

describe('wasm storage', () => {
  test('fromTypedArray, zeros and read round-trip every dtype', () => {
    const rng = new Rng(1);
    for (const dtype of ['float32', 'int32', 'bool', 'float64'] as DType[]) {
      for (const n of [0, 1, 3, 17, 1000]) {
        const p = pair([n], dtype, 'contig', rng, dtype === 'bool' ? 'bool' : dtype === 'int32' ? 'int' : 'normal');
        assert.equal(p.wasm.storage.dtype, dtype);
        assert.equal(p.wasm.storage.length, n);
        assert.deepEqual(readAll(p.wasm.storage), readAll(p.js.storage), `${dtype}[${n}]`);
        const z = wasm.zeros(dtype, n);
        assert.equal(z.dtype, dtype);
        assert.deepEqual(Array.from(readAll(z)), new Array(n).fill(0));
      }
    }
  });

  test('read follows strides and offsets', () => {
    const rng = new Rng(2);
    for (const layout of LAYOUTS) {
      for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
        const p = pair([3, 5, 2], dtype, layout, rng, dtype === 'bool' ? 'bool' : 'int');
        assert.deepEqual(wasm.readSync!(p.wasm), js.readSync!(p.js), `${layout} ${dtype}`);
      }
    }
  });

  test('assign broadcasts, converts dtypes and handles overlapping windows', () => {
    const rng = new Rng(3);
    const cases: [DType, DType][] = [['float32', 'float32'], ['int32', 'int32'], ['bool', 'bool'], ['int32', 'float32'],
      ['float32', 'int32'], ['bool', 'float32'], ['float32', 'bool'], ['float64', 'float32'], ['float32', 'float64']];
    for (const [dt, st] of cases) {
      for (const layout of LAYOUTS) {
        const dst = pair([4, 6, 3], dt, layout, rng, dt === 'bool' ? 'bool' : 'halves');
        const src = expanded([4, 1, 3], [4, 6, 3], st, rng, st === 'bool' ? 'bool' : 'halves');
        js.kernels.assign(dst.js, src.js);
        wasm.kernels.assign(dst.wasm, src.wasm);
        assertSame(dst.wasm.storage, dst.js.storage, `assign ${st}->${dt} ${layout}`);
      }
    }
    // overlapping: shift a window of one storage by one element
    const p = pair([20], 'float32', 'contig', rng);
    const win = (v: View, off: number): View => ({ storage: v.storage, shape: [12], strides: [1], offset: off });
    js.kernels.assign(win(p.js, 1), win(p.js, 0));
    wasm.kernels.assign(win(p.wasm, 1), win(p.wasm, 0));
    assertSame(p.wasm.storage, p.js.storage, 'overlapping assign');
  });
});

const UNARY: UnaryOp[] = ['neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'leakyRelu',
  'elu', 'gelu', 'softplus', 'erf', 'sign', 'floor', 'ceil', 'round', 'reciprocal', 'square', 'identity'];

describe('wasm elementwise', () => {
  test('unary float32 ops over every layout', () => {
    const rng = new Rng(10);
    for (const op of UNARY) {
      const positive = op === 'log' || op === 'sqrt' || op === 'rsqrt';
      for (const layout of LAYOUTS) {
        const shape = [rng.int(1, 6), rng.int(1, 9), rng.int(1, 11)];
        const scale = op === 'exp' || op === 'tanh' || op === 'sigmoid' || op === 'elu' || op === 'erf' ? 12 : 4;
        const x = pair(shape, 'float32', layout, rng, (r) => (positive ? 1e-3 + scale * r.next() : scale * (2 * r.next() - 1)));
        const alpha = op === 'softplus' ? 20 : 0.1, beta = op === 'softplus' ? 1.5 : 1;
        const e = js.kernels.unary(op, x.js, 'float32', alpha, beta);
        const a = wasm.kernels.unary(op, x.wasm, 'float32', alpha, beta);
        assertSame(a, e, `${op} ${layout}`, 1e-6, 2e-6);
      }
    }
  });

  test('unary special values and extremes', () => {
    const vals = [0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 0.5, -0.5, 1.5, 2.5, -2.5, 20, -20, 88, 88.7, 89, -87, -103, -110,
      1e30, -1e30, Infinity, -Infinity, NaN, 3.4e38];
    const x = new Float32Array(vals);
    const xs = { js: full(js.fromTypedArray(x, 'float32')), wasm: full(wasm.fromTypedArray(x, 'float32')) };
    for (const op of UNARY) {
      if (op === 'sin' || op === 'cos') continue;
      const e = js.kernels.unary(op, xs.js, 'float32', 0.01, 1);
      const a = wasm.kernels.unary(op, xs.wasm, 'float32', 0.01, 1);
      assertSame(a, e, `${op} special`, 1e-20, 3e-6);
    }
  });

  test('unary ops on int32 and bool inputs, and casts', () => {
    const rng = new Rng(11);
    const xi = pair([5, 7], 'int32', 'strided', rng, 'int');
    const xb = pair([5, 7], 'bool', 'transposed', rng, 'bool');
    const xf = pair([5, 7], 'float32', 'strided', rng, (r) => (r.next() < 0.2 ? 0 : r.normal() * 10));
    const cases: [UnaryOp, { js: View; wasm: View }, DType][] = [
      ['neg', xi, 'int32'], ['abs', xi, 'int32'], ['sign', xi, 'int32'], ['square', xi, 'int32'], ['exp', xi, 'float32'],
      ['identity', xi, 'float32'], ['identity', xb, 'float32'], ['identity', xf, 'int32'], ['identity', xf, 'bool'],
      ['identity', xi, 'int32'], ['identity', xb, 'bool'], ['identity', xi, 'float64'], ['logicalNot', xb, 'bool'],
      ['logicalNot', xf, 'bool'], ['isnan', xf, 'bool'], ['isinf', xf, 'bool'], ['relu', xi, 'int32'],
    ];
    for (const [op, x, dt] of cases) {
      assertSame(wasm.kernels.unary(op, x.wasm, dt), js.kernels.unary(op, x.js, dt), `${op} ${x.js.storage.dtype}->${dt}`);
    }
  });

  const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
    'logicalAnd', 'logicalOr', 'logicalXor', 'reluBackward'];
  const isCmp = (op: BinaryOp): boolean => !['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'reluBackward'].includes(op);
  // [a shape, b shape]
  const SHAPES: [number[], number[]][] = [
    [[7, 13], [7, 13]], [[5, 9], [9]], [[5, 9], [5, 1]], [[3, 1, 6], [1, 4, 1]], [[6, 7], []], [[], [3, 5]],
    [[2, 3, 4, 5], [3, 1, 5]], [[1], [1]], [[33], [33]], [[4, 0], [4, 1]],
  ];

  test('binary float32 ops with broadcasting over layouts', () => {
    const rng = new Rng(12);
    for (const op of BINARY) {
      for (const [sa, sb] of SHAPES) {
        const out = broadcastShapes(sa, sb, op);
        const la = LAYOUTS[rng.int(0, 4)], lb = LAYOUTS[rng.int(0, 4)];
        const a = pair(sa, 'float32', la, rng, op === 'pow' ? 'positive' : 'halves');
        const b = pair(sb, 'float32', lb, rng, 'halves');
        const dt: DType = isCmp(op) ? 'bool' : 'float32';
        assertSame(wasm.kernels.binary(op, a.wasm, b.wasm, out, dt), js.kernels.binary(op, a.js, b.js, out, dt), `${op} [${sa}] [${sb}] ${la}/${lb}`);
      }
    }
  });

  test('binary ops on int32, bool and mixed dtypes', () => {
    const rng = new Rng(13);
    for (const op of BINARY) {
      const a = pair([4, 5], 'int32', 'transposed', rng, 'int');
      const b = pair([5], 'int32', 'contig', rng, (r) => r.int(1, 4));
      const dt: DType = isCmp(op) ? 'bool' : op === 'div' ? 'float32' : 'int32';
      assertSame(wasm.kernels.binary(op, a.wasm, b.wasm, [4, 5], dt), js.kernels.binary(op, a.js, b.js, [4, 5], dt), `${op} int32`);
      const f = pair([4, 5], 'float32', 'strided', rng, 'halves');
      const dm: DType = isCmp(op) ? 'bool' : 'float32';
      assertSame(wasm.kernels.binary(op, f.wasm, b.wasm, [4, 5], dm), js.kernels.binary(op, f.js, b.js, [4, 5], dm), `${op} float32/int32`);
      const c = pair([4, 5], 'bool', 'contig', rng, 'bool');
      const d = pair([4, 1], 'bool', 'offset', rng, 'bool');
      const db: DType = isCmp(op) ? 'bool' : op === 'div' ? 'float32' : 'int32';
      assertSame(wasm.kernels.binary(op, c.wasm, d.wasm, [4, 5], db), js.kernels.binary(op, c.js, d.js, [4, 5], db), `${op} bool`);
    }
  });

  test('reluBackward passes the gradient where the output is > 0 or NaN, on every lane position', () => {
    // 11 elements: two full SIMD vectors and a tail of three
    const out = new Float32Array([1, 0, -0, -2, NaN, Infinity, -Infinity, 1e-30, -1e-30, 3, NaN]);
    const g = new Float32Array([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    const expected = [10, 0, 0, 0, 14, 15, 0, 17, 0, 19, 20];
    for (const be of [js, wasm]) {
      const r = be.kernels.binary('reluBackward', full(be.fromTypedArray(g, 'float32')), full(be.fromTypedArray(out, 'float32')), [11], 'float32');
      assert.deepEqual(Array.from(be.readSync!(full(r))), expected, be.name);
    }
  });

  test('where with broadcasting', () => {
    const rng = new Rng(14);
    for (const layout of LAYOUTS) {
      const c = pair([3, 1, 7], 'bool', layout, rng, 'bool');
      const a = pair([4, 7], 'float32', layout, rng);
      const b = expanded([1], [3, 4, 7], 'float32', rng);
      const out = [3, 4, 7];
      assertSame(wasm.kernels.where(c.wasm, a.wasm, b.wasm, out, 'float32'), js.kernels.where(c.js, a.js, b.js, out, 'float32'), `where ${layout}`);
      const ai = pair([4, 7], 'int32', layout, rng, 'int');
      const bi = pair([3, 4, 7], 'int32', layout, rng, 'int');
      assertSame(wasm.kernels.where(c.wasm, ai.wasm, bi.wasm, out, 'int32'), js.kernels.where(c.js, ai.js, bi.js, out, 'int32'), `where int32 ${layout}`);
    }
  });
});

describe('wasm reductions', () => {
  const SHAPES = [[7], [5, 9], [3, 33], [33, 5], [4, 6, 10], [2, 3, 4, 5], [1, 17, 1], [3, 0, 2]];
  test('sum/prod/max/min over every dim subset and layout', () => {
    const rng = new Rng(20);
    for (const shape of SHAPES) {
      const nd = shape.length;
      for (let mask = 1; mask < 1 << nd; mask++) {
        const dims = [...Array(nd).keys()].filter((d) => mask & (1 << d));
        for (const op of ['sum', 'prod', 'max', 'min'] as ReduceOp[]) {
          const layout = LAYOUTS[rng.int(0, 4)];
          const x = pair(shape, 'float32', layout, rng, op === 'prod' ? (r) => 0.7 + 0.6 * r.next() : 'normal');
          assertSame(wasm.kernels.reduce(op, x.wasm, dims, 'float32'), js.kernels.reduce(op, x.js, dims, 'float32'), `${op} [${shape}] dims ${dims} ${layout}`, 1e-5, 1e-5);
        }
      }
    }
  });

  test('max/min propagate NaN; int32 reductions', () => {
    const rng = new Rng(21);
    const x = pair([6, 9], 'float32', 'contig', rng, (r, i) => (i === 13 || i === 40 ? NaN : r.normal()));
    for (const op of ['max', 'min', 'sum'] as ReduceOp[]) {
      for (const dims of [[0], [1], [0, 1]]) {
        assertSame(wasm.kernels.reduce(op, x.wasm, dims, 'float32'), js.kernels.reduce(op, x.js, dims, 'float32'), `${op} NaN dims ${dims}`);
      }
    }
    const xi = pair([4, 5], 'int32', 'transposed', rng, 'int');
    assertSame(wasm.kernels.reduce('sum', xi.wasm, [1], 'int32'), js.kernels.reduce('sum', xi.js, [1], 'int32'), 'int32 sum');
  });

  test('argmax/argmin along each dim', () => {
    const rng = new Rng(22);
    for (const shape of [[9], [4, 7], [3, 5, 6]]) {
      for (let dim = 0; dim < shape.length; dim++) {
        for (const layout of LAYOUTS) {
          const x = pair(shape, 'float32', layout, rng, 'halves');
          for (const op of ['argmax', 'argmin'] as const) {
            assertSame(wasm.kernels.argReduce(op, x.wasm, dim), js.kernels.argReduce(op, x.js, dim), `${op} [${shape}] dim ${dim} ${layout}`);
          }
        }
      }
    }
    const xi = pair([4, 6], 'int32', 'contig', rng, 'int');
    assertSame(wasm.kernels.argReduce('argmax', xi.wasm, 1), js.kernels.argReduce('argmax', xi.js, 1), 'argmax int32');
  });

  test('softmax and logSoftmax along each dim', () => {
    const rng = new Rng(23);
    for (const shape of [[10], [3, 17], [4, 5, 6], [2, 3, 1, 9]]) {
      for (let dim = 0; dim < shape.length; dim++) {
        for (const log of [false, true]) {
          const layout = LAYOUTS[rng.int(0, 4)];
          const x = pair(shape, 'float32', layout, rng, (r) => 8 * r.normal());
          assertSame(wasm.kernels.softmax(x.wasm, dim, log), js.kernels.softmax(x.js, dim, log), `softmax log=${log} [${shape}] dim ${dim} ${layout}`, 1e-6, 1e-5);
        }
      }
    }
    const inf = pair([2, 3], 'float32', 'contig', rng, (r, i) => (i < 3 ? -Infinity : r.normal()));
    assertSame(wasm.kernels.softmax(inf.wasm, 1, false), js.kernels.softmax(inf.js, 1, false), 'softmax of -inf row');
    // large values: log-softmax keeps the digits of log(sum) (x - max - log(sum), not x - (max + log(sum)))
    for (const dim of [0, 1]) {
      const big = pair([3, 5], 'float32', 'contig', rng, (r) => 1000 + r.normal());
      assertSame(wasm.kernels.softmax(big.wasm, dim, true), js.kernels.softmax(big.js, dim, true), `logSoftmax of large values dim ${dim}`, 2e-6, 1e-6);
    }
  });
});

describe('wasm matmul', () => {
  test('2-D products of awkward sizes with every operand layout', () => {
    const rng = new Rng(30);
    const sizes = [[1, 1, 1], [5, 3, 2], [4, 8, 16], [37, 29, 131], [49, 17, 130], [3, 70, 5], [66, 9, 257]];
    for (const [M, N, K] of sizes) {
      for (const la of LAYOUTS) {
        const lb = LAYOUTS[rng.int(0, 4)];
        const a = pair([M, K], 'float32', la, rng);
        const b = pair([K, N], 'float32', lb, rng);
        assertSame(wasm.kernels.matmul(a.wasm, b.wasm, []), js.kernels.matmul(a.js, b.js, []), `matmul ${M}x${K}@${K}x${N} ${la}/${lb}`, 1e-5 * Math.sqrt(K), 1e-5);
      }
    }
  });

  test('products with one to three rows (computed without packing) for every pair of operand layouts', () => {
    const rng = new Rng(32);
    for (const M of [1, 2, 3]) {
      for (const K of [1, 7, 13, 64, 130]) {
        const N = rng.int(1, 40);
        for (const la of LAYOUTS) {
          for (const lb of LAYOUTS) {
            const a = pair([M, K], 'float32', la, rng);
            const b = pair([K, N], 'float32', lb, rng);
            assertSame(wasm.kernels.matmul(a.wasm, b.wasm, []), js.kernels.matmul(a.js, b.js, []), `matmul ${M}x${K}@${K}x${N} ${la}/${lb}`, 1e-5 * Math.sqrt(K), 1e-5);
          }
        }
      }
    }
  });

  test('batched products with broadcast batch dims', () => {
    const rng = new Rng(31);
    const cases: [number[], number[], number[]][] = [
      [[3, 5, 7], [3, 7, 4], [3]], [[2, 3, 5, 7], [3, 7, 4], [2, 3]], [[2, 1, 6, 9], [1, 4, 9, 5], [2, 4]],
      [[4, 3, 2], [2, 11], [4]],
    ];
    for (const [sa, sb, batch] of cases) {
      for (const layout of LAYOUTS) {
        const a = pair(sa, 'float32', layout, rng);
        const b = pair(sb, 'float32', LAYOUTS[rng.int(0, 4)], rng);
        assertSame(wasm.kernels.matmul(a.wasm, b.wasm, batch), js.kernels.matmul(a.js, b.js, batch), `bmm [${sa}]@[${sb}] ${layout}`, 1e-5, 1e-5);
      }
    }
    // expanded operand (stride 0 on a batch dim and inside the matrix)
    const a = expanded([1, 1, 6], [3, 4, 6], 'float32', rng);
    const b = pair([3, 6, 5], 'float32', 'contig', rng);
    assertSame(wasm.kernels.matmul(a.wasm, b.wasm, [3]), js.kernels.matmul(a.js, b.js, [3]), 'bmm with an expanded operand');
    // empty inner dimension: zeros; empty outer dimensions: empty results
    for (const [sa, sb] of [[[3, 0], [0, 4]], [[0, 5], [5, 2]], [[2, 3, 0], [2, 0, 6]]] as [number[], number[]][]) {
      const a0 = pair(sa, 'float32', 'contig', rng), b0 = pair(sb, 'float32', 'contig', rng);
      const batch = sa.slice(0, -2);
      assertSame(wasm.kernels.matmul(a0.wasm, b0.wasm, batch), js.kernels.matmul(a0.js, b0.js, batch), `matmul [${sa}]@[${sb}]`);
    }
    // int32 products fall back to the reference kernel
    const ai = pair([3, 4], 'int32', 'contig', rng, 'int');
    const bi = pair([4, 2], 'int32', 'transposed', rng, 'int');
    assertSame(wasm.kernels.matmul(ai.wasm, bi.wasm, []), js.kernels.matmul(ai.js, bi.js, []), 'int32 matmul');
  });
});

describe('wasm indexing', () => {
  test('gather, scatterAdd, indexSelect, indexAdd', () => {
    const rng = new Rng(40);
    for (const layout of LAYOUTS) {
      const x = pair([4, 6, 5], 'float32', layout, rng);
      for (let dim = 0; dim < 3; dim++) {
        const ishape = [3, 4, 2];
        const idx = pair(ishape, 'int32', 'contig', rng, (r) => r.int(0, x.js.shape[dim]));
        assertSame(wasm.kernels.gather(x.wasm, dim, idx.wasm), js.kernels.gather(x.js, dim, idx.js), `gather dim ${dim} ${layout}`);
        const src = pair(ishape, 'float32', layout, rng);
        assertSame(wasm.kernels.scatterAdd(x.wasm, dim, idx.wasm, src.wasm), js.kernels.scatterAdd(x.js, dim, idx.js, src.js), `scatterAdd dim ${dim} ${layout}`);
        const sel = pair([7], 'int32', 'strided', rng, (r) => r.int(0, x.js.shape[dim]));
        assertSame(wasm.kernels.indexSelect(x.wasm, dim, sel.wasm), js.kernels.indexSelect(x.js, dim, sel.js), `indexSelect dim ${dim} ${layout}`);
        const sshape = x.js.shape.slice();
        sshape[dim] = 7;
        const s2 = pair(sshape, 'float32', layout, rng);
        assertSame(wasm.kernels.indexAdd(x.wasm, dim, sel.wasm, s2.wasm), js.kernels.indexAdd(x.js, dim, sel.js, s2.js), `indexAdd dim ${dim} ${layout}`);
      }
    }
    const x = pair([3, 4], 'float32', 'contig', rng);
    const bad = pair([1], 'int32', 'contig', rng, () => 9);
    assert.throws(() => wasm.kernels.indexSelect(x.wasm, 0, bad.wasm), /indexSelect: index 9 is out of bounds/);
  });
});

describe('wasm convolution', () => {
  const P = (s: number[], p: number[], d: number[], groups: number): Conv2dParams => ({
    stride: s as [number, number], padding: p as [number, number], dilation: d as [number, number], groups,
  });
  const outSize = (n: number, k: number, s: number, p: number, d: number) => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  const CASES: { x: number[]; w: number[]; p: Conv2dParams }[] = [
    { x: [2, 3, 7, 9], w: [4, 3, 3, 3], p: P([1, 1], [1, 1], [1, 1], 1) },
    { x: [3, 4, 8, 6], w: [6, 2, 3, 2], p: P([2, 1], [1, 0], [1, 2], 2) },
    { x: [1, 2, 5, 5], w: [3, 2, 5, 5], p: P([1, 1], [0, 0], [1, 1], 1) },
    { x: [5, 3, 6, 7], w: [5, 3, 1, 1], p: P([1, 1], [0, 0], [1, 1], 1) },
    { x: [2, 4, 6, 5], w: [4, 2, 1, 1], p: P([1, 1], [0, 0], [1, 1], 2) },
    { x: [2, 6, 9, 9], w: [6, 1, 3, 3], p: P([2, 2], [2, 1], [2, 1], 6) },
    { x: [40, 2, 4, 4], w: [3, 2, 3, 3], p: P([1, 1], [1, 1], [1, 1], 1) },
    { x: [2, 1, 3, 3], w: [2, 1, 3, 3], p: P([3, 3], [4, 4], [1, 1], 1) },
    // few output channels over many samples: the weight gradient accumulates chunk after chunk into a 2-row product
    { x: [80, 1, 12, 12], w: [2, 1, 3, 3], p: P([1, 1], [1, 1], [1, 1], 1) },
  ];
  test('conv2d forward, input gradient and weight gradient', () => {
    const rng = new Rng(50);
    for (const { x: xs, w: ws, p } of CASES) {
      const OH = outSize(xs[2], ws[2], p.stride[0], p.padding[0], p.dilation[0]);
      const OW = outSize(xs[3], ws[3], p.stride[1], p.padding[1], p.dilation[1]);
      const gs = [xs[0], ws[0], OH, OW];
      for (const layout of ['contig', 'strided', 'transposed'] as const) {
        const x = pair(xs, 'float32', layout, rng);
        const w = pair(ws, 'float32', layout === 'contig' ? 'contig' : 'offset', rng);
        const g = pair(gs, 'float32', layout, rng);
        const what = `x[${xs}] w[${ws}] ${JSON.stringify(p)} ${layout}`;
        const tol = 1e-5 * Math.sqrt(ws[1] * ws[2] * ws[3] * 4);
        assertSame(wasm.kernels.conv2d(x.wasm, w.wasm, p), js.kernels.conv2d(x.js, w.js, p), `conv2d ${what}`, tol, 1e-5);
        assertSame(wasm.kernels.conv2dBackwardInput(g.wasm, w.wasm, xs, p), js.kernels.conv2dBackwardInput(g.js, w.js, xs, p), `conv2dBackwardInput ${what}`, tol, 1e-5);
        const tolW = 1e-5 * Math.sqrt(xs[0] * OH * OW);
        assertSame(wasm.kernels.conv2dBackwardWeight(x.wasm, g.wasm, ws, p), js.kernels.conv2dBackwardWeight(x.js, g.js, ws, p), `conv2dBackwardWeight ${what}`, tolW, 1e-5);
      }
    }
  });
});

describe('wasm pooling', () => {
  const PP = (k: number[], s: number[], p: number[], d: number[], ceilMode: boolean, countIncludePad: boolean): Pool2dParams => ({
    kernel: k as [number, number], stride: s as [number, number], padding: p as [number, number], dilation: d as [number, number],
    ceilMode, countIncludePad,
  });
  const poolOut = (n: number, k: number, s: number, p: number, d: number, ceil: boolean): number => {
    const span = n + 2 * p - d * (k - 1) - 1;
    let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceil && (o - 1) * s >= n + p) o--;
    return o;
  };
  const CASES: { x: number[]; p: Pool2dParams }[] = [
    { x: [2, 3, 8, 8], p: PP([2, 2], [2, 2], [0, 0], [1, 1], false, true) },
    { x: [1, 2, 7, 9], p: PP([3, 2], [2, 1], [1, 1], [1, 1], true, false) },
    { x: [2, 2, 9, 7], p: PP([3, 3], [2, 2], [1, 1], [2, 1], false, true) },
    { x: [3, 1, 5, 6], p: PP([2, 3], [1, 2], [1, 1], [1, 1], true, true) },
    { x: [2, 2, 10, 13], p: PP([2, 2], [2, 2], [0, 0], [1, 1], false, true) },
    { x: [1, 3, 7, 9], p: PP([2, 2], [2, 2], [0, 0], [1, 1], true, false) },
  ];
  test('max and average pooling with their gradients', () => {
    const rng = new Rng(60);
    for (const { x: xs, p } of CASES) {
      for (const layout of LAYOUTS) {
        const OH = poolOut(xs[2], p.kernel[0], p.stride[0], p.padding[0], p.dilation[0], p.ceilMode);
        const OW = poolOut(xs[3], p.kernel[1], p.stride[1], p.padding[1], p.dilation[1], p.ceilMode);
        // some NaNs (several per window at times: the last one in scan order gives the index, as the reference)
        const x = pair(xs, 'float32', layout, rng, (r, i) => (i === 7 || r.next() < 0.05 ? NaN : r.int(-3, 4)));
        const what = `[${xs}] ${JSON.stringify(p)} ${layout}`;
        const mj = js.kernels.maxPool2d(x.js, p, OH, OW), mw = wasm.kernels.maxPool2d(x.wasm, p, OH, OW);
        assertSame(mw.out, mj.out, `maxPool2d ${what}`);
        assertSame(mw.indices, mj.indices, `maxPool2d indices ${what}`);
        const g = pair([xs[0], xs[1], OH, OW], 'float32', layout, rng);
        const gi = full(mj.indices, [xs[0], xs[1], OH, OW]), gw = full(mw.indices, [xs[0], xs[1], OH, OW]);
        assertSame(wasm.kernels.maxPool2dBackward(g.wasm, gw, xs), js.kernels.maxPool2dBackward(g.js, gi, xs), `maxPool2dBackward ${what}`);
        const xa = pair(xs, 'float32', layout, rng);
        assertSame(wasm.kernels.avgPool2d(xa.wasm, p, OH, OW), js.kernels.avgPool2d(xa.js, p, OH, OW), `avgPool2d ${what}`);
        assertSame(wasm.kernels.avgPool2dBackward(g.wasm, xs, p), js.kernels.avgPool2dBackward(g.js, xs, p), `avgPool2dBackward ${what}`);
        assertSame(wasm.kernels.adaptiveAvgPool2d(xa.wasm, 3, 2), js.kernels.adaptiveAvgPool2d(xa.js, 3, 2), `adaptiveAvgPool2d ${what}`);
        const ga = pair([xs[0], xs[1], 3, 2], 'float32', layout, rng);
        assertSame(wasm.kernels.adaptiveAvgPool2dBackward(ga.wasm, xs), js.kernels.adaptiveAvgPool2dBackward(ga.js, xs), `adaptiveAvgPool2dBackward ${what}`);
      }
    }
  });
});

describe('wasm float64', () => {
  test('float64 storage works through the reference kernels', () => {
    const rng = new Rng(70);
    const a = pair([5, 6], 'float64', 'transposed', rng);
    const b = pair([6, 3], 'float64', 'strided', rng);
    assertSame(wasm.kernels.matmul(a.wasm, b.wasm, []), js.kernels.matmul(a.js, b.js, []), 'float64 matmul', 0, 0);
    assertSame(wasm.kernels.unary('exp', a.wasm, 'float64'), js.kernels.unary('exp', a.js, 'float64'), 'float64 exp', 0, 0);
    assertSame(wasm.kernels.reduce('sum', a.wasm, [0], 'float64'), js.kernels.reduce('sum', a.js, [0], 'float64'), 'float64 sum', 1e-15, 1e-15);
    assertSame(wasm.kernels.softmax(a.wasm, 1, true), js.kernels.softmax(a.js, 1, true), 'float64 logSoftmax', 0, 0);
    assert.equal(sizeOf([5, 6]), readAll(wasm.kernels.unary('identity', a.wasm, 'float32')).length);
  });
});
