/**
 * Convolutions (NCHW, cross-correlation as PyTorch): conv2d, conv1d (a conv2d over a height-1 image) and
 * convTranspose2d (the adjoint of conv2d: its forward is conv2d's input gradient and vice versa).
 * Unbatched inputs ([C,H,W] / [C,L]) are accepted like PyTorch and give unbatched outputs.
 */
import { defineOp, runOp } from './op.js';
import type { Conv2dParams } from '../backend/backend.js';
import { conv2dOutputSize, convOutSize } from '../backend/conv-geometry.js';
import { freeNow } from '../memory/lifetime.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { add } from './elementwise.js';
import { contiguous, pad, slice } from './shape.js';
import { assertSameBackend, assertTensor, wrap } from './util.js';

export type IntPair = number | readonly [number, number];

/** How conv1d/conv2d slide their kernel over the input. */
export interface ConvGeometryOptions {
  stride?: IntPair;
  /** Zero padding per side, or 'valid' (none) / 'same' (output size = input size; stride must be 1). */
  padding?: IntPair | 'same' | 'valid';
  dilation?: IntPair;
  groups?: number;
}

export interface ConvTransposeOptions {
  stride?: IntPair;
  padding?: IntPair;
  /**
   * Extra rows/columns on one side of the output, to pick among the sizes a strided conv maps to one size; in each dim
   * smaller than the stride or than the dilation (PyTorch's rule).
   */
  outputPadding?: IntPair;
  dilation?: IntPair;
  groups?: number;
}

/** Expands an int-or-pair option, checking each value is an integer >= min. */
export function pair(op: string, name: string, v: IntPair, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || !p.every((n) => Number.isInteger(n) && n >= min)) {
    throw new RangeError(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

function checkConvInputs(op: string, x: Tensor, w: Tensor, bias: Tensor | null | undefined, dims: number): void {
  assertTensor(x, op);
  assertTensor(w, op, 'weight');
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: needs a floating point input, got ${x.dtype}`);
  if (w.dtype !== x.dtype) throw new TypeError(`${op}: input is ${x.dtype} but weight is ${w.dtype}`);
  if (w.ndim !== dims + 2) {
    throw new RangeError(`${op}: weight must be ${dims + 2}-D, got shape ${shapeStr(w.shape)}`);
  }
  if (x.ndim !== dims + 1 && x.ndim !== dims + 2) {
    throw new RangeError(`${op}: expected a ${dims + 1}-D (unbatched) or ${dims + 2}-D (batched) input, got shape ${shapeStr(x.shape)}`);
  }
  if (bias) {
    assertTensor(bias, op, 'bias');
    if (bias.dtype !== x.dtype) throw new TypeError(`${op}: input is ${x.dtype} but bias is ${bias.dtype}`);
    assertSameBackend(op, x, w, bias);
  } else {
    assertSameBackend(op, x, w);
  }
}

function checkBias(op: string, bias: Tensor | null | undefined, C: number): void {
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== C)) {
    throw new RangeError(`${op}: bias must have shape [${C}] (one per output channel), got ${shapeStr(bias.shape)}`);
  }
}

function addChannelBias(op: string, out: Tensor, bias: Tensor | null | undefined): Tensor {
  if (!bias) return out;
  const C = out.shape[1];
  checkBias(op, bias, C);
  const biased = add(out, bias.reshape([1, C, 1, 1]));
  // `out` is the convolution's own fresh result, seen by no one else, and add's backward reads neither operand: its
  // memory can go now rather than when the garbage collector finds it
  freeNow(out.storage, 'a convolution result before its bias was added');
  return biased;
}

/** 2-D convolution of x [N,C,H,W] with weight [O, C/groups, kH, kW] and optional bias [O]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvGeometryOptions = {}): Tensor {
  const op = 'conv2d';
  checkConvInputs(op, x, weight, bias, 2);
  // errors show the caller's shape, also for an unbatched input
  if (x.ndim === 3) return conv2dBatched(x.unsqueeze(0), weight, bias, options, x.shape).squeeze(0);
  return conv2dBatched(x, weight, bias, options, x.shape);
}

function conv2dBatched(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: ConvGeometryOptions, shownX: readonly number[]): Tensor {
  const op = 'conv2d';
  const stride = pair(op, 'stride', options.stride ?? 1, 1);
  const dilation = pair(op, 'dilation', options.dilation ?? 1, 1);
  const groups = options.groups ?? 1;
  const [N, C, H, W] = x.shape;
  const [O, Cg, kH, kW] = weight.shape;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  if (C !== Cg * groups) {
    throw new RangeError(`${op}: input ${shapeStr(shownX)} has ${C} channels but weight ${shapeStr(weight.shape)} expects ${Cg * groups} (${Cg} per group x ${groups} groups)`);
  }
  if (O % groups !== 0) throw new RangeError(`${op}: ${O} output channels are not divisible by groups=${groups}`);

  let input = x;
  let padding: [number, number];
  const padOpt = options.padding ?? 0;
  if (padOpt === 'valid') {
    padding = [0, 0];
  } else if (padOpt === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) throw new RangeError(`${op}: padding='same' needs stride 1, got stride ${shapeStr(stride)}`);
    // Total padding d*(k-1) per dim; PyTorch puts the odd extra element at the end.
    const tH = dilation[0] * (kH - 1), tW = dilation[1] * (kW - 1);
    padding = [Math.floor(tH / 2), Math.floor(tW / 2)];
    if (tH % 2 || tW % 2) input = pad(x, [0, tW % 2, 0, tH % 2]);
  } else {
    padding = pair(op, 'padding', padOpt, 0);
  }
  const p: Conv2dParams = { stride, padding, dilation, groups };
  const [OH, OW] = conv2dOutputSize(input.shape, weight.shape, p);
  if (OH < 1 || OW < 1) {
    throw new RangeError(`${op}: input ${shapeStr(shownX)} is too small for kernel ${kH}x${kW} (dilation ${shapeStr(dilation)}, padding ${shapeStr(padding)}): output would be ${OH}x${OW}`);
  }
  void H; void W;
  const result = runOp(CONV2D, [input, weight], { ...p, outShape: [N, O, OH, OW] });
  return addChannelBias(op, result, bias);
}

/** The geometry of a convolution and its output's shape. */
type ConvAttrs = Conv2dParams & { readonly outShape: readonly number[] };

const CONV2D = defineOp<ConvAttrs>({
  name: 'conv2d',
  forward: ([x, w], p) => wrap(x!.backend.kernels.conv2d(x!, w!, p), p.outShape),
  backward: (g, [x, w], p, needs, inputs) => [
    needs[0] ? wrap(g.backend.kernels.conv2dBackwardInput(g, w!, inputs[0]!.shape, p), inputs[0]!.shape) : null,
    needs[1] ? wrap(g.backend.kernels.conv2dBackwardWeight(x!, g, inputs[1]!.shape, p), inputs[1]!.shape) : null,
  ],
  saves: ([x, w], _out, needs) => [needs[1] ? x : null, needs[0] ? w : null],
});

/**
 * 1-D convolution of x [N,C,L] (or unbatched [C,L]) with weight [O, C/groups, k]: a conv2d over a height-1 image,
 * with its arguments checked (and errors reported) in conv1d's own terms.
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvGeometryOptions = {}): Tensor {
  const op = 'conv1d';
  checkConvInputs(op, x, weight, bias, 1);
  const shownX = x.shape;
  const batched = x.ndim === 3 ? x : x.unsqueeze(0);
  const one = (name: string, v: IntPair | undefined, dflt: number, min: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number') throw new RangeError(`${op}: ${name} must be an integer, got ${JSON.stringify(v)}`);
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
    return v;
  };
  const stride = one('stride', options.stride, 1, 1);
  const dilation = one('dilation', options.dilation, 1, 1);
  const padOpt = options.padding;
  const padding = padOpt === 'same' || padOpt === 'valid' ? 0 : one('padding', padOpt, 0, 0);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  const [, C, L] = batched.shape;
  const [O, Cg, k] = weight.shape;
  if (C !== Cg * groups) {
    throw new RangeError(`${op}: input ${shapeStr(shownX)} has ${C} channels but weight ${shapeStr(weight.shape)} expects ${Cg * groups} (${Cg} per group x ${groups} groups)`);
  }
  if (O % groups !== 0) throw new RangeError(`${op}: ${O} output channels are not divisible by groups=${groups}`);
  if (padOpt === 'same' && stride !== 1) throw new RangeError(`${op}: padding='same' needs stride 1, got stride ${stride}`);
  if (padOpt !== 'same') {
    const outL = convOutSize(L, k, stride, padding, dilation);
    if (outL < 1) {
      throw new RangeError(`${op}: input ${shapeStr(shownX)} is too small for kernel ${k} (dilation ${dilation}, padding ${padding}): output would be ${outL}`);
    }
  }
  checkBias(op, bias, O);
  const out = conv2d(batched.unsqueeze(2), weight.unsqueeze(2), bias, {
    stride: [1, stride],
    padding: padOpt === 'same' || padOpt === 'valid' ? padOpt : [0, padding],
    dilation: [1, dilation],
    groups,
  }).squeeze(2);
  return x.ndim === 3 ? out : out.squeeze(0);
}

/**
 * Transposed 2-D convolution of x [N,Cin,H,W] with weight [Cin, Cout/groups, kH, kW] (PyTorch's layout);
 * output size (H-1)*stride - 2*padding + dilation*(k-1) + outputPadding + 1.
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTransposeOptions = {}): Tensor {
  const op = 'convTranspose2d';
  checkConvInputs(op, x, weight, bias, 2);
  if (x.ndim === 3) return convTranspose2dBatched(x.unsqueeze(0), weight, bias, options, x.shape).squeeze(0);
  return convTranspose2dBatched(x, weight, bias, options, x.shape);
}

function convTranspose2dBatched(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: ConvTransposeOptions, shownX: readonly number[]): Tensor {
  const op = 'convTranspose2d';
  const stride = pair(op, 'stride', options.stride ?? 1, 1);
  const padding = pair(op, 'padding', options.padding ?? 0, 0);
  const outputPadding = pair(op, 'outputPadding', options.outputPadding ?? 0, 0);
  const dilation = pair(op, 'dilation', options.dilation ?? 1, 1);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  const [N, Cin, H, W] = x.shape;
  const [wIn, CoutG, kH, kW] = weight.shape;
  if (wIn !== Cin) throw new RangeError(`${op}: input ${shapeStr(shownX)} has ${Cin} channels but weight ${shapeStr(weight.shape)} expects ${wIn}`);
  if (Cin % groups !== 0) throw new RangeError(`${op}: ${Cin} input channels are not divisible by groups=${groups}`);
  // PyTorch's rule, per dim: the extra rows/columns must be fewer than the stride or than the dilation
  if ([0, 1].some((i) => outputPadding[i] >= stride[i] && outputPadding[i] >= dilation[i])) {
    throw new RangeError(`${op}: outputPadding ${shapeStr(outputPadding)} must be smaller than either stride ${shapeStr(stride)} or dilation ${shapeStr(dilation)} in each dim`);
  }
  const OH = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kH - 1) + outputPadding[0] + 1;
  const OW = (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kW - 1) + outputPadding[1] + 1;
  if (OH < 1 || OW < 1) throw new RangeError(`${op}: output would be ${OH}x${OW} for input ${shapeStr(shownX)}`);
  const outShape = [N, CoutG * groups, OH, OW];
  // As the adjoint of a conv2d from [N,Cout,OH,OW] to [N,Cin,H,W] with weight [Cin, Cout/g, kH, kW].
  const p: Conv2dParams = { stride, padding, dilation, groups };
  const result = runOp(CONV_TRANSPOSE_2D, [x, weight], { ...p, outputPadding, outShape });
  return addChannelBias(op, result, bias);
}

const CONV_TRANSPOSE_2D = defineOp<ConvAttrs & { readonly outputPadding: readonly [number, number] }>({
  name: 'convTranspose2d',
  forward: ([x, w], p) => wrap(x!.backend.kernels.conv2dBackwardInput(x!, w!, p.outShape, p), p.outShape),
  backward: (g, [x, w], p, needs, inputs) => [
    needs[0] ? convTransposeInputGrad(g, w!, inputs[0]!.shape, p) : null,
    needs[1] ? wrap(g.backend.kernels.conv2dBackwardWeight(g, x!, inputs[1]!.shape, p), inputs[1]!.shape) : null,
  ],
  saves: ([x, w], _out, needs) => [needs[1] ? x : null, needs[0] ? w : null],
});

/** convTranspose2d's input gradient: conv2d of g, cut to the input's size. */
function convTransposeInputGrad(g: Tensor, w: Tensor, xShape: readonly number[], p: ConvAttrs): Tensor {
  const [N, Cin, H, W] = xShape, [OH, OW] = p.outShape.slice(2), [kH, kW] = w.shape.slice(2);
  const { stride, padding, dilation } = p;
  // conv2d maps the output's OH rows to H + floor(outputPadding/stride) rows (columns likewise): with outputPadding >=
  // stride (allowed when it is below the dilation) the last of them are positions x does not have, and are dropped
  const gH = convOutSize(OH, kH, stride[0], padding[0], dilation[0]), gW = convOutSize(OW, kW, stride[1], padding[1], dilation[1]);
  const gx = wrap(g.backend.kernels.conv2d(g, w, p), [N, Cin, gH, gW]);
  return gH === H && gW === W ? gx : contiguous(slice(slice(gx, 2, 0, H), 3, 0, W));
}
