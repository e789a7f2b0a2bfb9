/**
 * Loss kernels of the reference backend: the negative log-likelihood of class indices over log-probabilities, forward
 * and backward, each one pass over the rows (what crossEntropy's common case runs, instead of a dozen small ops).
 */
import type { View } from '../../device.js';
import { type NllReduction, registerKernel } from '../../kernels.js';
import { type DType, type TypedArray, typedArrayFor } from '../../../tensor/dtype.js';
import { dataOf, denseData } from '../storage.js';

/**
 * -logp[i, target[i]] for logp [N, C] (any strides) and int32 targets [N]; rows whose target is ignoreIndex count 0 and
 * are left out of 'mean'. Sums are taken in float64 and rounded once to logp's dtype. A target outside [0, C) throws
 * `outOfRange(target)` (the first one in row order).
 */
export function nllLossKernel(logp: View, target: View, ignoreIndex: number, reduction: NllReduction,
  outOfRange: (target: number) => Error): TypedArray {
  const [N, C] = logp.shape;
  const lp = dataOf(logp);
  const t = denseData(target);
  const [s0, s1] = logp.strides;
  const terms = reduction === 'none' ? typedArrayFor(logp.storage.dtype, N) : null;
  let total = 0, count = 0;
  for (let i = 0; i < N; i++) {
    const ti = t[i];
    if (ti === ignoreIndex) continue;
    if (ti < 0 || ti >= C) throw outOfRange(ti);
    const v = -lp[logp.offset + i * s0 + ti * s1];
    if (terms) terms[i] = v;
    total += v;
    count++;
  }
  if (terms) return terms;
  const out = typedArrayFor(logp.storage.dtype, 1);
  out[0] = reduction === 'mean' ? total / count : total;
  return out;
}

/**
 * The gradient of nllLossKernel's result with respect to the logits that logp = logSoftmax(logits) came from, given
 * probs = exp(logp) (computed by the device's own exp, so every device rounds it as its exp does): (probs -
 * onehot(target)) times each row's share of `grad` (grad [N] for 'none', else a scalar; 'mean' divides by the counted
 * rows, so 'mean' over no counted row stays NaN). Rounded as mul and scatterAdd in turn round it.
 */
export function nllLossBackwardKernel(probs: View, target: View, grad: View, ignoreIndex: number, reduction: NllReduction): TypedArray {
  const [N, C] = probs.shape;
  const dtype: DType = probs.storage.dtype;
  const round = dtype === 'float32' ? Math.fround : (v: number) => v;
  const pr = dataOf(probs);
  const t = denseData(target);
  const g = denseData(grad);
  const [s0, s1] = probs.strides;
  let count = 0;
  for (let i = 0; i < N; i++) if (t[i] !== ignoreIndex) count++;
  const out = typedArrayFor(dtype, N * C);
  for (let i = 0; i < N; i++) {
    const ti = t[i];
    const valid = ti !== ignoreIndex;
    const scale = round((valid ? 1 : 0) * (reduction === 'none' ? g[i] : reduction === 'mean' ? g[0] / count : g[0]));
    const row = probs.offset + i * s0;
    for (let c = 0; c < C; c++) out[i * C + c] = pr[row + c * s1] * scale;
    if (valid) out[i * C + ti] -= scale;
  }
  return out;
}

registerKernel('nllLoss', 'js', (d, logp, target, ignoreIndex, reduction, outOfRange) =>
  d.adopt(nllLossKernel(logp, target, ignoreIndex, reduction, outOfRange), logp.storage.dtype));
registerKernel('nllLossBackward', 'js', (d, probs, target, grad, ignoreIndex, reduction) =>
  d.adopt(nllLossBackwardKernel(probs, target, grad, ignoreIndex, reduction), probs.storage.dtype));
