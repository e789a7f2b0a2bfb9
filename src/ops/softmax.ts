/** softmax and logSoftmax along a dim, with their backward rules. */
import { defineOp, runOp } from './op.js';
import { normalizeDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { exp, mul, sub } from './elementwise.js';
import { assertFloat, wrap } from './util.js';

export function softmax(x: Tensor, dim: number): Tensor {
  assertFloat('softmax', x);
  const d = normalizeDim(dim, x.ndim, 'softmax');
  if (x.ndim === 0) return exp(sub(x, x));
  return runOp(SOFTMAX, [x], { dim: d });
}

const SOFTMAX = defineOp<{ dim: number }>({
  name: 'softmax',
  forward: ([x], { dim }) => wrap(x!.backend.kernels.softmax(x!, dim, false), x!.shape),
  // dx = y * (g - sum(g * y))
  backward: (g, [out], { dim }) => [mul(out!, sub(g, mul(g, out!).sum(dim, true)))],
  saves: (_inputs, out) => [out],
});

export function logSoftmax(x: Tensor, dim: number): Tensor {
  assertFloat('logSoftmax', x);
  const d = normalizeDim(dim, x.ndim, 'logSoftmax');
  if (x.ndim === 0) return sub(x, x);
  return runOp(LOG_SOFTMAX, [x], { dim: d });
}

const LOG_SOFTMAX = defineOp<{ dim: number }>({
  name: 'logSoftmax',
  forward: ([x], { dim }) => wrap(x!.backend.kernels.softmax(x!, dim, true), x!.shape),
  // dx = g - softmax * sum(g)
  backward: (g, [out], { dim }) => [sub(g, mul(exp(out!), g.sum(dim, true)))],
  saves: (_inputs, out) => [out],
});
