/**
 * The geometry of a 2-D convolution, computed here once for the op (output size, checks) and for every device's
 * kernels (im2col sizes, chunking).
 */
import type { Shape } from '../tensor/shape.js';
import type { Conv2dParams } from './kernels.js';

/** Conv output size along one dim (PyTorch's formula). */
export function convOutSize(n: number, k: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((n + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

/** [OH, OW] of conv2d of an input [N,C,H,W] with a weight [O,Cg,kH,kW]. */
export function conv2dOutputSize(xShape: Shape, wShape: Shape, p: Conv2dParams): [number, number] {
  return [
    convOutSize(xShape[2], wShape[2], p.stride[0], p.padding[0], p.dilation[0]),
    convOutSize(xShape[3], wShape[3], p.stride[1], p.padding[1], p.dilation[1]),
  ];
}

export interface ConvGeometry {
  N: number; C: number; H: number; W: number;
  O: number; kH: number; kW: number;
  OH: number; OW: number;
  sH: number; sW: number; pH: number; pW: number; dH: number; dW: number;
  G: number; Cg: number; Og: number;
  /** rows of a group's column matrix: Cg*kH*kW */
  R: number;
  /** output positions per sample: OH*OW */
  L: number;
}

/**
 * The geometry of a conv2d from xShape with weight wShape to an output of OH x OW. The backward kernels pass
 * gradOut's size rather than recomputing it, so they also serve transposed convolution, whose output size (with
 * outputPadding) is not the conv formula's.
 */
export function convGeometry(xShape: Shape, wShape: Shape, OH: number, OW: number, p: Conv2dParams): ConvGeometry {
  const [N, C, H, W] = xShape;
  const [O, , kH, kW] = wShape;
  const G = p.groups;
  const Cg = C / G;
  return {
    N, C, H, W, O, kH, kW, OH, OW,
    sH: p.stride[0], sW: p.stride[1], pH: p.padding[0], pW: p.padding[1], dH: p.dilation[0], dW: p.dilation[1],
    G, Cg, Og: O / G, R: Cg * kH * kW, L: OH * OW,
  };
}

/**
 * Samples per im2col chunk: about 1024 GEMM columns (small feature maps still get efficient products), the column
 * matrix at most ~4M elements, at least one sample.
 */
export function convChunkSamples(g: ConvGeometry): number {
  const L = Math.max(g.L, 1);
  const nb = Math.max(1, Math.ceil(1024 / L));
  const cap = Math.floor((1 << 22) / Math.max(1, g.R * L));
  return Math.min(nb, Math.max(1, cap), Math.max(1, g.N));
}

/** A 1x1 convolution with stride 1 and no padding: a plain product per sample, no im2col. */
export function isPointwise(g: ConvGeometry): boolean {
  return g.kH === 1 && g.kW === 1 && g.sH === 1 && g.sW === 1 && g.pH === 0 && g.pW === 0 && g.OH === g.H && g.OW === g.W;
}
