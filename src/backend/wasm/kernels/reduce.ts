/** Reduction kernels of the wasm device: sum/prod/max/min over any dims, argmax/argmin, softmax and log-softmax. */
import type { View } from '../../device.js';
import { REDUCE_CODES } from '../abi.js';
import { type WasmDevice, collapse, isF32, registerWasmKernel } from '../device.js';
import { isContiguous, sizeOf, stridedOffsets } from '../../../tensor/shape.js';

/** Splits x's dims into kept and reduced groups, each collapsed to (outer offsets table, inner length, inner stride). */
function splitPlan(d: WasmDevice, x: View, dims: readonly number[]): { nko: number; ko: number; kn: number; ks: number; nro: number; ro: number; rn: number; rs: number } {
  const group = (sel: (i: number) => boolean, offset: number) => {
    const shape: number[] = [], strides: number[] = [];
    x.shape.forEach((n, i) => {
      if (sel(i)) {
        shape.push(n);
        strides.push(x.strides[i]);
      }
    });
    const c = collapse(shape, [strides]);
    const last = c.shape.length - 1;
    const outer = c.shape.slice(0, last);
    return {
      count: sizeOf(outer),
      tab: d.table(stridedOffsets(outer, c.strides[0].slice(0, last), offset)),
      n: c.shape[last],
      s: c.strides[0][last],
    };
  };
  const kept = group((i) => !dims.includes(i), x.offset);
  const red = group((i) => dims.includes(i), 0);
  return { nko: kept.count, ko: kept.tab, kn: kept.n, ks: kept.s, nro: red.count, ro: red.tab, rn: red.n, rs: red.s };
}

/**
 * When x is contiguous, not empty, and `dims` are its last dims (a full reduction, or over the last dim): how many
 * elements each output reduces (kept and reduced dims then collapse to one row each, with no tables to plan); else 0.
 */
function innerCount(x: View, dims: readonly number[]): number {
  const nd = x.shape.length, k = nd - dims.length;
  if (k < 0 || dims.length > 30) return 0;
  let seen = 0;
  for (const i of dims) {
    if (i < k || i >= nd || seen & (1 << (i - k))) return 0;
    seen |= 1 << (i - k);
  }
  if (!isContiguous(x.shape, x.strides)) return 0;
  let inner = 1;
  for (let i = k; i < nd; i++) inner *= x.shape[i];
  return sizeOf(x.shape) > 0 ? inner : 0;
}

registerWasmKernel('reduce', (d, op, x, dims, outDType) => {
  if (!isF32(x) || outDType !== 'float32') return undefined;
  const nOut = x.shape.reduce((acc, n, i) => (dims.includes(i) ? acc : acc * n), 1);
  return d.produce('float32', nOut, [x], nOut * 8 + 64, (po) => {
    const ws = d.tmp(nOut * 8 + 16);
    const inner = innerCount(x, dims);
    if (inner > 0) {
      // kept [K] with stride C, reduced [C] with stride 1 (dims of size 1 collapse to stride 0, as in splitPlan)
      const z = d.zeroRows();
      d.k.reduceF32(REDUCE_CODES[op], 1, z, nOut, nOut > 1 ? inner : 0, 1, z, inner, inner > 1 ? 1 : 0, d.addr(x), po, ws);
      return;
    }
    const px = d.ptrOf(x);
    const p = splitPlan(d, x, dims);
    d.k.reduceF32(REDUCE_CODES[op], p.nko, p.ko, p.kn, p.ks, p.nro, p.ro, p.rn, p.rs, px, po, ws);
  });
});

registerWasmKernel('argReduce', (d, op, x, dim) => {
  const n = sizeOf(x.shape);
  if (!isF32(x) || n === 0) return undefined;
  const rows = n / x.shape[dim];
  return d.produce('int32', rows, [x], rows * 4 + 64, (po) => {
    const shape = x.shape.filter((_, i) => i !== dim);
    const strides = x.strides.filter((_, i) => i !== dim);
    const tab = d.table(stridedOffsets(shape, strides, x.offset));
    d.k.argReduceF32(op === 'argmax' ? 1 : 0, rows, d.ptrOf(x), tab, x.shape[dim], x.strides[dim], po);
  });
});

registerWasmKernel('softmax', (d, x, dim, log) => {
  if (!isF32(x) || x.shape.length === 0) return undefined;
  const n = sizeOf(x.shape);
  return d.produce('float32', n, [x], n * 4, (po) => {
    const px = d.dense(x);
    const D = x.shape[dim];
    const inner = sizeOf(x.shape.slice(dim + 1));
    const outer = sizeOf(x.shape.slice(0, dim));
    if (inner === 1) d.k.softmaxRows(outer, D, px, po, log ? 1 : 0);
    else d.k.softmaxCols(outer, D, inner, px, po, log ? 1 : 0, d.tmp(inner * 8 + 32));
  });
});
