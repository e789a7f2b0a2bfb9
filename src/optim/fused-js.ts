/**
 * Fused update rules for parameters on the js backend: one pass over memory per parameter instead of the ten or so
 * whole-tensor ops (each allocating a temporary) of the reference rules. Same arithmetic as the reference rules, in
 * the same order, so results agree to rounding. Anything unusual (non-dense tensors, amsgrad, maximize) goes to the
 * reference rule.
 */
import { bumpVersion } from '../autograd/engine.js';
import { dataOf, isDense } from '../backend/js/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import { type AdamOptions, type AdamState, adamUpdate, adamwUpdate } from './adam.js';
import { type ParamGroup, registerUpdateRule, type UpdateRule } from './optimizer.js';
import { type SGDOptions, type SGDState, sgdUpdate } from './sgd.js';

function dense(...ts: (Tensor | undefined)[]): boolean {
  return ts.every((t) => t !== undefined && t.offset === 0 && isDense(t));
}

function fusedAdam(decoupled: boolean): UpdateRule<AdamState, AdamOptions> {
  const reference = decoupled ? adamwUpdate : adamUpdate;
  return (param: Tensor, grad: Tensor, state: AdamState, o: ParamGroup<AdamOptions>) => {
    if (o.amsgrad || o.maximize || !dense(param, grad, state.expAvg, state.expAvgSq)) {
      reference(param, grad, state, o);
      return;
    }
    const p = dataOf(param), g = dataOf(grad), m = dataOf(state.expAvg), v = dataOf(state.expAvgSq);
    const [beta1, beta2] = o.betas;
    state.step += 1;
    const stepSize = o.lr / (1 - beta1 ** state.step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** state.step);
    const decay = decoupled ? 1 - o.lr * o.weightDecay : 1;
    const l2 = decoupled ? 0 : o.weightDecay;
    const { eps } = o;
    const n = param.size;
    for (let i = 0; i < n; i++) {
      if (decay !== 1) p[i] *= decay;
      const gi = l2 !== 0 ? g[i] + l2 * p[i] : g[i];
      const mi = (m[i] = m[i] * beta1 + (1 - beta1) * gi);
      const vi = (v[i] = v[i] * beta2 + (1 - beta2) * gi * gi);
      p[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
    }
    // in-place writes, like the reference rule's add_/mul_: a graph that saved the old values refuses to use them
    for (const t of [param, state.expAvg, state.expAvgSq]) bumpVersion(t);
  };
}

const fusedSgd: UpdateRule<SGDState, SGDOptions> = (param, grad, state, o) => {
  const buffer = state.momentumBuffer;
  // The first momentum step creates the buffer; the reference rule does that.
  if (o.maximize || (o.momentum !== 0 && !buffer) || !dense(param, grad, o.momentum !== 0 ? buffer : param)) {
    sgdUpdate(param, grad, state, o);
    return;
  }
  const p = dataOf(param), g = dataOf(grad);
  const { lr, momentum, dampening, weightDecay, nesterov } = o;
  const n = param.size;
  if (momentum === 0) {
    for (let i = 0; i < n; i++) p[i] -= lr * (weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i]);
    bumpVersion(param);
    return;
  }
  const b = dataOf(buffer!);
  for (let i = 0; i < n; i++) {
    const d = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
    const bi = (b[i] = b[i] * momentum + (1 - dampening) * d);
    p[i] -= lr * (nesterov ? d + momentum * bi : bi);
  }
  bumpVersion(param);
  bumpVersion(buffer!);
};

registerUpdateRule('adam', 'js', fusedAdam(false));
registerUpdateRule('adamw', 'js', fusedAdam(true));
registerUpdateRule('sgd', 'js', fusedSgd);
