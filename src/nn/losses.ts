/** Loss functions with PyTorch's definitions, options and reductions. */
import { isFloat } from '../tensor/dtype.js';
import { shapeStr, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { recordOp, noGrad } from '../autograd/engine.js';
import { abs, maximum, softplus, where } from '../ops/elementwise.js';
import { logSoftmax } from '../ops/nn.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOption {
  reduction?: Reduction;
}

function reduce(loss: Tensor, reduction: Reduction, op: string): Tensor {
  switch (reduction) {
    case 'mean': return loss.mean();
    case 'sum': return loss.sum();
    case 'none': return loss;
    default: throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction as string}'`);
  }
}

function sameShape(op: string, input: Tensor, target: Tensor): void {
  if (!shapesEqual(input.shape, target.shape)) {
    throw new RangeError(`${op}: input of shape ${shapeStr(input.shape)} and target of shape ${shapeStr(target.shape)} must have the same shape`);
  }
  if (!isFloat(input.dtype)) throw new TypeError(`${op}: input must be a floating point tensor, got ${input.dtype}`);
}

/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor, { reduction = 'mean' }: ReductionOption = {}): Tensor {
  sameShape('mseLoss', input, target);
  return reduce(input.sub(target).square(), reduction, 'mseLoss');
}

/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, { reduction = 'mean' }: ReductionOption = {}): Tensor {
  sameShape('l1Loss', input, target);
  return reduce(abs(input.sub(target)), reduction, 'l1Loss');
}

/** 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta. */
export function smoothL1Loss(input: Tensor, target: Tensor, { reduction = 'mean', beta = 1 }: ReductionOption & { beta?: number } = {}): Tensor {
  sameShape('smoothL1Loss', input, target);
  if (beta === 0) {
    // |diff|, with PyTorch's input gradient -1 (not 0) where input == target
    const diff = input.sub(target);
    return reduce(where(diff.gt(0), diff, diff.neg()), reduction, 'smoothL1Loss');
  }
  const d = abs(input.sub(target));
  return reduce(where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta)), reduction, 'smoothL1Loss');
}

/** 0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta). */
export function huberLoss(input: Tensor, target: Tensor, { reduction = 'mean', delta = 1 }: ReductionOption & { delta?: number } = {}): Tensor {
  sameShape('huberLoss', input, target);
  const d = abs(input.sub(target));
  return reduce(where(d.le(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta)), reduction, 'huberLoss');
}

export interface NllOptions extends ReductionOption {
  /** A weight per class [C]. */
  weight?: Tensor | null;
  /** Targets equal to this are skipped (default -100, as PyTorch). */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllOptions {
  /** Mixes the target with the uniform distribution: (1 - s) * target + s / C. */
  labelSmoothing?: number;
}

/** Moves the class dim (1) last and flattens: [N, C, d1, ...] -> [N*d1*..., C]; [C] -> [1, C]. */
function classesLast(x: Tensor): Tensor {
  if (x.ndim === 1) return x.unsqueeze(0);
  if (x.ndim === 2) return x;
  const perm = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2), 1];
  return x.permute(perm).reshape([-1, x.shape[1]]);
}

function checkClassTarget(op: string, input: Tensor, target: Tensor): void {
  const expected = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (!shapesEqual(target.shape, expected)) {
    throw new RangeError(`${op}: input of shape ${shapeStr(input.shape)} needs class-index target of shape ${shapeStr(expected)}, got ${shapeStr(target.shape)}`);
  }
}

/**
 * Negative log-likelihood of class indices under log-probabilities [N, C, ...]. 'mean' divides by the summed weights
 * of the counted targets, as PyTorch.
 */
export function nllLoss(logProbs: Tensor, target: Tensor, options: NllOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean' } = options;
  if (target.dtype !== 'int32') throw new TypeError(`nllLoss: target must hold int32 class indices, got ${target.dtype}`);
  checkClassTarget('nllLoss', logProbs, target);
  const C = logProbs.shape[logProbs.ndim === 1 ? 0 : 1];
  const lp = classesLast(logProbs);
  const t = target.reshape([-1]);
  const valid = t.ne(ignoreIndex);
  const safeT = where(valid, t, 0);
  const tData = safeT.data();
  for (let i = 0; i < tData.length; i++) {
    if (tData[i] < 0 || tData[i] >= C) throw new RangeError(`nllLoss: target ${tData[i]} is out of bounds for ${C} classes`);
  }
  const picked = lp.gather(1, safeT.unsqueeze(1)).squeeze(1);
  let w = valid.to(lp.dtype);
  if (weight) {
    if (weight.ndim !== 1 || weight.shape[0] !== C) throw new RangeError(`nllLoss: weight of shape ${shapeStr(weight.shape)} must be [${C}]`);
    w = w.mul(weight.indexSelect(0, safeT));
  }
  const losses = picked.mul(w).neg();
  if (reduction === 'none') return losses.reshape(target.shape.slice());
  if (reduction === 'sum') return losses.sum();
  return losses.sum().div(w.sum());
}

/**
 * Cross entropy from logits. `target` holds int32 class indices ([N] or [N, d1, ...]) or class probabilities of the
 * input's shape (float); options as torch.nn.functional.cross_entropy.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 } = options;
  if (!isFloat(input.dtype)) throw new TypeError(`crossEntropy: input must be float logits, got ${input.dtype}`);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  const logp = logSoftmax(input, classDim);
  const wShape = input.shape.map((_, i) => (i === classDim ? C : 1));
  if (isFloat(target.dtype)) {
    if (!shapesEqual(input.shape, target.shape)) {
      throw new RangeError(`crossEntropy: probability target of shape ${shapeStr(target.shape)} must match input ${shapeStr(input.shape)}`);
    }
    const p = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / C) : target;
    let terms = logp.mul(p);
    if (weight) terms = terms.mul(weight.reshape(wShape));
    const losses = terms.sum(classDim).neg();
    if (reduction === 'none') return losses;
    if (reduction === 'sum') return losses.sum();
    return input.ndim === 1 ? losses : losses.sum().div(losses.size);
  }
  const nll = nllLoss(logp, target, { weight, ignoreIndex, reduction });
  if (labelSmoothing === 0) return nll;
  // PyTorch: (1 - s) * nll + s / C * (-sum_c w_c log p_c), ignored targets masked, same reduction denominators
  let smoothTerms = logp;
  if (weight) smoothTerms = smoothTerms.mul(weight.reshape(wShape));
  const valid = target.ne(ignoreIndex).to(input.dtype);
  const smooth = smoothTerms.sum(classDim).neg().mul(valid);
  let smoothReduced: Tensor;
  if (reduction === 'none') smoothReduced = smooth;
  else if (reduction === 'sum') smoothReduced = smooth.sum();
  else {
    const denom = weight ? weight.indexSelect(0, where(target.ne(ignoreIndex), target, 0).reshape([-1])).mul(valid.reshape([-1])).sum() : valid.sum();
    smoothReduced = smooth.sum().div(denom);
  }
  return nll.mul(1 - labelSmoothing).add(smoothReduced.mul(labelSmoothing / C));
}

export interface BceOptions extends ReductionOption {
  /** A weight broadcast over the elements. */
  weight?: Tensor | null;
}

/** Binary cross entropy on probabilities; logs are clamped at -100 as PyTorch does, so p = 0 or 1 stays finite. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BceOptions = {}): Tensor {
  const { weight = null, reduction = 'mean' } = options;
  sameShape('binaryCrossEntropy', input, target);
  const lo = input.min().item(), hi = input.max().item();
  if (input.size > 0 && (lo < 0 || hi > 1)) throw new RangeError(`binaryCrossEntropy: input must be probabilities in [0, 1], got values from ${lo} to ${hi} (use binaryCrossEntropyWithLogits for logits)`);
  let loss = bceTerms(input, target);
  if (weight) loss = loss.mul(weight);
  return reduce(loss, reduction, 'binaryCrossEntropy');
}

const BCE_EPS = Math.fround(1e-12);

/** Elementwise -(t log p + (1 - t) log(1 - p)) with PyTorch's gradients, which stay finite where p is 0 or 1. */
function bceTerms(p: Tensor, t: Tensor): Tensor {
  const out = noGrad(() => {
    const logP = maximum(p.log(), -100);
    const log1mP = maximum(p.neg().add(1).log(), -100);
    return t.mul(logP).add(t.neg().add(1).mul(log1mP)).neg();
  });
  return recordOp('binaryCrossEntropy', out, [p, t], (g) => [
    // d/dp = (p - t) / max(p (1 - p), eps) with PyTorch's eps, the float32 value of 1e-12; d/dt = log(1 - p) - log(p)
    p.requiresGrad ? g.mul(p.sub(t)).div(maximum(p.mul(p.neg().add(1)), BCE_EPS)) : null,
    t.requiresGrad ? g.mul(p.neg().add(1).log().sub(p.log())) : null,
  ]);
}

export interface BceWithLogitsOptions extends BceOptions {
  /** Weight of positive examples, per class (broadcast over the last dim). */
  posWeight?: Tensor | null;
}

/** Sigmoid + binary cross entropy in one numerically stable expression. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const { weight = null, posWeight = null, reduction = 'mean' } = options;
  sameShape('binaryCrossEntropyWithLogits', input, target);
  // (1 - y) x + lw * (log(1 + exp(-|x|)) + max(-x, 0)), lw = 1 + (posWeight - 1) y
  const softTerm = softplus(abs(input).neg()).add(maximum(input.neg(), 0));
  const logWeight = posWeight ? posWeight.sub(1).mul(target).add(1) : null;
  let loss = target.neg().add(1).mul(input).add(logWeight ? logWeight.mul(softTerm) : softTerm);
  if (weight) loss = loss.mul(weight);
  return reduce(loss, reduction, 'binaryCrossEntropyWithLogits');
}
