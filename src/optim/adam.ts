/** Adam and AdamW (decoupled weight decay), with the AMSGrad variant (torch.optim.Adam / torch.optim.AdamW). */
import { bumpVersion } from '../autograd/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, libraryRule, type ParamGroup, type Params, type UpdateRule, checkBetas, checkBoolean, checkNonNegative, fullOn } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay, param *= 1 - lr * weightDecay. */
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export interface AdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** Only with amsgrad. */
  maxExpAvgSq?: Tensor;
}

function adamRule(decoupled: boolean): UpdateRule<AdamState, AdamOptions> {
  return (param, grad, state, o) => {
    const [beta1, beta2] = o.betas;
    let g = o.maximize ? grad.neg() : grad;
    state.step += 1;
    if (o.weightDecay !== 0) {
      if (decoupled) param.mul_(1 - o.lr * o.weightDecay);
      else g = g.add(param, o.weightDecay);
    }
    state.expAvg.mul_(beta1).add_(g, 1 - beta1);
    state.expAvgSq.mul_(beta2).add_(g.mul(g), 1 - beta2);
    const biasCorrection1 = 1 - beta1 ** state.step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** state.step);
    const stepSize = o.lr / biasCorrection1;
    let second = state.expAvgSq;
    if (o.amsgrad) {
      const max = (state.maxExpAvgSq ??= fullOn(param, 0));
      max.copy_(max.maximum(state.expAvgSq));
      second = max;
    }
    const denom = second.sqrt().div(biasCorrection2Sqrt).add(o.eps);
    param.add_(state.expAvg.div(denom), -stepSize);
  };
}

/**
 * m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2 (g including the L2 term);
 * param -= lr / (1 - beta1^t) * m / (sqrt(v' / (1 - beta2^t)) + eps), v' = v or its running max (amsgrad).
 */
export const adamUpdate = adamRule(false);
/** As adamUpdate, but weight decay shrinks the parameter directly (param *= 1 - lr * weightDecay) first. */
export const adamwUpdate = adamRule(true);

/**
 * Adam (or AdamW when decoupled) in one pass through the parameter device's adamStep kernel where one takes these
 * tensors; amsgrad, maximize and whatever the kernels decline take the reference rule.
 */
function fusedAdamRule(decoupled: boolean): UpdateRule<AdamState, AdamOptions> {
  const reference = decoupled ? adamwUpdate : adamUpdate;
  return (param, grad, state, o) => {
    const kernel = param.backend.kernels.adamStep;
    const [beta1, beta2] = o.betas;
    const step = state.step + 1;
    const done = !o.amsgrad && !o.maximize && kernel !== undefined && kernel(param, grad, state.expAvg, state.expAvgSq, {
      beta1,
      beta2,
      stepSize: o.lr / (1 - beta1 ** step),
      bc2Sqrt: Math.sqrt(1 - beta2 ** step),
      eps: o.eps,
      decay: decoupled ? 1 - o.lr * o.weightDecay : 1,
      l2: decoupled ? 0 : o.weightDecay,
    });
    if (!done) {
      reference(param, grad, state, o);
      return;
    }
    state.step = step;
    // in-place writes, like the reference rule's add_/mul_: a graph that saved the old values refuses to use them
    for (const t of [param, state.expAvg, state.expAvgSq]) bumpVersion(t);
  };
}
const fusedAdam = fusedAdamRule(false);
const fusedAdamW = fusedAdamRule(true);

function adamInitState(param: Tensor, group: ParamGroup<AdamOptions>): AdamState {
  const state: AdamState = { step: 0, expAvg: fullOn(param, 0), expAvgSq: fullOn(param, 0) };
  if (group.amsgrad) state.maxExpAvgSq = fullOn(param, 0);
  return state;
}

function adamValidate(name: string, o: AdamOptions): void {
  checkNonNegative(name, 'learning rate', o.lr);
  checkNonNegative(name, 'epsilon value', o.eps);
  checkBetas(name, o.betas);
  checkNonNegative(name, 'weightDecay value', o.weightDecay);
  checkBoolean(name, 'amsgrad', o.amsgrad);
  checkBoolean(name, 'maximize', o.maximize);
}

export class Adam extends Optimizer<AdamOptions, AdamState> {
  protected readonly displayName = 'Adam';
  protected readonly ruleName = 'adam';
  static {
    libraryRule(this.prototype.rule);
  }
  protected rule(param: Tensor, grad: Tensor, state: AdamState, options: ParamGroup<AdamOptions>): void {
    fusedAdam(param, grad, state, options);
  }

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, options);
    this.init(params);
  }

  protected validate(o: AdamOptions): void {
    adamValidate(this.displayName, o);
  }

  protected initState(param: Tensor, group: ParamGroup<AdamOptions>): AdamState {
    return adamInitState(param, group);
  }
}

export class AdamW extends Optimizer<AdamOptions, AdamState> {
  protected readonly displayName = 'AdamW';
  protected readonly ruleName = 'adamw';
  static {
    libraryRule(this.prototype.rule);
  }
  protected rule(param: Tensor, grad: Tensor, state: AdamState, options: ParamGroup<AdamOptions>): void {
    fusedAdamW(param, grad, state, options);
  }

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }, options);
    this.init(params);
  }

  protected validate(o: AdamOptions): void {
    adamValidate(this.displayName, o);
  }

  protected initState(param: Tensor, group: ParamGroup<AdamOptions>): AdamState {
    return adamInitState(param, group);
  }
}
