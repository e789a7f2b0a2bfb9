import { type ReduceOp, registerKernel } from '../../kernels.js';
import type { View } from '../../device.js';
import { type DType, type TypedArray, typedArrayFor } from '../../../tensor/dtype.js';
import { sizeOf } from '../../../tensor/shape.js';
import { dataOf, offsetsOf } from '../storage.js';

/** Splits a view into the kept dims (outer) and the reduced dims (inner), as element offsets. */
function splitOffsets(x: View, dims: readonly number[]): { outer: Int32Array; inner: Int32Array } {
  const keptShape: number[] = [], keptStrides: number[] = [];
  const redShape: number[] = [], redStrides: number[] = [];
  x.shape.forEach((d, i) => {
    if (dims.includes(i)) {
      redShape.push(d);
      redStrides.push(x.strides[i]);
    } else {
      keptShape.push(d);
      keptStrides.push(x.strides[i]);
    }
  });
  return { outer: offsetsOf(keptShape, keptStrides, x.offset), inner: offsetsOf(redShape, redStrides, 0) };
}

export function reduceKernel(op: ReduceOp, x: View, dims: readonly number[], outDType: DType): TypedArray {
  const src = dataOf(x);
  const { outer, inner } = splitOffsets(x, dims);
  const out = typedArrayFor(outDType, outer.length);
  const r = inner.length;
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    let acc: number;
    switch (op) {
      case 'sum': {
        acc = 0;
        for (let j = 0; j < r; j++) acc += src[base + inner[j]];
        break;
      }
      case 'prod': {
        acc = 1;
        for (let j = 0; j < r; j++) acc *= src[base + inner[j]];
        break;
      }
      case 'max': {
        acc = -Infinity;
        for (let j = 0; j < r; j++) {
          const v = src[base + inner[j]];
          if (v > acc || v !== v) acc = v;
          if (acc !== acc) break;
        }
        break;
      }
      case 'min': {
        acc = Infinity;
        for (let j = 0; j < r; j++) {
          const v = src[base + inner[j]];
          if (v < acc || v !== v) acc = v;
          if (acc !== acc) break;
        }
        break;
      }
    }
    out[o] = acc;
  }
  return out;
}

export function argReduceKernel(op: 'argmax' | 'argmin', x: View, dim: number): Int32Array {
  const src = dataOf(x);
  const { outer, inner } = splitOffsets(x, [dim]);
  const out = new Int32Array(outer.length);
  const r = inner.length;
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    let best = src[base + inner[0]];
    let bestIdx = 0;
    for (let j = 1; j < r && best === best; j++) {
      const v = src[base + inner[j]];
      if (better(v, best) || v !== v) {
        best = v;
        bestIdx = j;
      }
    }
    out[o] = bestIdx;
  }
  return out;
}

export function softmaxKernel(x: View, dim: number, log: boolean): TypedArray {
  const src = dataOf(x);
  const { outer, inner } = splitOffsets(x, [dim]);
  const n = sizeOf(x.shape);
  const out = typedArrayFor(x.storage.dtype, n);
  // output is contiguous in x's shape: its offsets follow the same split with contiguous strides
  const outStrides: number[] = [];
  let s = 1;
  for (let i = x.shape.length - 1; i >= 0; i--) {
    outStrides[i] = s;
    s *= x.shape[i];
  }
  const outSplit = splitOffsets({ storage: x.storage, shape: x.shape, strides: outStrides, offset: 0 }, [dim]);
  const r = inner.length;
  const tmp = new Float64Array(r);
  for (let o = 0; o < outer.length; o++) {
    const base = outer[o];
    let max = -Infinity;
    for (let j = 0; j < r; j++) {
      const v = src[base + inner[j]];
      tmp[j] = v;
      if (v > max) max = v;
    }
    if (max === -Infinity) max = 0;
    let sum = 0;
    for (let j = 0; j < r; j++) sum += Math.exp(tmp[j] - max);
    const ob = outSplit.outer[o];
    if (log) {
      const lse = Math.log(sum);
      for (let j = 0; j < r; j++) out[ob + outSplit.inner[j]] = tmp[j] - max - lse;
    } else {
      for (let j = 0; j < r; j++) out[ob + outSplit.inner[j]] = Math.exp(tmp[j] - max) / sum;
    }
  }
  return out;
}

registerKernel('reduce', 'js', (d, op, x, dims, outDType) => d.adopt(reduceKernel(op, x, dims, outDType), outDType));
registerKernel('argReduce', 'js', (d, op, x, dim) => d.adopt(argReduceKernel(op, x, dim), 'int32'));
registerKernel('softmax', 'js', (d, x, dim, log) => d.adopt(softmaxKernel(x, dim, log), x.storage.dtype));
