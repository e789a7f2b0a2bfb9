/** Loss functions with PyTorch's definitions, options and reductions. */
import { isFloat } from '../tensor/dtype.js';
import { shapeStr, shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/engine.js';
import { NO_ATTRS, defineOp, recordNode } from '../ops/op.js';
import { abs, maximum, softplus, where } from '../ops/elementwise.js';
import { logSoftmax } from '../ops/softmax.js';
import { wrap } from '../ops/util.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOption {
  reduction?: Reduction;
}

/** Applies the reduction; 'mean' divides the sum by `count` when given (weighted losses), else takes the mean. */
function reduce(loss: Tensor, reduction: Reduction, op: string, count?: Tensor): Tensor {
  switch (reduction) {
    case 'mean': return count ? loss.sum().div(count) : loss.mean();
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
  if (!(beta >= 0)) throw new RangeError(`smoothL1Loss: beta must be >= 0, got ${beta}`);
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
  if (!(delta > 0)) throw new RangeError(`huberLoss: delta must be > 0, got ${delta}`);
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

/** The shape a class-index target must have for `input` ([N, C, d1, ...] -> [N, d1, ...]; [C] -> []). */
function classTargetShape(input: Tensor): number[] {
  return input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
}

/**
 * The error for a target that is neither int32 class indices nor, where `probabilities`, class probabilities of the
 * input's shape. Names both readings and both shapes and dtypes: the usual cause is labels stored as floats, which a
 * shape-only message misreports. A TypeError when the shape fits class indices (the dtype is at fault), else a
 * RangeError.
 */
function badTarget(op: string, input: Tensor, target: Tensor, probabilities: boolean): Error {
  const expected = classTargetShape(input);
  const wanted = `int32 class indices of shape ${shapeStr(expected)}` +
    (probabilities ? ` or class probabilities of the input's shape ${shapeStr(input.shape)}` : '');
  const message = `${op}: target must be ${wanted}; got a ${target.dtype} target of shape ${shapeStr(target.shape)} ` +
    `for a ${input.dtype} input of shape ${shapeStr(input.shape)}`;
  return shapesEqual(target.shape, expected) ? new TypeError(message) : new RangeError(message);
}

function checkClassTarget(op: string, input: Tensor, target: Tensor): void {
  const expected = classTargetShape(input);
  if (!shapesEqual(target.shape, expected)) {
    throw new RangeError(`${op}: input of shape ${shapeStr(input.shape)} needs class-index target of shape ${shapeStr(expected)}, got ${shapeStr(target.shape)}`);
  }
}

/**
 * Negative log-likelihood of class indices under log-probabilities [N, C, ...]. 'mean' divides by the summed weights
 * of the counted targets, as PyTorch.
 */
export function nllLoss(logProbs: Tensor, target: Tensor, options: NllOptions = {}): Tensor {
  const { losses, counted } = nllTerms('nllLoss', logProbs, target, options);
  return reduce(losses, options.reduction ?? 'mean', 'nllLoss', counted);
}

/**
 * The unreduced nll terms and the mask of targets not ignored (both shaped as target), and the sum of the weights
 * the targets count with, the denominator of 'mean'; errors name `op`, the function the user called.
 */
function nllTerms(op: string, logProbs: Tensor, target: Tensor, options: NllOptions): { losses: Tensor; valid: Tensor; counted: Tensor } {
  const { weight = null, ignoreIndex = -100 } = options;
  if (target.dtype !== 'int32') throw badTarget(op, logProbs, target, op === 'crossEntropy');
  checkClassTarget(op, logProbs, target);
  const C = logProbs.shape[logProbs.ndim === 1 ? 0 : 1];
  checkClassWeight(op, weight, C);
  const lp = classesLast(logProbs);
  const t = target.reshape([-1]);
  const valid = t.ne(ignoreIndex);
  const safeT = where(valid, t, 0);
  safeT.backend.kernels.assertRange(safeT, 0, C - 1, (lo, hi) => new RangeError(`${op}: target ${hi >= C ? hi : lo} is out of bounds for ${C} classes`));
  const picked = lp.gather(1, safeT.unsqueeze(1)).squeeze(1);
  const mask = valid.to(lp.dtype);
  const w = weight ? mask.mul(weight.indexSelect(0, safeT)) : mask;
  const shape = target.shape.slice();
  return { losses: picked.mul(w).neg().reshape(shape), valid: mask.reshape(shape), counted: w.sum() };
}

function checkClassWeight(op: string, weight: Tensor | null, C: number): void {
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) throw new RangeError(`${op}: weight of shape ${shapeStr(weight.shape)} must be [${C}]`);
}

/**
 * Cross entropy from logits. `target` holds int32 class indices ([N] or [N, d1, ...]) or class probabilities of the
 * input's shape (float); options as torch.nn.functional.cross_entropy.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight = null, reduction = 'mean', labelSmoothing = 0 } = options;
  if (!isFloat(input.dtype)) throw new TypeError(`crossEntropy: input must be float logits, got ${input.dtype}`);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new RangeError(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  if (weight === null && labelSmoothing === 0 && input.ndim === 2 && target.dtype === 'int32' && target.ndim === 1 &&
    target.shape[0] === input.shape[0] && (reduction === 'mean' || reduction === 'sum' || reduction === 'none')) {
    return classIndexCrossEntropy(input, target, options.ignoreIndex ?? -100, reduction);
  }
  const logp = logSoftmax(input, classDim);
  // -sum_c w_c q_c log p_c over the class dim, for a distribution q over classes (broadcast to the input)
  const againstDistribution = (q: Tensor | number) => {
    checkClassWeight('crossEntropy', weight, C);
    const terms = logp.mul(q);
    return (weight ? terms.mul(weight.reshape(input.shape.map((_, i) => (i === classDim ? C : 1)))) : terms).sum(classDim).neg();
  };
  if (isFloat(target.dtype)) {
    if (!shapesEqual(input.shape, target.shape)) throw badTarget('crossEntropy', input, target, true);
    const q = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / C) : target;
    return reduce(againstDistribution(q), reduction, 'crossEntropy');
  }
  const { losses, valid, counted } = nllTerms('crossEntropy', logp, target, options);
  if (labelSmoothing === 0) return reduce(losses, reduction, 'crossEntropy', counted);
  // PyTorch: (1 - s) nll + s/C * (-sum_c w_c log p_c), the second term zero where the target is ignored, both 'mean'
  // terms divided by the counted weights
  const smooth = againstDistribution(1).mul(valid);
  return reduce(losses.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / C)), reduction, 'crossEntropy', counted);
}

/**
 * Cross entropy of [N, C] logits against N class indices, without class weights or label smoothing (the common case),
 * as one graph node: forward log-softmax, the picked terms and the reduction; backward (softmax - onehot) times each
 * row's share of the output gradient. The same values as the general path in a handful of kernels instead of a few
 * dozen small ops.
 */
function classIndexCrossEntropy(input: Tensor, target: Tensor, ignoreIndex: number, reduction: Reduction): Tensor {
  const C = input.shape[1];
  const logp = noGrad(() => logSoftmax(input, 1));
  const loss = input.backend.kernels.nllLoss(logp, target, ignoreIndex, reduction,
    (t) => new RangeError(`crossEntropy: target ${t} is out of bounds for ${C} classes`));
  const out = wrap(loss, reduction === 'none' ? [input.shape[0]] : []);
  // logp and target ride along as inputs that need no gradient: the backward reads them
  return recordNode(CROSS_ENTROPY, out, [input, logp, target], { ignoreIndex, reduction });
}

const CROSS_ENTROPY = defineOp<{ ignoreIndex: number; reduction: Reduction }>({
  name: 'crossEntropy',
  doc: 'cross entropy of [N, C] logits against N class indices (inputs: logits, their logSoftmax, the targets)',
  backward: (g, [logp, target], { ignoreIndex, reduction }, _needs, [input]) =>
    [wrap(g.backend.kernels.nllLossBackward(logp!.exp(), target!, g, ignoreIndex, reduction), input!.shape), null, null],
  saves: ([, logp, target]) => [logp, target],
});

export interface BceOptions extends ReductionOption {
  /** A weight broadcast over the elements. */
  weight?: Tensor | null;
}

/** Binary cross entropy on probabilities; logs are clamped at -100 as PyTorch does, so p = 0 or 1 stays finite. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BceOptions = {}): Tensor {
  const { weight = null, reduction = 'mean' } = options;
  sameShape('binaryCrossEntropy', input, target);
  input.backend.kernels.assertRange(input, 0, 1, (lo, hi) =>
    new RangeError(`binaryCrossEntropy: input must be probabilities in [0, 1], got values from ${lo} to ${hi} (use binaryCrossEntropyWithLogits for logits)`));
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
  return recordNode(BCE_TERMS, out, [p, t], NO_ATTRS);
}

const BCE_TERMS = defineOp({
  name: 'binaryCrossEntropy',
  doc: 'elementwise -(t log p + (1 - t) log(1 - p)), logs clamped at -100',
  backward: (g, [p, t], _attrs, [needP, needT]) => [
    // d/dp = (p - t) / max(p (1 - p), eps) with PyTorch's eps, the float32 value of 1e-12; d/dt = log(1 - p) - log(p)
    needP ? g.mul(p!.sub(t!)).div(maximum(p!.mul(p!.neg().add(1)), BCE_EPS)) : null,
    needT ? g.mul(p!.neg().add(1).log().sub(p!.log())) : null,
  ],
  saves: (inputs) => inputs,
});

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
