/** What several layer families share: pair arguments, argument checks and PyTorch's default weight initialisation. */
import * as init from '../init.js';
import type { Tensor } from '../../tensor/tensor.js';

/** A size given once for both spatial dims, or as [height, width]. */
export type Pair = number | [number, number];

export const pairStr = (p: Pair | string) => (typeof p === 'number' || typeof p === 'string' ? String(p) : `(${p[0]}, ${p[1]})`);

export function positiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${op}: ${name} must be a positive integer, got ${v}`);
}

/** Draws a layer's weight and bias as PyTorch's reset_parameters does: kaiming_uniform(a=sqrt(5)), bias U(+-1/sqrt(fanIn)). */
export function resetLinearLike(weight: Tensor, bias: Tensor | null): void {
  init.kaimingUniform(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = init.calculateFans(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform(bias, -bound, bound);
  }
}
