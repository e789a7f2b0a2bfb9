/** Looking rows up by index (embedding) and one-hot vectors: index checks run as a kernel (assertRange). */
import { shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast, eq } from './elementwise.js';
import { arange } from '../tensor/creation.js';

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
