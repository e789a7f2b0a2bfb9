/**
 * What every fused optimiser update shares, whatever the backend: when its one-pass kernel may run (else the reference
 * rule does), the coefficients Adam's kernel needs, and the version bumps after the in-place writes. Backends supply
 * the kernels (src/optim/fused-js.ts, src/backend/wasm/optim.ts).
 */
import { bumpVersion } from '../autograd/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { type AdamOptions, type AdamState, adamUpdate, adamwUpdate } from './adam.js';
import { type ParamGroup, type UpdateRule, libraryRule } from './optimizer.js';
import { type SGDOptions, type SGDState, sgdUpdate } from './sgd.js';

/** Whether a backend's kernel can take these tensors (all present, its dtype and layout). */
export type CanFuse = (...ts: (Tensor | undefined)[]) => boolean;

/** Adam's step in one pass: p *= decay; g' = g + l2 p; m, v updated; p -= stepSize m / (sqrt(v) / bc2Sqrt + eps). */
export interface AdamCoefficients {
  beta1: number;
  beta2: number;
  stepSize: number;
  bc2Sqrt: number;
  eps: number;
  decay: number;
  l2: number;
}

export type AdamKernel = (param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, c: AdamCoefficients) => void;

/** Adam (or AdamW when decoupled) through `kernel` where it can run; amsgrad, maximize and the rest take the reference. */
export function fusedAdamRule(decoupled: boolean, canFuse: CanFuse, kernel: AdamKernel): UpdateRule<AdamState, AdamOptions> {
  const reference = decoupled ? adamwUpdate : adamUpdate;
  return libraryRule((param: Tensor, grad: Tensor, state: AdamState, o: ParamGroup<AdamOptions>) => {
    if (o.amsgrad || o.maximize || !canFuse(param, grad, state.expAvg, state.expAvgSq)) {
      reference(param, grad, state, o);
      return;
    }
    const [beta1, beta2] = o.betas;
    state.step += 1;
    kernel(param, grad, state.expAvg, state.expAvgSq, {
      beta1,
      beta2,
      stepSize: o.lr / (1 - beta1 ** state.step),
      bc2Sqrt: Math.sqrt(1 - beta2 ** state.step),
      eps: o.eps,
      decay: decoupled ? 1 - o.lr * o.weightDecay : 1,
      l2: decoupled ? 0 : o.weightDecay,
    });
    // in-place writes, like the reference rule's add_/mul_: a graph that saved the old values refuses to use them
    for (const t of [param, state.expAvg, state.expAvgSq]) bumpVersion(t);
  });
}

/** SGD's step in one pass; `buffer` is the momentum buffer, null without momentum. */
export type SgdKernel = (param: Tensor, grad: Tensor, buffer: Tensor | null, o: ParamGroup<SGDOptions>) => void;

/** SGD through `kernel` where it can run; maximize and the first momentum step (which creates the buffer) take the reference. */
export function fusedSgdRule(canFuse: CanFuse, kernel: SgdKernel): UpdateRule<SGDState, SGDOptions> {
  return libraryRule<UpdateRule<SGDState, SGDOptions>>((param, grad, state, o) => {
    const buffer = o.momentum !== 0 ? state.momentumBuffer : null;
    if (o.maximize || buffer === undefined || !canFuse(param, grad, buffer ?? param)) {
      sgdUpdate(param, grad, state, o);
      return;
    }
    kernel(param, grad, buffer, o);
    bumpVersion(param);
    if (buffer) bumpVersion(buffer);
  });
}
