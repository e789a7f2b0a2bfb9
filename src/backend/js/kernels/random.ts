/** Random kernels of the reference backend, drawing from a Generator (the global one unless given their own). */
import { castScalar } from '../../../tensor/dtype.js';
import { type Generator, drawArray, uniformDraw } from '../../../tensor/random.js';
import { registerKernel } from '../../kernels.js';

/**
 * Dropout's mask of n values: 1/(1-p) where a uniform draw falls below 1-p, else 0, made in one pass over the draws.
 * The values of cast(rand < 1-p) / (1-p) with the scalars rounded to dtype as those ops round them.
 */
export function dropoutMaskKernel(n: number, dtype: 'float32' | 'float64', p: number, generator: Generator): Float32Array | Float64Array {
  const mask = drawArray(n, dtype, generator, uniformDraw, 1);
  const keepBelow = castScalar(1 - p, dtype);
  const scale = castScalar(1 / keepBelow, dtype);
  for (let i = 0; i < mask.length; i++) mask[i] = mask[i] < keepBelow ? scale : 0;
  return mask;
}

registerKernel('dropoutMask', 'js', (d, n, dtype, p, generator) => d.adopt(dropoutMaskKernel(n, dtype, p, generator), dtype));
