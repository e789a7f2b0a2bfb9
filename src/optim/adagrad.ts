/** Adagrad with learning-rate decay (torch.optim.Adagrad). */
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, libraryRule, type ParamGroup, type Params, type UpdateRule, checkBoolean, checkNonNegative, fullOn } from './optimizer.js';

export interface AdagradOptions {
  lr: number;
  /** The step size at step t is lr / (1 + (t - 1) * lrDecay). */
  lrDecay: number;
  weightDecay: number;
  /** Starting value of the sum of squared gradients. */
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export interface AdagradState {
  step: number;
  /** Running sum of squared gradients. */
  sum: Tensor;
}

/** sum += g^2; param -= lr / (1 + (t - 1) lrDecay) * g / (sqrt(sum) + eps). */
export const adagradUpdate: UpdateRule<AdagradState, AdagradOptions> = (param, grad, state, o) => {
  state.step += 1;
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param, o.weightDecay);
  const clr = o.lr / (1 + (state.step - 1) * o.lrDecay);
  state.sum.add_(g.mul(g));
  const std = state.sum.sqrt().add(o.eps);
  param.add_(g.div(std), -clr);
};

export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  protected readonly displayName = 'Adagrad';
  protected readonly ruleName = 'adagrad';
  static {
    libraryRule(this.prototype.rule);
  }
  protected rule(param: Tensor, grad: Tensor, state: AdagradState, options: ParamGroup<AdagradOptions>): void {
    adagradUpdate(param, grad, state, options);
  }

  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super('Adagrad', { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, options);
    this.init(params);
  }

  protected validate(o: AdagradOptions): void {
    checkNonNegative('Adagrad', 'learning rate', o.lr);
    checkNonNegative('Adagrad', 'lrDecay value', o.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay value', o.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'epsilon value', o.eps);
    checkBoolean('Adagrad', 'maximize', o.maximize);
  }

  protected initState(param: Tensor, group: ParamGroup<AdagradOptions>): AdagradState {
    return { step: 0, sum: fullOn(param, group.initialAccumulatorValue) };
  }
}
