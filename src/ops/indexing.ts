/** Gather/scatter and index selection, with their backward rules (each one's gradient is the other). */
import { recordOp } from '../autograd/engine.js';
import { normalizeDim, shapeStr, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertSameBackend, wrap } from './util.js';

function assertIndex(op: string, index: Tensor): void {
  if (index.dtype !== 'int32') throw new TypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
}

function zerosOf(x: Tensor, shape: readonly number[]): Tensor {
  return wrap(x.backend.zeros(x.dtype, sizeOf(shape)), shape);
}

/** torch.gather: out[i][j] = x[index[i][j]][j] for dim 0, and so on; index has x's ndim. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  assertIndex('gather', index);
  assertSameBackend('gather', x, index);
  const d = normalizeDim(dim, x.ndim, 'gather');
  if (index.ndim !== x.ndim || index.shape.some((s, i) => i !== d && s > x.shape[i])) {
    throw new RangeError(`gather: index of shape ${shapeStr(index.shape)} does not fit input of shape ${shapeStr(x.shape)} along dim ${d}`);
  }
  const out = wrap(x.backend.kernels.gather(x, d, index), index.shape);
  return recordOp('gather', out, [x], (g) => [scatterAdd(zerosOf(g, x.shape), d, index, g)], [index]);
}

/** torch.scatter_add (out of place): a copy of x with src's values added at index along dim. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  assertIndex('scatterAdd', index);
  assertSameBackend('scatterAdd', x, index, src);
  const d = normalizeDim(dim, x.ndim, 'scatterAdd');
  if (index.ndim !== x.ndim || src.ndim !== x.ndim || index.shape.some((s, i) => s > src.shape[i] || (i !== d && s > x.shape[i]))) {
    throw new RangeError(`scatterAdd: index ${shapeStr(index.shape)}, src ${shapeStr(src.shape)} and input ${shapeStr(x.shape)} do not fit along dim ${d}`);
  }
  if (src.dtype !== x.dtype) throw new TypeError(`scatterAdd: src dtype ${src.dtype} differs from input dtype ${x.dtype}`);
  const out = wrap(x.backend.kernels.scatterAdd(x, d, index, src), x.shape);
  const needSrc = src.requiresGrad;
  return recordOp('scatterAdd', out, [x, src], (g) => [g, needSrc ? padTo(gather(g, d, index), src.shape) : null], [needSrc ? index : null]);
}

/** Gradient for a src larger than index: zero outside index's extent. */
function padTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.every((s, i) => s === shape[i])) return g;
  const padding: number[] = [];
  for (let i = shape.length - 1; i >= 0; i--) padding.push(0, shape[i] - g.shape[i]);
  return g.pad(padding);
}

/** torch.index_select: picks whole slices along dim by a 1-D int32 index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  assertIndex('indexSelect', index);
  assertSameBackend('indexSelect', x, index);
  if (index.ndim > 1) throw new RangeError(`indexSelect: index must be 1-D, got shape ${shapeStr(index.shape)}`);
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  const idx = index.ndim === 0 ? index.reshape([1]) : index;
  const shape = x.shape.slice();
  if (x.ndim > 0) shape[d] = idx.size;
  const out = wrap(x.backend.kernels.indexSelect(x.ndim === 0 ? x.reshape([1]) : x, d, idx), shape);
  return recordOp('indexSelect', out, [x], (g) => [indexAdd(zerosOf(g, x.shape), d, idx, g)], [idx]);
}

/** torch.index_add (out of place): a copy of x with src's slices added at index along dim. */
export function indexAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  assertIndex('indexAdd', index);
  assertSameBackend('indexAdd', x, index, src);
  const d = normalizeDim(dim, x.ndim, 'indexAdd');
  const expected = x.shape.slice();
  expected[d] = index.size;
  if (index.ndim > 1 || src.ndim !== x.ndim || src.shape.some((s, i) => s !== expected[i])) {
    throw new RangeError(`indexAdd: src of shape ${shapeStr(src.shape)} must have shape ${shapeStr(expected)} for index of shape ${shapeStr(index.shape)}`);
  }
  if (src.dtype !== x.dtype) throw new TypeError(`indexAdd: src dtype ${src.dtype} differs from input dtype ${x.dtype}`);
  const out = wrap(x.backend.kernels.indexAdd(x, d, index, src), x.shape);
  const needSrc = src.requiresGrad;
  return recordOp('indexAdd', out, [x, src], (g) => [g, needSrc ? indexSelect(g, d, index) : null], [needSrc ? index : null]);
}
