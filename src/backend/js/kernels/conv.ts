/**
 * 2-D convolution (cross-correlation, as PyTorch) for the reference backend, by im2col + GEMM.
 *
 * Work is done in chunks of samples: a chunk of the input is gathered (through its strides, so views need no prior
 * copy) into float64 scratch, unfolded into a column matrix col[(c,kh,kw), (n,oh,ow)] per group, and multiplied:
 *   forward           out_g[Og, n*L]   = W_g[Og, Cg*kH*kW] col_g
 *   input gradient    dcol_g           = W_g^T gOut_g, then folded back (col2im, summing overlaps) into dx
 *   weight gradient   dW_g            += gOut_g col_g^T
 * A chunk holds enough samples that the GEMM's long dimension has about 1024 columns (small feature maps still get
 * efficient products), bounded so the column matrix stays a few megabytes.
 *
 * The backward kernels take the output size from gradOut's shape rather than recomputing it, so they also serve
 * transposed convolution, whose output size (with outputPadding) is not the conv formula's.
 */
import { type Conv2dParams, registerKernel } from '../../kernels.js';
import type { View } from '../../device.js';
import { type TypedArray, typedArrayFor } from '../../../tensor/dtype.js';
import type { Shape } from '../../../tensor/shape.js';
import { dataOf } from '../storage.js';
import { gemm } from './gemm.js';
import { type ConvGeometry, conv2dOutputSize, convChunkSamples, convGeometry } from '../../conv-geometry.js';

/**
 * Copies a 4-D strided block into dense float64 (row-major over d0..d3): dst[dOff + ((i0*d1 + i1)*d2 + i2)*d3 + i3]
 * = src[off + i0*s0 + i1*s1 + i2*s2 + i3*s3].
 */
function gather4(
  src: TypedArray, off: number, s0: number, s1: number, s2: number, s3: number,
  d0: number, d1: number, d2: number, d3: number, dst: Float64Array, dOff: number,
): void {
  let o = dOff;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        const base = off + i0 * s0 + i1 * s1 + i2 * s2;
        if (s3 === 1) {
          for (let i3 = 0; i3 < d3; i3++) dst[o++] = src[base + i3];
        } else {
          for (let i3 = 0; i3 < d3; i3++) dst[o++] = src[base + i3 * s3];
        }
      }
    }
  }
}

/** The weight as a dense float64 [O, Cg*kH*kW] matrix. */
function weightMatrix(w: View): Float64Array {
  const [O, Cg, kH, kW] = w.shape;
  const out = new Float64Array(O * Cg * kH * kW);
  gather4(dataOf(w), w.offset, w.strides[0], w.strides[1], w.strides[2], w.strides[3], O, Cg, kH, kW, out, 0);
  return out;
}

/** Gathers samples n0..n0+nb of x [N,C,H,W] into dense float64 [nb,C,H,W]. */
function gatherInput(x: View, n0: number, nb: number, g: ConvGeometry, dst: Float64Array): void {
  const s = x.strides;
  gather4(dataOf(x), x.offset + n0 * s[0], s[0], s[1], s[2], s[3], nb, g.C, g.H, g.W, dst, 0);
}

/** Gathers samples n0..n0+nb of gradOut [N,O,OH,OW] into dense float64 laid out [O, nb, OH*OW] (channel-major). */
function gatherGradOut(gOut: View, n0: number, nb: number, g: ConvGeometry, dst: Float64Array): void {
  const s = gOut.strides;
  gather4(dataOf(gOut), gOut.offset + n0 * s[0], s[1], s[0], s[2], s[3], g.O, nb, g.OH, g.OW, dst, 0);
}

/** Valid output columns [lo, hi) for kernel column kw: those whose input column lies inside [0, W). */
function validRange(kOff: number, stride: number, inSize: number, outSize: number): [number, number] {
  // input index = o*stride + kOff
  const lo = Math.min(outSize, Math.max(0, Math.ceil(-kOff / stride)));
  const hi = Math.max(lo, Math.min(outSize, Math.floor((inSize - 1 - kOff) / stride) + 1));
  return [lo, hi];
}

/**
 * The loop im2col and col2im share: every row segment of the column matrix [R, nb*L] (one kernel tap, sample and
 * output row) with the input row of the dense chunk x [nb,C,H,W] it reads (`adjoint` false: col[(c*kH+kh)*kW+kw][n*L +
 * oh*OW + ow] = x[n, grp*Cg + c, oh*sH - pH + kh*dH, ow*sW - pW + kw*dW], zero where that falls in the padding) or adds
 * into (`adjoint` true: x += that entry).
 */
function unfold(x: Float64Array, nb: number, grp: number, g: ConvGeometry, col: Float64Array, adjoint: boolean): void {
  const { C, H, W, kH, kW, OH, OW, sH, sW, pH, pW, dH, dW, Cg, L } = g;
  const cols = nb * L;
  const HW = H * W;
  for (let c = 0; c < Cg; c++) {
    for (let kh = 0; kh < kH; kh++) {
      const hOff = kh * dH - pH;
      for (let kw = 0; kw < kW; kw++) {
        const wOff = kw * dW - pW;
        const [lo, hi] = validRange(wOff, sW, W, OW);
        const row = ((c * kH + kh) * kW + kw) * cols;
        for (let n = 0; n < nb; n++) {
          const plane = (n * C + grp * Cg + c) * HW;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sH + hOff;
            const cp = row + n * L + oh * OW;
            if (ih < 0 || ih >= H) {
              if (!adjoint) col.fill(0, cp, cp + OW);
              continue;
            }
            const xp = plane + ih * W + wOff;
            if (adjoint) {
              for (let ow = lo; ow < hi; ow++) x[xp + ow * sW] += col[cp + ow];
            } else {
              col.fill(0, cp, cp + lo);
              for (let ow = lo; ow < hi; ow++) col[cp + ow] = x[xp + ow * sW];
              col.fill(0, cp + hi, cp + OW);
            }
          }
        }
      }
    }
  }
}

/** Unfolds group `grp` of a dense input chunk xc [nb,C,H,W] into col [R, nb*L]. */
function im2col(xc: Float64Array, nb: number, grp: number, g: ConvGeometry, col: Float64Array): void {
  unfold(xc, nb, grp, g, col, false);
}

/** The adjoint of im2col: adds col [R, nb*L] into dense dx chunk [nb,C,H,W] at group `grp`'s channels. */
function col2im(col: Float64Array, nb: number, grp: number, g: ConvGeometry, dx: Float64Array): void {
  unfold(dx, nb, grp, g, col, true);
}

/** x: [N,C,H,W], w: [O,C/groups,kH,kW] -> [N,O,outH,outW]. */
export function conv2dKernel(x: View, w: View, p: Conv2dParams): TypedArray {
  const [OH, OW] = conv2dOutputSize(x.shape, w.shape, p);
  const g = convGeometry(x.shape, w.shape, OH, OW, p);
  const { N, C, H, W, O, G, Og, R, L } = g;
  const out = typedArrayFor(x.storage.dtype, N * O * L);
  if (out.length === 0) return out;
  const Wm = weightMatrix(w);
  const nbMax = convChunkSamples(g);
  const xc = new Float64Array(nbMax * C * H * W);
  const col = new Float64Array(R * nbMax * L);
  const res = new Float64Array(O * nbMax * L);
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0);
    const cols = nb * L;
    gatherInput(x, n0, nb, g, xc);
    for (let grp = 0; grp < G; grp++) {
      im2col(xc, nb, grp, g, col);
      gemm(false, false, Og, cols, R, Wm, grp * Og * R, R, col, 0, cols, res, grp * Og * cols, cols, false);
    }
    // res [O, nb, L] -> out [n0+n, O, L]
    for (let o = 0; o < O; o++) {
      for (let n = 0; n < nb; n++) {
        const src = (o * nb + n) * L;
        const dst = ((n0 + n) * O + o) * L;
        for (let l = 0; l < L; l++) out[dst + l] = res[src + l];
      }
    }
  }
  return out;
}

/** Gradient of conv2d with respect to its input, shaped `inputShape`; the output size is read from gradOut. */
export function conv2dBackwardInputKernel(gradOut: View, w: View, inputShape: Shape, p: Conv2dParams): TypedArray {
  const g = convGeometry(inputShape, w.shape, gradOut.shape[2], gradOut.shape[3], p);
  const { N, C, H, W, G, Og, R, L } = g;
  const out = typedArrayFor(gradOut.storage.dtype, N * C * H * W);
  if (out.length === 0 || L === 0) return out;
  const Wm = weightMatrix(w);
  const nbMax = convChunkSamples(g);
  const gs = new Float64Array(g.O * nbMax * L);
  const dcol = new Float64Array(R * nbMax * L);
  const dx = new Float64Array(nbMax * C * H * W);
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0);
    const cols = nb * L;
    gatherGradOut(gradOut, n0, nb, g, gs);
    const size = nb * C * H * W;
    dx.fill(0, 0, size);
    for (let grp = 0; grp < G; grp++) {
      gemm(true, false, R, cols, Og, Wm, grp * Og * R, R, gs, grp * Og * cols, cols, dcol, 0, cols, false);
      col2im(dcol, nb, grp, g, dx);
    }
    const base = n0 * C * H * W;
    for (let i = 0; i < size; i++) out[base + i] = dx[i];
  }
  return out;
}

/** Gradient of conv2d with respect to its weight, shaped `weightShape`; the output size is read from gradOut. */
export function conv2dBackwardWeightKernel(x: View, gradOut: View, weightShape: Shape, p: Conv2dParams): TypedArray {
  const g = convGeometry(x.shape, weightShape, gradOut.shape[2], gradOut.shape[3], p);
  const { N, C, H, W, O, G, Og, R, L } = g;
  const dW = new Float64Array(O * R);
  const out = typedArrayFor(x.storage.dtype, O * R);
  if (out.length === 0 || N === 0 || L === 0) return out;
  const nbMax = convChunkSamples(g);
  const xc = new Float64Array(nbMax * C * H * W);
  const col = new Float64Array(R * nbMax * L);
  const gs = new Float64Array(O * nbMax * L);
  for (let n0 = 0; n0 < N; n0 += nbMax) {
    const nb = Math.min(nbMax, N - n0);
    const cols = nb * L;
    gatherInput(x, n0, nb, g, xc);
    gatherGradOut(gradOut, n0, nb, g, gs);
    for (let grp = 0; grp < G; grp++) {
      im2col(xc, nb, grp, g, col);
      gemm(false, true, Og, R, cols, gs, grp * Og * cols, cols, col, 0, cols, dW, grp * Og * R, R, true);
    }
  }
  for (let i = 0; i < dW.length; i++) out[i] = dW[i];
  return out;
}

registerKernel('conv2d', 'js', (d, x, w, p) => d.adopt(conv2dKernel(x, w, p), x.storage.dtype));
registerKernel('conv2dBackwardInput', 'js', (d, gradOut, w, inputShape, p) =>
  d.adopt(conv2dBackwardInputKernel(gradOut, w, inputShape, p), gradOut.storage.dtype));
registerKernel('conv2dBackwardWeight', 'js', (d, x, gradOut, weightShape, p) =>
  d.adopt(conv2dBackwardWeightKernel(x, gradOut, weightShape, p), x.storage.dtype));
