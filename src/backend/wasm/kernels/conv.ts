/**
 * 2-D convolution on the wasm device and both its gradients: im2col/col2im (../assembly/conv.ts) and the packed GEMM,
 * in chunks of samples; 1x1 stride-1 convolutions are plain products per sample.
 */
import type { View } from '../../device.js';
import type { Conv2dParams } from '../../kernels.js';
import { type ConvGeometry, conv2dOutputSize, convChunkSamples, convGeometry, isPointwise } from '../../conv-geometry.js';
import { type WasmDevice, isF32, registerWasmKernel } from '../device.js';
import type { Shape } from '../../../tensor/shape.js';

interface WasmConvGeometry extends ConvGeometry {
  /** the i32 table im2col/col2im read */
  readonly table: readonly number[];
  /** samples per chunk */
  readonly nb: number;
  /** a 1x1 stride-1 convolution */
  readonly pointwise: boolean;
}

/** The shared geometry plus what the wasm kernels take (built field by field: a spread of it cost ~1 us a call). */
function geometry(xShape: Shape, wShape: Shape, OH: number, OW: number, p: Conv2dParams): WasmConvGeometry {
  const g = convGeometry(xShape, wShape, OH, OW, p) as ConvGeometry & { table: number[]; nb: number; pointwise: boolean };
  g.table = [g.N, g.C, g.H, g.W, g.kH, g.kW, g.OH, g.OW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW, g.Cg, g.L];
  g.nb = convChunkSamples(g);
  g.pointwise = isPointwise(g);
  return g;
}

/** Bytes of scratch a chunk takes (column matrix and one chunk of the result or gradient). */
function scratchBytes(g: ConvGeometry & { nb: number }): number {
  return (g.R + g.O) * g.nb * g.L * 4;
}

/** Copies gradOut samples n0..n0+nb ([N,O,OH,OW], strided) into dense [O, nb, L] at dst. */
function gatherChannelMajor(d: WasmDevice, g: View, n0: number, nb: number, dst: number): void {
  const [, O, OH, OW] = g.shape;
  const s = g.strides;
  const v: View = { storage: g.storage, shape: [O, nb, OH, OW], strides: [s[1], s[0], s[2], s[3]], offset: g.offset + n0 * s[0] };
  d.copyDense(v, dst);
}

registerWasmKernel('conv2d', (d, x, w, p) => {
  if (!isF32(x, w)) return undefined;
  const [OH, OW] = conv2dOutputSize(x.shape, w.shape, p);
  const g = geometry(x.shape, w.shape, OH, OW, p);
  return d.produce('float32', g.N * g.O * g.L, [x, w], scratchBytes(g), (po) => {
    const px = d.dense(x), pw = d.dense(w);
    const CHW = g.C * g.H * g.W;
    if (g.R === 0) {
      d.heap.u8.fill(0, po, po + g.N * g.O * g.L * 4);
      return;
    }
    if (g.pointwise) {
      for (let n = 0; n < g.N; n++) {
        for (let grp = 0; grp < g.G; grp++) {
          d.gemm(g.Og, g.L, g.Cg, pw + grp * g.Og * g.R * 4, g.R, 1, px + (n * CHW + grp * g.Cg * g.L) * 4, g.L, 1,
            po + (n * g.O + grp * g.Og) * g.L * 4, g.L, false);
        }
      }
      return;
    }
    const geo = d.table(g.table);
    const col = d.tmp(g.R * g.nb * g.L * 4);
    const res = g.nb > 1 ? d.tmp(g.O * g.nb * g.L * 4) : 0;
    for (let n0 = 0; n0 < g.N; n0 += g.nb) {
      const nb = Math.min(g.nb, g.N - n0);
      const cols = nb * g.L;
      // with one sample the GEMM writes [O, L] straight into the output
      const dst = nb === 1 ? po + n0 * g.O * g.L * 4 : res;
      for (let grp = 0; grp < g.G; grp++) {
        d.k.im2col(px + n0 * CHW * 4, nb, grp, geo, col);
        d.gemm(g.Og, cols, g.R, pw + grp * g.Og * g.R * 4, g.R, 1, col, cols, 1, dst + grp * g.Og * cols * 4, cols, false);
      }
      if (nb > 1) d.k.swap01(g.O, nb, g.L, res, po + n0 * g.O * g.L * 4);
    }
  });
});

registerWasmKernel('conv2dBackwardInput', (d, gradOut, w, inputShape, p) => {
  if (!isF32(gradOut, w)) return undefined;
  const g = geometry(inputShape, w.shape, gradOut.shape[2], gradOut.shape[3], p);
  const total = g.N * g.C * g.H * g.W;
  return d.produce('float32', total, [gradOut, w], scratchBytes(g), (po) => {
    d.heap.u8.fill(0, po, po + total * 4);
    if (g.L === 0 || g.N === 0) return;
    const pw = d.dense(w);
    const CHW = g.C * g.H * g.W;
    if (g.pointwise) {
      // dx[n, grp] = W_g^T gOut[n, grp]
      const pg = d.dense(gradOut);
      for (let n = 0; n < g.N; n++) {
        for (let grp = 0; grp < g.G; grp++) {
          d.gemm(g.Cg, g.L, g.Og, pw + grp * g.Og * g.R * 4, 1, g.R, pg + (n * g.O + grp * g.Og) * g.L * 4, g.L, 1,
            po + (n * CHW + grp * g.Cg * g.L) * 4, g.L, false);
        }
      }
      return;
    }
    const geo = d.table(g.table);
    const gs = d.tmp(g.O * g.nb * g.L * 4);
    const dcol = d.tmp(g.R * g.nb * g.L * 4);
    for (let n0 = 0; n0 < g.N; n0 += g.nb) {
      const nb = Math.min(g.nb, g.N - n0);
      const cols = nb * g.L;
      gatherChannelMajor(d, gradOut, n0, nb, gs);
      for (let grp = 0; grp < g.G; grp++) {
        d.gemm(g.R, cols, g.Og, pw + grp * g.Og * g.R * 4, 1, g.R, gs + grp * g.Og * cols * 4, cols, 1, dcol, cols, false);
        d.k.col2im(dcol, nb, grp, geo, po + n0 * CHW * 4);
      }
    }
  });
});

registerWasmKernel('conv2dBackwardWeight', (d, x, gradOut, weightShape, p) => {
  if (!isF32(x, gradOut)) return undefined;
  const g = geometry(x.shape, weightShape, gradOut.shape[2], gradOut.shape[3], p);
  const total = g.O * g.R;
  return d.produce('float32', total, [x, gradOut], scratchBytes(g), (po) => {
    if (g.N === 0 || g.L === 0) {
      d.heap.u8.fill(0, po, po + total * 4);
      return;
    }
    const px = d.dense(x);
    const CHW = g.C * g.H * g.W;
    if (g.pointwise) {
      // dW_g += gOut[n, grp] x[n, grp]^T
      const pg = d.dense(gradOut);
      for (let n = 0; n < g.N; n++) {
        for (let grp = 0; grp < g.G; grp++) {
          d.gemm(g.Og, g.Cg, g.L, pg + (n * g.O + grp * g.Og) * g.L * 4, g.L, 1, px + (n * CHW + grp * g.Cg * g.L) * 4, 1, g.L,
            po + grp * g.Og * g.R * 4, g.R, n > 0);
        }
      }
      return;
    }
    const geo = d.table(g.table);
    const gs = d.tmp(g.O * g.nb * g.L * 4);
    const col = d.tmp(g.R * g.nb * g.L * 4);
    for (let n0 = 0; n0 < g.N; n0 += g.nb) {
      const nb = Math.min(g.nb, g.N - n0);
      const cols = nb * g.L;
      gatherChannelMajor(d, gradOut, n0, nb, gs);
      for (let grp = 0; grp < g.G; grp++) {
        d.k.im2col(px + n0 * CHW * 4, nb, grp, geo, col);
        d.gemm(g.Og, g.R, cols, gs + grp * g.Og * cols * 4, cols, 1, col, 1, cols, po + grp * g.Og * g.R * 4, g.R, n0 > 0);
      }
    }
  });
});
