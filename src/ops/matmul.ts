/** Matrix products with PyTorch's matmul semantics (1-D, 2-D, batched with broadcast batch dims). */
import { defineOp, runOp } from './op.js';
import { broadcastShapes, shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { assertSameBackend, sumToShape, wrap } from './util.js';

function assertFloatPair(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new TypeError(`${op}: dtypes ${a.dtype} and ${b.dtype} differ (convert one with .to())`);
  if (a.dtype === 'bool') throw new TypeError(`${op}: bool tensors are not supported`);
}

/** Both operands at least 2-D: [..., M, K] @ [..., K, N]. */
function batchedMatmul(a: Tensor, b: Tensor, opName: string, shownA: readonly number[], shownB: readonly number[]): Tensor {
  const K = a.shape[a.ndim - 1];
  if (b.shape[b.ndim - 2] !== K) {
    throw new RangeError(`${opName}: shapes ${shapeStr(shownA)} and ${shapeStr(shownB)} cannot be multiplied (${K} != ${b.shape[b.ndim - 2]})`);
  }
  const batch = batchShape(a.shape.slice(0, -2), b.shape.slice(0, -2), opName, shownA, shownB);
  return runOp(MATMUL, [a, b], { batch });
}

/** Both operands at least 2-D, their shapes checked; `batch` is the broadcast batch dims. */
const MATMUL = defineOp<{ batch: readonly number[] }>({
  name: 'matmul',
  forward: ([a, b], { batch }) => wrap(a!.backend.kernels.matmul(a!, b!, batch), [...batch, a!.shape[a!.ndim - 2], b!.shape[b!.ndim - 1]]),
  backward: (g, [a, b], _attrs, needs, inputs) => [
    needs[0] ? sumToShape(batchedMatmul(g, b!.mT, 'matmul', g.shape, b!.shape), inputs[0]!.shape) : null,
    needs[1] ? sumToShape(batchedMatmul(a!.mT, g, 'matmul', a!.shape, g.shape), inputs[1]!.shape) : null,
  ],
  saves: ([a, b], _out, needs) => [needs[1] ? a : null, needs[0] ? b : null],
});

/** The broadcast batch dims; the error names both operands' full shapes, not just their batch dims. */
function batchShape(a: readonly number[], b: readonly number[], opName: string, shownA: readonly number[], shownB: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${opName}: batch dims of shapes ${shapeStr(shownA)} and ${shapeStr(shownB)} cannot be broadcast together (${da} != ${db} at batch dim ${i})`);
    }
  }
  return broadcastShapes(a, b, opName);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  assertSameBackend('matmul', a, b);
  assertFloatPair('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`matmul: both arguments need at least 1 dim, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  let out = batchedMatmul(a2, b2, 'matmul', a.shape, b.shape);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}

/** Dot product of two 1-D tensors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`dot: expects two 1-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) throw new RangeError(`dot: shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)} have different lengths`);
  return matmul(a, b);
}

/** Outer product of two 1-D tensors: [n] x [m] -> [n, m]. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new RangeError(`outer: expects two 1-D tensors, got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}
