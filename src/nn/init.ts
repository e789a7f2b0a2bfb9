/**
 * Weight initialisation, in place, as torch.nn.init (names without the trailing underscore). Each returns the tensor.
 * All draw from the global generator (manualSeed) unless given one.
 */
import { noGrad } from '../autograd/engine.js';
import { normal as normalTensor, uniform as uniformTensor } from '../tensor/creation.js';
import { shapeStr } from '../tensor/shape.js';
import type { Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
  }
}

/** fan_in and fan_out of a weight [out, in, ...kernel]. */
export function calculateFans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new RangeError(`init: fan in and fan out need a tensor with at least 2 dims, got shape ${shapeStr(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function fill(t: Tensor, values: Tensor): Tensor {
  noGrad(() => t.copy_(values));
  return t;
}

function floatDType(t: Tensor): { dtype: 'float32' | 'float64' } {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new TypeError(`init: needs a floating point tensor, got ${t.dtype}`);
  return { dtype: t.dtype };
}

export function uniform(t: Tensor, low = 0, high = 1, generator?: Generator): Tensor {
  return fill(t, uniformTensor(t.shape, low, high, { ...floatDType(t), generator }));
}
export function normal(t: Tensor, mean = 0, std = 1, generator?: Generator): Tensor {
  return fill(t, normalTensor(t.shape, mean, std, { ...floatDType(t), generator }));
}
export function constant(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}
export const zeros = (t: Tensor): Tensor => constant(t, 0);
export const ones = (t: Tensor): Tensor => constant(t, 1);

export function xavierUniform(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(t, -a, a, generator);
}
export function xavierNormal(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  return normal(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(t: Tensor, { a = 0, mode = 'fanIn', nonlinearity = 'leaky_relu' }: KaimingOptions): number {
  const fans = calculateFans(t);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}
export function kaimingUniform(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return uniform(t, -bound, bound, options.generator);
}
export function kaimingNormal(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal(t, 0, kaimingStd(t, options), options.generator);
}
