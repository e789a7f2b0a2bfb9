/** Image kernels of the reference backend. */
import type { View } from '../../device.js';
import { registerKernel } from '../../kernels.js';
import { type TypedArray, typedArrayFor } from '../../../tensor/dtype.js';
import { denseData } from '../storage.js';

/**
 * Each image n of x [N, C, H, W] moved by (dy[n], dx[n]) whole pixels (down and right for positive offsets), the
 * uncovered border zero.
 */
export function shiftImagesKernel(x: View, dy: Int32Array, dx: Int32Array): TypedArray {
  const [N, C, H, W] = x.shape;
  const src = denseData(x);
  const out = typedArrayFor(x.storage.dtype, src.length);
  const plane = H * W;
  for (let n = 0; n < N; n++) {
    const sy = dy[n], sx = dx[n];
    // destination rows/cols that have a source pixel
    const y0 = Math.max(0, sy), y1 = Math.min(H, H + sy);
    const x0 = Math.max(0, sx), x1 = Math.min(W, W + sx);
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * plane;
      for (let y = y0; y < y1; y++) {
        const d = base + y * W, s = base + (y - sy) * W - sx;
        out.set(src.subarray(s + x0, s + x1), d + x0);
      }
    }
  }
  return out;
}

registerKernel('shiftImages', 'js', (d, x, dy, dx) => d.adopt(shiftImagesKernel(x, dy, dx), x.storage.dtype));
