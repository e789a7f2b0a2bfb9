/**
 * F.*: the functional forms of layers. Layers are small classes over these; everything here is built from ops, so
 * gradients come from the ops' backward rules.
 */
import { noGrad } from '../autograd/engine.js';
import { shapeStr } from '../tensor/shape.js';
import { linearAct } from '../ops/linear.js';
import type { Tensor } from '../tensor/tensor.js';
import { abs, clamp, sigmoid, softplus, tanh } from '../ops/elementwise.js';

export {
  relu, leakyRelu, elu, gelu, sigmoid, tanh, softplus,
} from '../ops/elementwise.js';
export { softmax, logSoftmax } from '../ops/softmax.js';
export { dropout } from '../ops/dropout.js';
export { embedding, oneHot } from '../ops/embedding.js';
export { conv1d, conv2d, convTranspose2d } from '../ops/conv.js';
export { maxPool2d, maxPool2dWithIndices, avgPool2d, adaptiveAvgPool2d } from '../ops/pool.js';
export * from './losses.js';

/** y = x W^T + b, with weight [out, in] as PyTorch stores it (one fused kernel: see ops/linear.ts). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return linearAct(x, weight, bias ?? null, 'none', 'linear');
}

export interface BatchNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  /**
   * Normalise with the batch's statistics (updating the running ones, if given) rather than the running ones. Defaults
   * to PyTorch's false when running statistics are given, and to true without them (the only mode that works then).
   */
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation over dim 1 (channels) of [N, C] or [N, C, ...]. In training it normalises with the batch's
 * statistics and updates the running ones in place (unbiased variance, as PyTorch); in eval it uses the running ones.
 */
export function batchNorm(x: Tensor, options: BatchNormOptions = {}): Tensor {
  const { runningMean = null, runningVar = null, weight = null, bias = null, momentum = 0.1, eps = 1e-5 } = options;
  const training = options.training ?? !(runningMean && runningVar);
  if (x.ndim < 2) throw new RangeError(`batchNorm: expects input of shape [N, C, ...], got ${shapeStr(x.shape)}`);
  const C = x.shape[1];
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const statShape = x.shape.map((d, i) => (i === 1 ? C : 1));
  for (const [name, t] of [['weight', weight], ['bias', bias], ['runningMean', runningMean], ['runningVar', runningVar]] as const) {
    if (t && (t.ndim !== 1 || t.shape[0] !== C)) throw new RangeError(`batchNorm: ${name} of shape ${shapeStr(t.shape)} does not match ${C} channels of input ${shapeStr(x.shape)}`);
  }
  let mean: Tensor, variance: Tensor;
  if (training) {
    const count = x.size / C;
    if (count <= 1) throw new RangeError(`batchNorm: expected more than 1 value per channel when training, got input ${shapeStr(x.shape)}`);
    mean = x.mean(dims, true);
    variance = x.var(dims, { correction: 0, keepdim: true });
    if (runningMean && runningVar) {
      noGrad(() => {
        runningMean.mul_(1 - momentum).add_(mean.reshape([C]).mul(momentum));
        runningVar.mul_(1 - momentum).add_(variance.reshape([C]).mul((momentum * count) / (count - 1)));
      });
    }
  } else {
    if (!runningMean || !runningVar) throw new Error('batchNorm: eval mode needs running statistics');
    mean = runningMean.reshape(statShape);
    variance = runningVar.reshape(statShape);
  }
  let y = x.sub(mean).mul(variance.add(eps).rsqrt());
  if (weight) y = y.mul(weight.reshape(statShape));
  if (bias) y = y.add(bias.reshape(statShape));
  return y;
}

/** Layer normalisation over the trailing dims given by normalizedShape. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k > x.ndim || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new RangeError(`layerNorm: input of shape ${shapeStr(x.shape)} does not end in normalizedShape ${shapeStr(normalizedShape)}`);
  }
  const dims = normalizedShape.map((_, i) => x.ndim - k + i);
  const mean = x.mean(dims, true);
  const variance = x.var(dims, { correction: 0, keepdim: true });
  let y = x.sub(mean).mul(variance.add(eps).rsqrt());
  if (weight) y = y.mul(weight);
  if (bias) y = y.add(bias);
  return y;
}

// Activations composed from differentiable ops (so their gradients, and gradients of gradients, come from the ops).

/** x * sigmoid(x) (also called swish). */
export function silu(x: Tensor): Tensor { return x.mul(sigmoid(x)); }

/** x * tanh(softplus(x)). */
export function mish(x: Tensor): Tensor { return x.mul(tanh(softplus(x))); }

/** min(max(x, minVal), maxVal); PyTorch's defaults -1 and 1. */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (!(minVal < maxVal)) throw new RangeError(`hardtanh: minVal (${minVal}) must be less than maxVal (${maxVal})`);
  return clamp(x, minVal, maxVal);
}

/** min(max(x, 0), 6). */
export function relu6(x: Tensor): Tensor { return clamp(x, 0, 6); }

/** relu6(x + 3) / 6: a piecewise-linear sigmoid. */
export function hardsigmoid(x: Tensor): Tensor { return relu6(x.add(3)).div(6); }

/** x * relu6(x + 3) / 6: a piecewise-quadratic silu (MobileNetV3). */
export function hardswish(x: Tensor): Tensor { return x.mul(hardsigmoid(x)); }

/** x / (1 + |x|). */
export function softsign(x: Tensor): Tensor { return x.div(abs(x).add(1)); }

/** log(sigmoid(x)) = -softplus(-x), stable for large |x|. */
export function logsigmoid(x: Tensor): Tensor { return softplus(x.neg()).neg(); }
