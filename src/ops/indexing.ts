/** Gather/scatter and index selection, with their backward rules (each one's gradient is the other). */
import { defineOp, runOp } from './op.js';
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
  return runOp(GATHER, [x, index], { dim: d });
}

/** The index is an input that never needs a gradient. */
const GATHER = defineOp<{ dim: number }>({
  name: 'gather',
  forward: ([x, index], { dim }) => wrap(x!.backend.kernels.gather(x!, dim, index!), index!.shape),
  backward: (g, [index], { dim }, _needs, [x]) => [scatterAdd(zerosOf(g, x!.shape), dim, index!, g), null],
  saves: ([, index]) => [index],
});

/** torch.scatter_add (out of place): a copy of x with src's values added at index along dim. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  assertIndex('scatterAdd', index);
  assertSameBackend('scatterAdd', x, index, src);
  const d = normalizeDim(dim, x.ndim, 'scatterAdd');
  if (index.ndim !== x.ndim || src.ndim !== x.ndim || index.shape.some((s, i) => s > src.shape[i] || (i !== d && s > x.shape[i]))) {
    throw new RangeError(`scatterAdd: index ${shapeStr(index.shape)}, src ${shapeStr(src.shape)} and input ${shapeStr(x.shape)} do not fit along dim ${d}`);
  }
  if (src.dtype !== x.dtype) throw new TypeError(`scatterAdd: src dtype ${src.dtype} differs from input dtype ${x.dtype}`);
  return runOp(SCATTER_ADD, [x, index, src], { dim: d });
}

const SCATTER_ADD = defineOp<{ dim: number }>({
  name: 'scatterAdd',
  forward: ([x, index, src], { dim }) => wrap(x!.backend.kernels.scatterAdd(x!, dim, index!, src!), x!.shape),
  backward: (g, [index], { dim }, needs, [, , src]) => [g, null, needs[2] ? padTo(gather(g, dim, index!), src!.shape) : null],
  saves: ([, index], _out, needs) => [needs[2] ? index : null],
});

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
  return runOp(INDEX_SELECT, [x, idx], { dim: d, shape });
}

const INDEX_SELECT = defineOp<{ dim: number; shape: readonly number[] }>({
  name: 'indexSelect',
  forward: ([x, idx], { dim, shape }) => wrap(x!.backend.kernels.indexSelect(x!.ndim === 0 ? x!.reshape([1]) : x!, dim, idx!), shape),
  backward: (g, [idx], { dim }, _needs, [x]) => [indexAdd(zerosOf(g, x!.shape), dim, idx!, g), null],
  saves: ([, idx]) => [idx],
});

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
  return runOp(INDEX_ADD, [x, index, src], { dim: d });
}

const INDEX_ADD = defineOp<{ dim: number }>({
  name: 'indexAdd',
  forward: ([x, index, src], { dim }) => wrap(x!.backend.kernels.indexAdd(x!, dim, index!, src!), x!.shape),
  backward: (g, [index], { dim }, needs) => [g, null, needs[2] ? indexSelect(g, dim, index!) : null],
  saves: ([, index], _out, needs) => [needs[2] ? index : null],
});
