/**
 * The wasm device's short paths for small and flat operands, each against the general path on the same values, bit
 * for bit: elementwise ops over operands dense with the output's shape or single elements (one row, no row tables),
 * small + - * / over operands on the JS heap (the js kernel, result kept there), reductions of a contiguous tensor
 * over its last dims, and copies of contiguous or one-element-expanded views. Operands sit on the JS heap, in the
 * linear memory, or one in each; results move between the two.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BinaryOp, ReduceOp, Storage, View } from '../../src/backend/backend.js';
import type { DType, TypedArray } from '../../src/tensor/dtype.js';
import { contiguousStrides, sizeOf } from '../../src/tensor/shape.js';
import { Rng, full, js, readAll, wasm } from './helpers.js';

type Place = 'host' | 'memory';

const inMemory = (s: Storage) => (s as unknown as { cell: { ptr: number } }).cell.ptr !== 0;

/** Values with the awkward cases mixed in: signed zeros, infinities, NaN, subnormals, huge and tiny magnitudes. */
function values(n: number, rng: Rng, fill: 'normal' | 'bool' = 'normal'): Float32Array {
  const special = [0, -0, Infinity, -Infinity, NaN, 1e-40, -3e-39, 3e38, -3e38, 1e-30, 1];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (fill === 'bool') out[i] = rng.int(0, 2);
    else out[i] = rng.next() < 0.2 ? special[rng.int(0, special.length)] : rng.normal() * 10 ** rng.int(-3, 4);
  }
  return out;
}

/** Storage of `data` on the wasm device, on the JS heap or moved into the linear memory. */
function place(data: Float32Array, dtype: DType, where: Place): Storage {
  const typed = dtype === 'bool' ? Uint8Array.from(data) : data;
  const s = wasm.fromTypedArray(typed, dtype);
  if (where === 'memory') {
    // a write moves storage into the memory (small storage included)
    const src = wasm.fromTypedArray(typed, dtype);
    wasm.kernels.assign(full(s), full(src));
    assert.ok(inMemory(s), 'storage moved into the memory');
  } else {
    assert.ok(!inMemory(s), 'storage on the JS heap');
  }
  return s;
}

/** Asserts two results hold the same values bit for bit (NaN as NaN, -0 as -0). */
function assertExact(actual: Storage, expected: Storage, what: string): void {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  const a = readAll(actual) as TypedArray, e = readAll(expected) as TypedArray;
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], e[i])) assert.fail(`${what}[${i}]: ${a[i]} != ${e[i]}`);
  }
}

const view = (s: Storage, shape: readonly number[], offset = 0): View => ({ storage: s, shape, strides: contiguousStrides(shape), offset });

describe('wasm flat paths match the planned paths bit for bit', () => {
  const ARITH: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'reluBackward'];
  const COMPARE: BinaryOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
  const SHAPES: number[][] = [[1], [4], [2, 3], [63], [64], [65], [4, 16], [5, 33], [300]];
  const PLACES: [Place, Place][] = [['host', 'host'], ['memory', 'memory'], ['host', 'memory'], ['memory', 'host']];

  test('binary ops over dense same-shape operands, single elements and offsets', () => {
    const rng = new Rng(11);
    for (const shape of SHAPES) {
      const n = sizeOf(shape);
      for (const [pa, pb] of PLACES) {
        const da = values(n + 3, rng), db = values(n, rng), ds = values(1, rng);
        const a = view(place(da, 'float32', pa), shape, 3);
        const b = view(place(db, 'float32', pb), shape);
        const s = view(place(ds, 'float32', pb), []);
        // the reference: the same values in the memory, with a leading 1 on the output's shape, so the row planner
        // runs the WebAssembly kernel over the same single row
        const ra = view(place(da, 'float32', 'memory'), shape, 3), rb = view(place(db, 'float32', 'memory'), shape);
        const rs = view(place(ds, 'float32', 'memory'), []);
        const rShape = [1, ...shape];
        for (const op of [...ARITH, ...COMPARE]) {
          const dt: DType = COMPARE.includes(op) ? 'bool' : 'float32';
          const what = `${op} ${JSON.stringify(shape)} ${pa}/${pb}`;
          const r = wasm.kernels.binary(op, a, b, shape, dt);
          assertExact(r, wasm.kernels.binary(op, ra, rb, rShape, dt), what);
          assertExact(wasm.kernels.binary(op, a, s, shape, dt), wasm.kernels.binary(op, ra, rs, rShape, dt), `${what} with a scalar`);
          assertExact(wasm.kernels.binary(op, s, b, shape, dt), wasm.kernels.binary(op, rs, rb, rShape, dt), `${what} scalar first`);
          // a small result ends on the JS heap, a large one in the memory, whichever path made it
          assert.equal(inMemory(r), n * (dt === 'bool' ? 1 : 4) > 256, `${what}: where the result lives`);
        }
      }
    }
  });

  test('small + - * / results on the JS heap feed further ops on either path', () => {
    const rng = new Rng(12);
    const a = view(place(values(8, rng), 'float32', 'host'), [8]);
    const m = view(place(values(8, rng), 'float32', 'memory'), [8]);
    const t = wasm.kernels.binary('mul', a, a, [8], 'float32');
    assert.ok(!inMemory(t));
    const u = wasm.kernels.binary('add', view(t, [8]), m, [8], 'float32');
    const v = wasm.kernels.binary('add', view(t, [8]), a, [8], 'float32');
    const ja = js.fromTypedArray(readAll(a.storage), 'float32'), jm = js.fromTypedArray(readAll(m.storage), 'float32');
    const jt = js.kernels.binary('mul', view(ja, [8]), view(ja, [8]), [8], 'float32');
    assertExact(u, js.kernels.binary('add', view(jt, [8]), view(jm, [8]), [8], 'float32'), 'into the memory path');
    assertExact(v, js.kernels.binary('add', view(jt, [8]), view(ja, [8]), [8], 'float32'), 'on the host path');
  });

  test('where over dense same-shape operands and single elements', () => {
    const rng = new Rng(13);
    for (const shape of SHAPES) {
      const n = sizeOf(shape);
      const dc = values(n, rng, 'bool'), da = values(n, rng), db = values(1, rng);
      const c = view(place(dc, 'bool', 'host'), shape), a = view(place(da, 'float32', 'memory'), shape);
      const b = view(place(db, 'float32', 'host'), [1]);
      const rc = view(place(dc, 'bool', 'memory'), shape), rb = view(place(db, 'float32', 'memory'), [1]);
      const rShape = [1, ...shape];
      assertExact(wasm.kernels.where(c, a, b, shape, 'float32'), wasm.kernels.where(rc, a, rb, rShape, 'float32'), `where ${JSON.stringify(shape)}`);
    }
  });

  test('reductions of a contiguous tensor over its last dims', () => {
    const rng = new Rng(14);
    const OPS: ReduceOp[] = ['sum', 'prod', 'max', 'min'];
    // each case against the same tensor with a size-1 dim appended: the same collapsed plan, built by the planner
    const CASES: [number[], number[]][] = [[[5], [0]], [[3, 7], [0, 1]], [[3, 7], [1]], [[6, 4], [1]], [[2, 3, 17], [2]],
      [[2, 3, 17], [1, 2]], [[1, 9], [1]], [[9, 1], [1]], [[40, 4], [1]], [[4, 64], [0, 1]], [[100], [0]]];
    for (const [shape, dims] of CASES) {
      for (const where of ['host', 'memory'] as Place[]) {
        const n = sizeOf(shape);
        const data = values(n + 2, rng).map((x) => (Number.isFinite(x) && rng.next() < 0.9 ? x : rng.normal()));
        const x = view(place(data, 'float32', where), shape, 2);
        const y = view(x.storage, [...shape, 1], 2);
        for (const op of OPS) {
          const what = `${op} ${JSON.stringify(shape)} dims ${dims} ${where}`;
          assertExact(wasm.kernels.reduce(op, x, dims, 'float32'), wasm.kernels.reduce(op, y, dims, 'float32'), what);
        }
      }
    }
  });

  test('copies of contiguous and one-element-expanded views', () => {
    const rng = new Rng(15);
    for (const dtype of ['float32', 'int32', 'bool'] as DType[]) {
      for (const n of [1, 4, 64, 65, 300]) {
        for (const where of ['host', 'memory'] as Place[]) {
          const data = dtype === 'float32' ? values(n + 1, rng) : values(n + 1, rng, 'bool');
          const s = place(data, dtype, where);
          const jsS = js.fromTypedArray(readAll(s), dtype);
          const what = `${dtype}[${n}] ${where}`;
          const shape = [n];
          const contiguous = view(s, shape, 1), expanded: View = { storage: s, shape: [2, n], strides: [0, 0], offset: 1 };
          const jc = view(jsS, shape, 1), je: View = { storage: jsS, shape: [2, n], strides: [0, 0], offset: 1 };
          const c = wasm.kernels.unary('identity', contiguous, dtype);
          assertExact(c, js.kernels.unary('identity', jc, dtype), `identity ${what}`);
          assert.equal(inMemory(c), n * (dtype === 'bool' ? 1 : 4) > 256, `identity ${what}: where the copy lives`);
          assertExact(wasm.kernels.unary('identity', expanded, dtype), js.kernels.unary('identity', je, dtype), `expanded identity ${what}`);
          // assign into a dense block from a dense view and from a single element
          const dst = wasm.zeros(dtype, 2 * n), jdst = js.zeros(dtype, 2 * n);
          wasm.kernels.assign(view(dst, shape, n), contiguous);
          js.kernels.assign(view(jdst, shape, n), jc);
          wasm.kernels.assign(view(dst, shape), { storage: s, shape, strides: [0], offset: n });
          js.kernels.assign(view(jdst, shape), { storage: jsS, shape, strides: [0], offset: n });
          assertExact(dst, jdst, `assign ${what}`);
        }
      }
    }
  });
});
