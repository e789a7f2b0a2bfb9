/**
 * Pooling over [N,C,H,W] for the reference backend, window for window as PyTorch's CPU kernels compute them
 * (window bounds, NaN propagation in max pooling, the divisor of average pooling), reading inputs through strides.
 */
import { type Pool2dParams, registerKernel } from '../../kernels.js';
import type { View } from '../../device.js';
import { type TypedArray, typedArrayFor } from '../../../tensor/dtype.js';
import type { Shape } from '../../../tensor/shape.js';
import { dataOf } from '../storage.js';

/**
 * Max pooling. indices hold the flat position ih*W + iw of each maximum inside its input plane. A NaN in a window
 * wins (and propagates), as in PyTorch.
 */
export function maxPool2dKernel(x: View, p: Pool2dParams, OH: number, OW: number): { out: TypedArray; indices: Int32Array } {
  const [N, C, H, W] = x.shape;
  const [kH, kW] = p.kernel;
  const [sH, sW] = p.stride;
  const [pH, pW] = p.padding;
  const [dH, dW] = p.dilation;
  const src = dataOf(x);
  const [xsN, xsC, xsH, xsW] = x.strides;
  const out = typedArrayFor(x.storage.dtype, N * C * OH * OW);
  const indices = new Int32Array(N * C * OH * OW);
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const plane = x.offset + n * xsN + c * xsC;
      for (let oh = 0; oh < OH; oh++) {
        let h0 = oh * sH - pH;
        const h1 = Math.min(h0 + (kH - 1) * dH + 1, H);
        while (h0 < 0) h0 += dH;
        for (let ow = 0; ow < OW; ow++) {
          let w0 = ow * sW - pW;
          const w1 = Math.min(w0 + (kW - 1) * dW + 1, W);
          while (w0 < 0) w0 += dW;
          let best = -Infinity;
          let bestIdx = h0 * W + w0;
          for (let ih = h0; ih < h1; ih += dH) {
            const row = plane + ih * xsH;
            for (let iw = w0; iw < w1; iw += dW) {
              const v = src[row + iw * xsW];
              if (v > best || v !== v) {
                best = v;
                bestIdx = ih * W + iw;
              }
            }
          }
          out[o] = best;
          indices[o] = bestIdx;
          o++;
        }
      }
    }
  }
  return { out, indices };
}

/** Routes each output gradient to the input position its index names (summing where windows share a maximum). */
export function maxPool2dBackwardKernel(gradOut: View, indices: View, inputShape: Shape): TypedArray {
  const [N, C, H, W] = inputShape;
  const [, , OH, OW] = gradOut.shape;
  const g = dataOf(gradOut), idx = dataOf(indices);
  const [gsN, gsC, gsH, gsW] = gradOut.strides;
  const [isN, isC, isH, isW] = indices.strides;
  const HW = H * W;
  const out = typedArrayFor(gradOut.storage.dtype, N * C * HW);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const gp = gradOut.offset + n * gsN + c * gsC;
      const ip = indices.offset + n * isN + c * isC;
      const base = (n * C + c) * HW;
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const k = idx[ip + oh * isH + ow * isW];
          if (k >= 0 && k < HW) out[base + k] += g[gp + oh * gsH + ow * gsW];
        }
      }
    }
  }
  return out;
}

/**
 * Window [h0,h1) x [w0,w1) clipped to the input, and its divisor: the clipped window's size, or (countIncludePad)
 * its size clipped to the padded input only. Returns false when the window holds no input element.
 */
interface Window { h0: number; h1: number; w0: number; w1: number; div: number }

function avgWindow(oh: number, ow: number, H: number, W: number, p: Pool2dParams, win: Window): boolean {
  const [kH, kW] = p.kernel;
  const [sH, sW] = p.stride;
  const [pH, pW] = p.padding;
  let h0 = oh * sH - pH, w0 = ow * sW - pW;
  let h1 = Math.min(h0 + kH, H + pH), w1 = Math.min(w0 + kW, W + pW);
  const poolSize = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, H);
  w1 = Math.min(w1, W);
  if (h0 >= h1 || w0 >= w1) return false;
  win.h0 = h0; win.h1 = h1; win.w0 = w0; win.w1 = w1;
  win.div = p.countIncludePad ? poolSize : (h1 - h0) * (w1 - w0);
  return true;
}

/** Average pooling (dilation is not part of average pooling and is ignored). */
export function avgPool2dKernel(x: View, p: Pool2dParams, OH: number, OW: number): TypedArray {
  const [N, C, H, W] = x.shape;
  const src = dataOf(x);
  const [xsN, xsC, xsH, xsW] = x.strides;
  const out = typedArrayFor(x.storage.dtype, N * C * OH * OW);
  const win: Window = { h0: 0, h1: 0, w0: 0, w1: 0, div: 1 };
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const plane = x.offset + n * xsN + c * xsC;
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++, o++) {
          if (!avgWindow(oh, ow, H, W, p, win)) continue;
          let s = 0;
          for (let ih = win.h0; ih < win.h1; ih++) {
            const row = plane + ih * xsH;
            for (let iw = win.w0; iw < win.w1; iw++) s += src[row + iw * xsW];
          }
          out[o] = s / win.div;
        }
      }
    }
  }
  return out;
}

/** Spreads each output gradient evenly (by the same divisor) over its window; the output size is read from gradOut. */
export function avgPool2dBackwardKernel(gradOut: View, inputShape: Shape, p: Pool2dParams): TypedArray {
  const [N, C, H, W] = inputShape;
  const [, , OH, OW] = gradOut.shape;
  const g = dataOf(gradOut);
  const [gsN, gsC, gsH, gsW] = gradOut.strides;
  const HW = H * W;
  const acc = new Float64Array(HW);
  const out = typedArrayFor(gradOut.storage.dtype, N * C * HW);
  const win: Window = { h0: 0, h1: 0, w0: 0, w1: 0, div: 1 };
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const gp = gradOut.offset + n * gsN + c * gsC;
      acc.fill(0);
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          if (!avgWindow(oh, ow, H, W, p, win)) continue;
          const v = g[gp + oh * gsH + ow * gsW] / win.div;
          for (let ih = win.h0; ih < win.h1; ih++) {
            const row = ih * W;
            for (let iw = win.w0; iw < win.w1; iw++) acc[row + iw] += v;
          }
        }
      }
      out.set(acc, (n * C + c) * HW);
    }
  }
  return out;
}

/** Adaptive window o of n -> size: [floor(o*n/size), ceil((o+1)*n/size)). */
function adaptiveStart(o: number, inSize: number, outSize: number): number {
  return Math.floor((o * inSize) / outSize);
}
function adaptiveEnd(o: number, inSize: number, outSize: number): number {
  return Math.floor(((o + 1) * inSize + outSize - 1) / outSize);
}

export function adaptiveAvgPool2dKernel(x: View, OH: number, OW: number): TypedArray {
  const [N, C, H, W] = x.shape;
  const src = dataOf(x);
  const [xsN, xsC, xsH, xsW] = x.strides;
  const out = typedArrayFor(x.storage.dtype, N * C * OH * OW);
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const plane = x.offset + n * xsN + c * xsC;
      for (let oh = 0; oh < OH; oh++) {
        const h0 = adaptiveStart(oh, H, OH), h1 = adaptiveEnd(oh, H, OH);
        for (let ow = 0; ow < OW; ow++, o++) {
          const w0 = adaptiveStart(ow, W, OW), w1 = adaptiveEnd(ow, W, OW);
          let s = 0;
          for (let ih = h0; ih < h1; ih++) {
            const row = plane + ih * xsH;
            for (let iw = w0; iw < w1; iw++) s += src[row + iw * xsW];
          }
          out[o] = s / ((h1 - h0) * (w1 - w0));
        }
      }
    }
  }
  return out;
}

export function adaptiveAvgPool2dBackwardKernel(gradOut: View, inputShape: Shape): TypedArray {
  const [N, C, H, W] = inputShape;
  const [, , OH, OW] = gradOut.shape;
  const g = dataOf(gradOut);
  const [gsN, gsC, gsH, gsW] = gradOut.strides;
  const HW = H * W;
  const acc = new Float64Array(HW);
  const out = typedArrayFor(gradOut.storage.dtype, N * C * HW);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const gp = gradOut.offset + n * gsN + c * gsC;
      acc.fill(0);
      for (let oh = 0; oh < OH; oh++) {
        const h0 = adaptiveStart(oh, H, OH), h1 = adaptiveEnd(oh, H, OH);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = adaptiveStart(ow, W, OW), w1 = adaptiveEnd(ow, W, OW);
          const v = g[gp + oh * gsH + ow * gsW] / ((h1 - h0) * (w1 - w0));
          for (let ih = h0; ih < h1; ih++) {
            const row = ih * W;
            for (let iw = w0; iw < w1; iw++) acc[row + iw] += v;
          }
        }
      }
      out.set(acc, (n * C + c) * HW);
    }
  }
  return out;
}

registerKernel('maxPool2d', 'js', (d, x, p, outH, outW) => {
  const { out, indices } = maxPool2dKernel(x, p, outH, outW);
  return { out: d.adopt(out, x.storage.dtype), indices: d.adopt(indices, 'int32') };
});
registerKernel('maxPool2dBackward', 'js', (d, gradOut, indices, inputShape) =>
  d.adopt(maxPool2dBackwardKernel(gradOut, indices, inputShape), gradOut.storage.dtype));
registerKernel('avgPool2d', 'js', (d, x, p, outH, outW) => d.adopt(avgPool2dKernel(x, p, outH, outW), x.storage.dtype));
registerKernel('avgPool2dBackward', 'js', (d, gradOut, inputShape, p) =>
  d.adopt(avgPool2dBackwardKernel(gradOut, inputShape, p), gradOut.storage.dtype));
registerKernel('adaptiveAvgPool2d', 'js', (d, x, outH, outW) => d.adopt(adaptiveAvgPool2dKernel(x, outH, outW), x.storage.dtype));
registerKernel('adaptiveAvgPool2dBackward', 'js', (d, gradOut, inputShape) =>
  d.adopt(adaptiveAvgPool2dBackwardKernel(gradOut, inputShape), gradOut.storage.dtype));
