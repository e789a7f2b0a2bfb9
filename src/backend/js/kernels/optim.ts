/**
 * Fused optimiser updates for host-visible storage: one pass over memory per parameter instead of the ten or so
 * whole-tensor ops (each allocating a temporary) of the reference rules. Same arithmetic as the reference rules, in
 * the same order, so results agree to rounding. They take dense views starting at their storage's first element and
 * decline anything else (the optimiser then runs its reference rule); when they are tried is decided in
 * src/optim/adam.ts and sgd.ts.
 */
import type { View } from '../../device.js';
import { registerKernel } from '../../kernels.js';
import { sizeOf } from '../../../tensor/shape.js';
import { dataOf, isDense } from '../storage.js';

function dense(...vs: View[]): boolean {
  return vs.every((v) => v.offset === 0 && isDense(v));
}

registerKernel('adamStep', 'js', (_d, param, grad, expAvg, expAvgSq, { beta1, beta2, stepSize, bc2Sqrt, eps, decay, l2 }) => {
  if (!dense(param, grad, expAvg, expAvgSq)) return undefined;
  const p = dataOf(param), g = dataOf(grad), m = dataOf(expAvg), v = dataOf(expAvgSq);
  const n = sizeOf(param.shape);
  for (let i = 0; i < n; i++) {
    if (decay !== 1) p[i] *= decay;
    const gi = l2 !== 0 ? g[i] + l2 * p[i] : g[i];
    const mi = (m[i] = m[i] * beta1 + (1 - beta1) * gi);
    const vi = (v[i] = v[i] * beta2 + (1 - beta2) * gi * gi);
    p[i] -= (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
  }
  return true;
});

registerKernel('sgdStep', 'js', (_d, param, grad, buffer, { lr, momentum, dampening, weightDecay, nesterov }) => {
  if (!dense(param, grad, ...(buffer ? [buffer] : []))) return undefined;
  const p = dataOf(param), g = dataOf(grad);
  const n = sizeOf(param.shape);
  if (!buffer) {
    for (let i = 0; i < n; i++) p[i] -= lr * (weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i]);
    return true;
  }
  const b = dataOf(buffer);
  for (let i = 0; i < n; i++) {
    const d = weightDecay !== 0 ? g[i] + weightDecay * p[i] : g[i];
    const bi = (b[i] = b[i] * momentum + (1 - dampening) * d);
    p[i] -= lr * (nesterov ? d + momentum * bi : bi);
  }
  return true;
});
