/**
 * Fused update kernels for parameters on the js backend: one pass over memory per parameter instead of the ten or so
 * whole-tensor ops (each allocating a temporary) of the reference rules. Same arithmetic as the reference rules, in
 * the same order, so results agree to rounding. When they run is decided in ./fused.js.
 */
import { dataOf, isDense } from '../backend/js/storage.js';
import type { Tensor } from '../tensor/tensor.js';
import { fusedAdamRule, fusedSgdRule, type AdamKernel, type SgdKernel } from './fused.js';
import { registerUpdateRule } from './optimizer.js';

function dense(...ts: (Tensor | undefined)[]): boolean {
  return ts.every((t) => t !== undefined && t.offset === 0 && isDense(t));
}

const adamKernel: AdamKernel = (param, grad, expAvg, expAvgSq, { beta1, beta2, stepSize, bc2Sqrt, eps, decay, l2 }) => {
  const p = dataOf(param), g = dataOf(grad), m = dataOf(expAvg), v = dataOf(expAvgSq);
  const n = param.size;
  for (let i = 0; i < n; i++) {
    if (decay !== 1) p[i] *= decay;
    const gi = l2 !== 0 ? g[i] + l2 * p[i] : g[i];
    const mi = (m[i] = m[i] * beta1 + (1 - beta1) * gi);
    const vi = (v[i] = v[i] * beta2 + (1 - beta2) * gi * gi);
    p[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
};

const sgdKernel: SgdKernel = (param, grad, buffer, { lr, momentum, dampening, weightDecay, nesterov }) => {
  const p = dataOf(param), g = dataOf(grad);
  const n = param.size;
  if (!buffer) {
    for (let i = 0; i < n; i++) p[i] -= lr * (weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i]);
    return;
  }
  const b = dataOf(buffer);
  for (let i = 0; i < n; i++) {
    const d = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
    const bi = (b[i] = b[i] * momentum + (1 - dampening) * d);
    p[i] -= lr * (nesterov ? d + momentum * bi : bi);
  }
};

registerUpdateRule('adam', 'js', fusedAdamRule(false, dense, adamKernel));
registerUpdateRule('adamw', 'js', fusedAdamRule(true, dense, adamKernel));
registerUpdateRule('sgd', 'js', fusedSgdRule(dense, sgdKernel));
