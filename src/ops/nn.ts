/** Neural-network primitives that are not convolutions or pooling: softmax family, dropout, embedding, one-hot. */
import { defineOp, runOp } from './op.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeDim, shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { cast, eq, exp, mul, sub } from './elementwise.js';
import { arange } from '../tensor/creation.js';
import { wrap } from './util.js';

function assertFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: needs a floating point tensor, got ${x.dtype}`);
}

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

export interface DropoutOptions {
  /** Probability of zeroing an element (default 0.5). */
  p?: number;
  /** Dropout only acts in training (default true); in eval it is the identity. */
  training?: boolean;
  /** Random source; the global generator (manualSeed) by default. */
  generator?: Generator;
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p) (inverted dropout, as PyTorch). */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  const { p = 0.5, training = true, generator = defaultGenerator } = options;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: probability must be in [0, 1], got ${p}`);
  assertFloat('dropout', x);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const mask = x.backend.kernels.dropoutMask(x.size, x.dtype as 'float32' | 'float64', p, generator);
  return mul(x, wrap(mask, x.shape));
}

/** Looks up rows of `weight` [numEmbeddings, dim] for int32 indices of any shape -> [...indices.shape, dim]. */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  if (indices.dtype !== 'int32') throw new TypeError(`embedding: indices must be int32, got ${indices.dtype}`);
  if (weight.ndim !== 2) throw new RangeError(`embedding: weight must be 2-D [numEmbeddings, dim], got shape ${shapeStr(weight.shape)}`);
  const n = weight.shape[0];
  indices.backend.kernels.assertRange(indices, 0, n - 1, (lo, hi) =>
    new RangeError(`embedding: index ${hi >= n ? hi : lo} is out of bounds for dimension of size ${n} (the rows of weight ${shapeStr(weight.shape)})`));
  return weight.indexSelect(0, indices.reshape([-1])).reshape([...indices.shape, weight.shape[1]]);
}

/** int32 indices -> int32 one-hot vectors of length numClasses (inferred as max+1 when omitted). */
export function oneHot(indices: Tensor, numClasses?: number): Tensor {
  if (indices.dtype !== 'int32') throw new TypeError(`oneHot: indices must be int32, got ${indices.dtype}`);
  const n = numClasses ?? (indices.size ? indices.max().item() + 1 : 0);
  indices.backend.kernels.assertRange(indices, 0, n - 1, (lo, hi) => new RangeError(`oneHot: class values must be in [0, ${n}), got values from ${lo} to ${hi}`));
  return cast(eq(indices.unsqueeze(-1), arange(n, { dtype: 'int32' })), 'int32');
}
