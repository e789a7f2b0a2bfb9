/** Elementwise kernels of the wasm device: copies (assign), unary ops and casts to float32, binary ops, where. */
import type { View } from '../../device.js';
import type { BinaryOp } from '../../kernels.js';
import { binaryKernel } from '../../js/kernels/elementwise.js';
import { bytesPer } from '../heap.js';
import { BINARY_CODES, COMPARE_CODES, TO_F32_CODES, UNARY_CODES } from '../abi.js';
import { SMALL_BYTES, type WasmDevice, type WasmStorage, collapse, flatSource, isF32, registerWasmKernel } from '../device.js';
import { type TypedArray, typedArrayFor } from '../../../tensor/dtype.js';
import { broadcastStrides, contiguousStrides, isContiguous, shapesEqual, sizeOf, stridedOffsets, type Shape } from '../../../tensor/shape.js';

/** dst[...] = src broadcast to dst's shape, where src's storage starts at address srcBase. */
function copyInto(d: WasmDevice, dst: View, src: View, srcBase: number): void {
  const size = bytesPer(dst.storage.dtype);
  const ss = flatStride(src, dst.shape);
  if (ss >= 0 && isContiguous(dst.shape, dst.strides)) {
    // one row, as collapse would make it
    const z = d.zeroRows();
    d.k.copyRows(size, 1, sizeOf(dst.shape), d.addr(dst, true), z, 1, srcBase + src.offset * size, z, ss);
    return;
  }
  const sStr = broadcastStrides(src.shape, src.strides, dst.shape);
  const { shape, strides } = collapse(dst.shape, [dst.strides.slice(), sStr]);
  const last = shape.length - 1;
  const outer = shape.slice(0, last);
  const dRows = d.table(stridedOffsets(outer, strides[0].slice(0, last), dst.offset));
  const sRows = d.table(stridedOffsets(outer, strides[1].slice(0, last), src.offset));
  d.k.copyRows(size, sizeOf(outer), shape[last], d.ptrOf(dst, true), dRows, strides[0][last], srcBase, sRows, strides[1][last]);
}

registerWasmKernel('assign', (d, dst, src) => {
  const dt = dst.storage.dtype;
  const n = sizeOf(dst.shape);
  if (n === 0) return true;
  if (dt !== src.storage.dtype || dt === 'float64') return undefined;
  const size = bytesPer(dt);
  const overlapping = dst.storage === src.storage;
  d.launch([dst, src], overlapping ? n * size : 0, () => {
    if (!overlapping) {
      copyInto(d, dst, src, d.ptrOf(src));
      return;
    }
    // overlapping windows of one storage: read everything first
    const p = d.tmp(sizeOf(src.shape) * size);
    d.copyDense(src, p);
    copyInto(d, dst, { storage: src.storage, shape: src.shape, strides: contiguousStrides(src.shape), offset: 0 }, p);
  });
  return true;
});

/**
 * A dense copy of a small view whose elements are on the JS heap, made there (where a small wasm result would be moved
 * to anyway), when the view is contiguous or one element expanded (a gradient's clone); else null.
 */
function smallHostCopy(d: WasmDevice, x: View): TypedArray | null {
  const n = sizeOf(x.shape), dt = x.storage.dtype;
  if (dt === 'float64' || n * bytesPer(dt) > SMALL_BYTES || !d.onJsHeap(x)) return null;
  const flat = flatSource(x.shape, x.strides);
  if (flat < 0) return null;
  const src = (x.storage as WasmStorage).data, o = x.offset;
  return flat === 1 ? (src.slice(o, o + n) as TypedArray) : (typedArrayFor(dt, n).fill(src[o]) as TypedArray);
}

registerWasmKernel('unary', (d, op, x, outDType, alpha = 0, beta = 1) => {
  const n = sizeOf(x.shape);
  const code = UNARY_CODES[op];
  const xd = x.storage.dtype;
  if (op === 'identity' && outDType === xd) {
    const copy = smallHostCopy(d, x);
    if (copy) return d.adopt(copy, xd);
  }
  if (outDType === 'float32' && code !== undefined && (xd === 'float32' || (op === 'identity' && (xd === 'int32' || xd === 'bool')))) {
    return d.produce('float32', n, [x], 0, (po) => {
      if (xd !== 'float32') {
        d.k.toF32(TO_F32_CODES[xd]!, n, d.dense(x), po);
      } else if (op === 'identity') {
        if (isContiguous(x.shape, x.strides)) {
          const src = d.addr(x);
          d.heap.u8.copyWithin(po, src, src + n * 4);
        } else {
          d.copyDense(x, po);
        }
      } else if (isContiguous(x.shape, x.strides)) {
        d.k.unaryF32(code, n, d.addr(x), po, alpha, beta);
      } else {
        d.copyDense(x, po);
        d.k.unaryF32(code, n, po, po, alpha, beta);
      }
    });
  }
  // a contiguous copy of int32/bool
  if (op === 'identity' && outDType === xd && xd !== 'float64') return d.produce(xd, n, [x], 0, (po) => d.copyDense(x, po));
  return undefined;
});

/**
 * An operand's element stride when the op runs over one flat row: 1 when it is dense with the output's shape, 0 when it
 * is a single element, -1 otherwise (the row tables must be planned). Row planning would collapse such operands into
 * this same single row.
 */
function flatStride(v: View, outShape: Shape): number {
  if (shapesEqual(v.shape, outShape) && isContiguous(v.shape, v.strides)) return 1;
  return sizeOf(v.shape) === 1 ? 0 : -1;
}

/** Row tables for an elementwise op over outShape with operands (broadcast) and a contiguous output. */
function rowPlan(d: WasmDevice, outShape: Shape, ops: View[]): { rows: number; n: number; tabs: number[]; inner: number[] } {
  const strides = ops.map((v) => broadcastStrides(v.shape, v.strides, outShape));
  strides.push(contiguousStrides(outShape));
  const c = collapse(outShape, strides);
  const last = c.shape.length - 1;
  const outer = c.shape.slice(0, last);
  const tabs = ops.map((v, j) => d.table(stridedOffsets(outer, c.strides[j].slice(0, last), v.offset)));
  return { rows: sizeOf(outer), n: c.shape[last], tabs, inner: ops.map((_, j) => c.strides[j][last]) };
}

/**
 * Outputs of at most this many elements of + - * / (and relu's gradient) over operands on the JS heap are computed
 * there by the js kernel and stay there (where a small wasm result would be moved to anyway), skipping the copies into
 * and out of scratch. The result is bit-identical: a double + - * / of two floats, rounded to float, is the correctly
 * rounded float op, and relu's gradient only selects a value or +0.
 */
const HOST_ARITH_MAX = 64;

/** The float32 ops whose js kernel gives exactly the WebAssembly kernel's values (see HOST_ARITH_MAX). */
function exactOnHost(op: BinaryOp): boolean {
  return op === 'add' || op === 'sub' || op === 'mul' || op === 'div' || op === 'reluBackward';
}

registerWasmKernel('binary', (d, op, a, b, outShape, outDType) => {
  if (!isF32(a, b)) return undefined;
  const arith = BINARY_CODES[op];
  const cmp = COMPARE_CODES[op];
  if (!((arith !== undefined && outDType === 'float32') || (cmp !== undefined && outDType === 'bool'))) return undefined;
  const n = sizeOf(outShape);
  if (n <= HOST_ARITH_MAX && outDType === 'float32' && exactOnHost(op) && d.onJsHeap(a) && d.onJsHeap(b)) {
    return d.adopt(binaryKernel(op, a, b, outShape, outDType), outDType);
  }
  return d.produce(outDType, n, [a, b], 64, (po) => {
    const f = arith !== undefined ? d.k.binaryF32 : d.k.compareF32;
    const sa = flatStride(a, outShape), sb = flatStride(b, outShape);
    if (sa >= 0 && sb >= 0) {
      const z = d.zeroRows();
      f(arith ?? cmp!, 1, n, d.addr(a), z, sa, d.addr(b), z, sb, po);
      return;
    }
    const pa = d.ptrOf(a), pb = d.ptrOf(b);
    const plan = rowPlan(d, outShape, [a, b]);
    f(arith ?? cmp!, plan.rows, plan.n, pa, plan.tabs[0], plan.inner[0], pb, plan.tabs[1], plan.inner[1], po);
  });
});

registerWasmKernel('where', (d, cond, a, b, outShape, outDType) => {
  if (cond.storage.dtype !== 'bool' || !isF32(a, b) || outDType !== 'float32') return undefined;
  return d.produce('float32', sizeOf(outShape), [cond, a, b], 64, (po) => {
    const sc = flatStride(cond, outShape), sa = flatStride(a, outShape), sb = flatStride(b, outShape);
    if (sc >= 0 && sa >= 0 && sb >= 0) {
      const z = d.zeroRows();
      d.k.whereF32(1, sizeOf(outShape), d.addr(cond), z, sc, d.addr(a), z, sa, d.addr(b), z, sb, po);
      return;
    }
    const pc = d.ptrOf(cond), pa = d.ptrOf(a), pb = d.ptrOf(b);
    const plan = rowPlan(d, outShape, [cond, a, b]);
    d.k.whereF32(plan.rows, plan.n, pc, plan.tabs[0], plan.inner[0], pa, plan.tabs[1], plan.inner[1],
      pb, plan.tabs[2], plan.inner[2], po);
  });
});
