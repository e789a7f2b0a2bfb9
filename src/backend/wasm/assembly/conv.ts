/**
 * Convolution helpers (float32, dense NCHW): im2col and its adjoint col2im for one group of a chunk of samples, and
 * the [A, B, L] <-> [B, A, L] row shuffle that moves between the GEMM's channel-major layout and NCHW.
 *
 * geometry (i32[16] at g): N, C, H, W, kH, kW, OH, OW, sH, sW, pH, pW, dH, dW, Cg, L
 * The column matrix of `nb` samples is [Cg*kH*kW, nb*L]: col[(c*kH+kh)*kW+kw][n*L + oh*OW + ow]
 *   = x[n, grp*Cg + c, oh*sH - pH + kh*dH, ow*sW - pW + kw*dW] (zero in the padding).
 */
import { copyBytes, zeroBytes } from './mem';

// @ts-ignore: decorator
@inline function gi(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/** [lo, hi): output columns whose input column o*stride + kOff lies in [0, inSize). */
// @ts-ignore: decorator
@inline function lowBound(kOff: i32, stride: i32, outSize: i32): i32 {
  // smallest o >= 0 with o*stride + kOff >= 0
  if (kOff >= 0) return 0;
  return min(outSize, (-kOff + stride - 1) / stride);
}
// @ts-ignore: decorator
@inline function highBound(kOff: i32, stride: i32, inSize: i32, outSize: i32): i32 {
  // largest o with o*stride + kOff <= inSize - 1, plus one
  const lim = inSize - 1 - kOff;
  if (lim < 0) return 0;
  return min(outSize, lim / stride + 1);
}

/** One row segment of im2col: col[ow] = x[ow*sW] for ow in [lo, hi), zero elsewhere in [0, OW). */
// @ts-ignore: decorator
@inline function gatherRow(cp: usize, xp: usize, lo: i32, hi: i32, sW: i32, OW: i32): void {
  if (lo > 0) zeroBytes(cp, <usize>lo << 2);
  if (sW == 1) {
    if (hi > lo) copyBytes(cp + (<usize>lo << 2), xp + (<usize>lo << 2), <usize>(hi - lo) << 2);
  } else {
    for (let ow = lo; ow < hi; ow++) store<f32>(cp + (<usize>ow << 2), load<f32>(xp + ((<usize>ow * <usize>sW) << 2)));
  }
  if (hi < OW) zeroBytes(cp + (<usize>hi << 2), <usize>(OW - hi) << 2);
}

/** One row segment of col2im: x[ow*sW] += col[ow] for ow in [lo, hi). */
// @ts-ignore: decorator
@inline function scatterAddRow(xp: usize, cp: usize, lo: i32, hi: i32, sW: i32): void {
  if (sW == 1) {
    let ow = lo;
    for (; ow + 4 <= hi; ow += 4) {
      const o = <usize>ow << 2;
      v128.store(xp + o, f32x4.add(v128.load(xp + o), v128.load(cp + o)));
    }
    for (; ow < hi; ow++) {
      const o = <usize>ow << 2;
      store<f32>(xp + o, load<f32>(xp + o) + load<f32>(cp + o));
    }
  } else {
    for (let ow = lo; ow < hi; ow++) {
      const d = xp + ((<usize>ow * <usize>sW) << 2);
      store<f32>(d, load<f32>(d) + load<f32>(cp + (<usize>ow << 2)));
    }
  }
}

/**
 * The loop im2col and col2im share: every row segment of the column matrix (one kernel tap, sample and output row)
 * with the input row it reads (im2col) or adds into (col2im, `adjoint`); rows in the vertical padding read as zero
 * and take nothing.
 */
// @ts-ignore: decorator
@inline function unfold(x: usize, nb: i32, grp: i32, g: usize, col: usize, adjoint: bool): void {
  const C = gi(g, 1), H = gi(g, 2), W = gi(g, 3), kH = gi(g, 4), kW = gi(g, 5), OH = gi(g, 6), OW = gi(g, 7);
  const sH = gi(g, 8), sW = gi(g, 9), pH = gi(g, 10), pW = gi(g, 11), dH = gi(g, 12), dW = gi(g, 13), Cg = gi(g, 14), L = gi(g, 15);
  const cols = <usize>nb * <usize>L;
  const HW = <usize>H * <usize>W;
  for (let c = 0; c < Cg; c++) {
    for (let kh = 0; kh < kH; kh++) {
      const hOff = kh * dH - pH;
      for (let kw = 0; kw < kW; kw++) {
        const wOff = kw * dW - pW;
        const lo = lowBound(wOff, sW, OW);
        const hi = max(lo, highBound(wOff, sW, W, OW));
        const row = col + ((<usize>((c * kH + kh) * kW + kw) * cols) << 2);
        for (let n = 0; n < nb; n++) {
          const plane = x + (((<usize>n * <usize>C + <usize>(grp * Cg + c)) * HW) << 2);
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sH + hOff;
            const cp = row + ((<usize>n * <usize>L + <usize>(oh * OW)) << 2);
            if (ih < 0 || ih >= H) {
              if (!adjoint) zeroBytes(cp, <usize>OW << 2);
              continue;
            }
            const xp = plane + ((<usize>ih * <usize>W) << 2) + (<isize>wOff << 2);
            if (adjoint) scatterAddRow(xp, cp, lo, hi, sW);
            else gatherRow(cp, xp, lo, hi, sW, OW);
          }
        }
      }
    }
  }
}

/** Unfolds group grp of x [nb, C, H, W] into col [Cg*kH*kW, nb*L]. */
export function im2col(x: usize, nb: i32, grp: i32, g: usize, col: usize): void {
  unfold(x, nb, grp, g, col, false);
}

/** Adds col [Cg*kH*kW, nb*L] into dx [nb, C, H, W] at group grp's channels (the adjoint of im2col). */
export function col2im(col: usize, nb: i32, grp: i32, g: usize, dx: usize): void {
  unfold(dx, nb, grp, g, col, true);
}

/** dst[b][a][:] = src[a][b][:] for src [A, B, L] (float32). */
export function swap01(A: i32, B: i32, L: i32, src: usize, dst: usize): void {
  const rowB = <usize>L << 2;
  for (let a = 0; a < A; a++) {
    for (let b = 0; b < B; b++) {
      copyBytes(dst + (<usize>b * <usize>A + <usize>a) * rowB, src + (<usize>a * <usize>B + <usize>b) * rowB, rowB);
    }
  }
}
