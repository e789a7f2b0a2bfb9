import type { View } from '../../device.js';
import { type TypedArray, typedArrayFor } from '../../../tensor/dtype.js';
import { contiguousStrides, isContiguous, sizeOf, stridedOffsets } from '../../../tensor/shape.js';
import { dataOf, denseData } from '../storage.js';
import { registerKernel } from '../../kernels.js';

/** For each element of `index` (row-major), the offset into x of the same position with dim replaced by 0. */
function positionsAlong(x: View, index: View, dim: number): Int32Array {
  const strides = x.strides.slice();
  strides[dim] = 0;
  return stridedOffsets(index.shape, strides, x.offset);
}

function checkIndex(op: string, i: number, size: number): void {
  if (i < 0 || i >= size) throw new RangeError(`${op}: index ${i} is out of bounds for dimension of size ${size}`);
}

export function gatherKernel(x: View, dim: number, index: View): TypedArray {
  const src = dataOf(x);
  const idx = denseData(index);
  const base = positionsAlong(x, index, dim);
  const out = typedArrayFor(x.storage.dtype, idx.length);
  const size = x.shape[dim], stride = x.strides[dim];
  for (let i = 0; i < idx.length; i++) {
    const k = idx[i];
    checkIndex('gather', k, size);
    out[i] = src[base[i] + k * stride];
  }
  return out;
}

export function scatterAddKernel(base: View, dim: number, index: View, src: View): TypedArray {
  const out = denseData(base).slice();
  const outView: View = { storage: base.storage, shape: base.shape, strides: contiguousStrides(base.shape), offset: 0 };
  const idx = denseData(index);
  const pos = positionsAlong(outView, index, dim);
  const srcOffs = stridedOffsets(index.shape, src.strides, src.offset);
  const s = dataOf(src);
  const size = base.shape[dim], stride = outView.strides[dim];
  for (let i = 0; i < idx.length; i++) {
    const k = idx[i];
    checkIndex('scatterAdd', k, size);
    out[pos[i] + k * stride] += s[srcOffs[i]];
  }
  return out;
}

export function indexSelectKernel(x: View, dim: number, index: View): TypedArray {
  const idx = denseData(index);
  const outShape = x.shape.slice();
  outShape[dim] = idx.length;
  const src = dataOf(x);
  const size = x.shape[dim];
  for (let i = 0; i < idx.length; i++) checkIndex('indexSelect', idx[i], size);
  // iterate the output as [outer, idx, inner]; offsets into x come from x's strides with dim's index looked up
  const outer = sizeOf(x.shape.slice(0, dim));
  const inner = sizeOf(x.shape.slice(dim + 1));
  const outerOffs = stridedOffsets(x.shape.slice(0, dim), x.strides.slice(0, dim), x.offset);
  const innerShape = x.shape.slice(dim + 1), innerStrides = x.strides.slice(dim + 1);
  // selected blocks that are contiguous in x (rows of a batch from a dataset) are copied whole; others element by
  // element through their offsets
  const blocks = isContiguous(innerShape, innerStrides);
  const innerOffs = blocks ? null : stridedOffsets(innerShape, innerStrides, 0);
  const out = typedArrayFor(x.storage.dtype, outer * idx.length * inner);
  const stride = x.strides[dim];
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < idx.length; i++) {
      const base = outerOffs[a] + idx[i] * stride;
      if (blocks) {
        out.set(src.subarray(base, base + inner), o);
        o += inner;
      } else {
        for (let c = 0; c < inner; c++) out[o++] = src[base + innerOffs![c]];
      }
    }
  }
  return out;
}

export function indexAddKernel(base: View, dim: number, index: View, src: View): TypedArray {
  const out = denseData(base).slice();
  const idx = denseData(index);
  const size = base.shape[dim];
  for (let i = 0; i < idx.length; i++) checkIndex('indexAdd', idx[i], size);
  const outer = sizeOf(base.shape.slice(0, dim));
  const inner = sizeOf(base.shape.slice(dim + 1));
  const s = denseData(src);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < idx.length; i++) {
      const dst = (a * size + idx[i]) * inner;
      for (let c = 0; c < inner; c++) out[dst + c] += s[o++];
    }
  }
  return out;
}

registerKernel('gather', 'js', (d, x, dim, index) => d.adopt(gatherKernel(x, dim, index), x.storage.dtype));
registerKernel('scatterAdd', 'js', (d, base, dim, index, src) => d.adopt(scatterAddKernel(base, dim, index, src), base.storage.dtype));
registerKernel('indexSelect', 'js', (d, x, dim, index) => d.adopt(indexSelectKernel(x, dim, index), x.storage.dtype));
registerKernel('indexAdd', 'js', (d, base, dim, index, src) => d.adopt(indexAddKernel(base, dim, index, src), base.storage.dtype));
