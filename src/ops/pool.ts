/**
 * 2-D pooling over [N,C,H,W] (or unbatched [C,H,W]): max (with the argmax indices backward needs), average,
 * and adaptive average. Output sizes follow PyTorch, ceilMode included.
 */
import { defineOp, recordNode, runOp } from './op.js';
import { freeNow } from '../memory/lifetime.js';
import type { Pool2dParams } from '../backend/backend.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { type IntPair, pair } from './conv.js';
import { assertTensor, wrap } from './util.js';

export interface MaxPool2dOptions {
  /** Window step; the kernel size by default (non-overlapping windows). */
  stride?: IntPair;
  /** Implicit -Infinity padding per side, at most half the kernel. */
  padding?: IntPair;
  dilation?: IntPair;
  /** Round the output size up, so a partial window at the end still counts. */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  stride?: IntPair;
  /** Implicit zero padding per side, at most half the kernel. */
  padding?: IntPair;
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

function checkPoolInput(op: string, x: Tensor): void {
  assertTensor(x, op);
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: needs a floating point input, got ${x.dtype}`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: expected a 3-D [C,H,W] or 4-D [N,C,H,W] input, got shape ${shapeStr(x.shape)}`);
}

/** PyTorch's pooling output size: the last window must start inside the input or its left padding. */
function pooledSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= n + p) out--;
  return out;
}

function poolParams(op: string, x: Tensor, kernelSize: IntPair, o: MaxPool2dOptions & AvgPool2dOptions): { p: Pool2dParams; OH: number; OW: number } {
  const kernel = pair(op, 'kernelSize', kernelSize, 1);
  const stride = pair(op, 'stride', o.stride ?? kernel, 1);
  const padding = pair(op, 'padding', o.padding ?? 0, 0);
  const dilation = pair(op, 'dilation', o.dilation ?? 1, 1);
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1]) {
    throw new RangeError(`${op}: padding ${shapeStr(padding)} must be at most half the kernel size ${shapeStr(kernel)}`);
  }
  const ceilMode = o.ceilMode ?? false;
  const [H, W] = x.shape.slice(-2);
  const OH = pooledSize(H, kernel[0], stride[0], padding[0], dilation[0], ceilMode);
  const OW = pooledSize(W, kernel[1], stride[1], padding[1], dilation[1], ceilMode);
  if (OH < 1 || OW < 1) {
    throw new RangeError(`${op}: input ${shapeStr(x.shape)} is too small for kernel ${shapeStr(kernel)} (output would be ${OH}x${OW})`);
  }
  return { p: { kernel, stride, padding, dilation, ceilMode, countIncludePad: o.countIncludePad ?? true }, OH, OW };
}

/** Max pooling that also returns the argmax indices (flat h*W+w within each input plane, as PyTorch). */
export function maxPool2dWithIndices(x: Tensor, kernelSize: IntPair, options: MaxPool2dOptions = {}): [Tensor, Tensor] {
  const op = 'maxPool2d';
  checkPoolInput(op, x);
  if (x.ndim === 3) {
    const [v, i] = maxPool2dWithIndices(x.unsqueeze(0), kernelSize, options);
    return [v.squeeze(0), i.squeeze(0)];
  }
  const { p, OH, OW } = poolParams(op, x, kernelSize, options);
  const outShape = [x.shape[0], x.shape[1], OH, OW];
  const { out, indices } = x.backend.kernels.maxPool2d(x, p, OH, OW);
  const idx = wrap(indices, outShape);
  const values = recordNode(MAX_POOL_2D, wrap(out, outShape), [x, idx], p);
  return [values, idx];
}

/** Its output comes with the argmax indices, an input of the node that never needs a gradient (computed above). */
const MAX_POOL_2D = defineOp<Pool2dParams>({
  name: 'maxPool2d',
  backward: (g, [idx], _p, _needs, [x]) => [wrap(g.backend.kernels.maxPool2dBackward(g, idx!, x!.shape), x!.shape), null],
  saves: ([, idx]) => [idx],
});

export function maxPool2d(x: Tensor, kernelSize: IntPair, options: MaxPool2dOptions = {}): Tensor {
  const [values, indices] = maxPool2dWithIndices(x, kernelSize, options);
  // the indices are only for backward: without a graph to keep them they are dead now
  if (!values.gradFn) freeNow(indices.storage, 'max-pool indices, which only backward needs, made without a graph');
  return values;
}

export function avgPool2d(x: Tensor, kernelSize: IntPair, options: AvgPool2dOptions = {}): Tensor {
  const op = 'avgPool2d';
  checkPoolInput(op, x);
  if (x.ndim === 3) return avgPool2d(x.unsqueeze(0), kernelSize, options).squeeze(0);
  const { p, OH, OW } = poolParams(op, x, kernelSize, { ...options, dilation: 1 });
  const outShape = [x.shape[0], x.shape[1], OH, OW];
  return runOp(AVG_POOL_2D, [x], { ...p, outShape });
}

const AVG_POOL_2D = defineOp<Pool2dParams & { outShape: readonly number[] }>({
  name: 'avgPool2d',
  forward: ([x], p) => wrap(x!.backend.kernels.avgPool2d(x!, p, p.outShape[2], p.outShape[3]), p.outShape),
  backward: (g, _saved, p, _needs, [x]) => [wrap(g.backend.kernels.avgPool2dBackward(g, x!.shape, p), x!.shape)],
});

/** Average pooling to a fixed output size (null keeps that dim's input size), windows as PyTorch splits them. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkPoolInput(op, x);
  if (x.ndim === 3) return adaptiveAvgPool2d(x.unsqueeze(0), outputSize).squeeze(0);
  const [H, W] = x.shape.slice(-2);
  const size = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const OH = size[0] ?? H, OW = size[1] ?? W;
  if (!Number.isInteger(OH) || !Number.isInteger(OW) || OH < 1 || OW < 1) {
    throw new RangeError(`${op}: output size must be positive integers, got ${JSON.stringify(outputSize)}`);
  }
  if (H < 1 || W < 1) throw new RangeError(`${op}: input ${shapeStr(x.shape)} has an empty spatial dim`);
  const outShape = [x.shape[0], x.shape[1], OH, OW];
  return runOp(ADAPTIVE_AVG_POOL_2D, [x], { outShape });
}

const ADAPTIVE_AVG_POOL_2D = defineOp<{ outShape: readonly number[] }>({
  name: 'adaptiveAvgPool2d',
  forward: ([x], { outShape }) => wrap(x!.backend.kernels.adaptiveAvgPool2d(x!, outShape[2], outShape[3]), outShape),
  backward: (g, _saved, _attrs, _needs, [x]) => [wrap(g.backend.kernels.adaptiveAvgPool2dBackward(g, x!.shape), x!.shape)],
});
