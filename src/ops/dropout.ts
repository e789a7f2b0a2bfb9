/** Inverted dropout: the mask is a kernel (dropoutMask), the product an ordinary mul. */
import type { Tensor } from '../tensor/tensor.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { mul } from './elementwise.js';
import { assertFloat, wrap } from './util.js';

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
