/**
 * Helpers for testing the wasm backend's kernels against the js reference: the same random data placed on both
 * backends, seen through the same (possibly non-contiguous) views. Tests every device must pass, written once against
 * the public API, are in test/conformance (devices.ts says how a device joins).
 */
import assert from 'node:assert/strict';
import type { Backend, Storage, View } from '../../src/backend/backend.js';
import { getBackendByName } from '../../src/backend/backend.js';
import { type DType, type TypedArray, typedArrayFor } from '../../src/tensor/dtype.js';
import { contiguousStrides, sizeOf } from '../../src/tensor/shape.js';
import '../../src/index.js';
import { wasmAvailable, wasmLoadError } from '../../src/backend/wasm/index.js';

if (!wasmAvailable()) throw new Error(`the wasm backend did not load: ${wasmLoadError()?.message}`);

export const js: Backend = getBackendByName('js');
export const wasm: Backend = getBackendByName('wasm');

/** Small deterministic generator (mulberry32). */
export class Rng {
  constructor(private s: number) {}
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
}

export type Layout = 'contig' | 'transposed' | 'strided' | 'offset';
export const LAYOUTS: Layout[] = ['contig', 'transposed', 'strided', 'offset'];

export interface Pair {
  js: View;
  wasm: View;
}

export type Fill = 'normal' | 'halves' | 'positive' | 'int' | 'bool' | ((rng: Rng, i: number) => number);

function fillValue(fill: Fill, rng: Rng, i: number): number {
  if (typeof fill === 'function') return fill(rng, i);
  switch (fill) {
    case 'normal': return rng.normal();
    case 'halves': return rng.int(-6, 7) / 2;
    case 'positive': return 0.05 + 3 * rng.next();
    case 'int': return rng.int(-5, 6);
    case 'bool': return rng.int(0, 2);
  }
}

/** A view of `shape` over fresh random storage on both backends, laid out as `layout` says. */
export function pair(shape: readonly number[], dtype: DType, layout: Layout, rng: Rng, fill: Fill = 'normal'): Pair {
  const n = sizeOf(shape);
  let baseLen: number, strides: number[], offset = 0;
  switch (layout) {
    case 'contig':
      baseLen = n;
      strides = contiguousStrides(shape);
      break;
    case 'offset':
      offset = 5;
      baseLen = n + 9;
      strides = contiguousStrides(shape);
      break;
    case 'transposed': {
      // the view is a contiguous tensor of the reversed shape, with its dims reversed
      const rev = shape.slice().reverse();
      strides = contiguousStrides(rev).reverse();
      baseLen = n;
      break;
    }
    case 'strided': {
      // every other element along each dim of a bigger tensor, starting at index 1
      const big = shape.map((d) => 2 * d + 1);
      const bs = contiguousStrides(big);
      strides = bs.map((s) => 2 * s);
      offset = bs.reduce((a, s) => a + s, 0);
      baseLen = sizeOf(big);
      break;
    }
  }
  const data = typedArrayFor(dtype, baseLen);
  for (let i = 0; i < baseLen; i++) data[i] = fillValue(fill, rng, i);
  return {
    js: { storage: js.fromTypedArray(data, dtype), shape, strides, offset },
    wasm: { storage: wasm.fromTypedArray(data, dtype), shape, strides, offset },
  };
}

/** A broadcast view: `shape` read from storage of `from` (size-1 dims expanded with stride 0). */
export function expanded(from: readonly number[], shape: readonly number[], dtype: DType, rng: Rng, fill: Fill = 'normal'): Pair {
  const p = pair(from, dtype, 'contig', rng, fill);
  const base = contiguousStrides(from);
  const lead = shape.length - from.length;
  const strides = shape.map((d, i) => (i < lead || from[i - lead] === 1 ? 0 : base[i - lead]));
  return { js: { ...p.js, shape, strides }, wasm: { ...p.wasm, shape, strides } };
}

export function full(v: View | Storage, shape?: readonly number[]): View {
  const s = 'storage' in v ? v.storage : v;
  const sh = shape ?? [s.length];
  return { storage: s, shape: sh, strides: contiguousStrides(sh), offset: 0 };
}

/** Reads a storage of either backend. */
export function readAll(s: Storage): TypedArray {
  return s.backend.readSync!(full(s));
}

/** Asserts two results (js expected, wasm actual) agree: same dtype and length, values within atol + rtol*|e|. */
export function assertSame(actual: Storage, expected: Storage, what: string, atol = 1e-6, rtol = 1e-5): void {
  assert.equal(actual.backend.name, 'wasm', `${what}: result is on ${actual.backend.name}`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype ${actual.dtype} != ${expected.dtype}`);
  const a = readAll(actual), e = readAll(expected);
  assert.equal(a.length, e.length, `${what}: length ${a.length} != ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = e[i];
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) assert.fail(`${what}[${i}]: wasm ${x}, js ${y}`);
  }
}
