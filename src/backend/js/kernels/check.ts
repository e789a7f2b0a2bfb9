/**
 * Checks of tensor values that ops need before they can run (an index within its table, probabilities within [0, 1]).
 * They are kernels so that an op never reads values back itself: a device with host-visible memory checks at once, a
 * device that cannot may report the failure later.
 */
import type { View } from '../../device.js';
import { dataOf } from '../storage.js';
import { registerKernel } from '../../kernels.js';
import { stridedOffsets } from '../../../tensor/shape.js';

/**
 * Throws `fail(min, max)` when x's smallest value is below lo or its largest above hi. min and max are NaN where x
 * holds a NaN (as min() and max() give), which passes.
 */
export function assertRangeKernel(x: View, lo: number, hi: number, fail: (min: number, max: number) => Error): void {
  const src = dataOf(x);
  const offs = stridedOffsets(x.shape, x.strides, x.offset);
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < offs.length; i++) {
    const v = src[offs[i]];
    if (v !== v) return;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (offs.length > 0 && (min < lo || max > hi)) throw fail(min, max);
}

registerKernel('assertRange', 'js', (_d, x, lo, hi, fail) => {
  assertRangeKernel(x, lo, hi, fail);
  return true;
});
