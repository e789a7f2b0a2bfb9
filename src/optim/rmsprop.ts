/** RMSprop, optionally centered and with momentum (torch.optim.RMSprop). */
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, libraryRule, type ParamGroup, type Params, type UpdateRule, checkBoolean, checkNonNegative, fullOn } from './optimizer.js';

export interface RMSpropOptions {
  lr: number;
  /** Smoothing constant of the squared-gradient average. */
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  /** Normalise by the estimated variance (subtracting the squared mean gradient) instead of the raw second moment. */
  centered: boolean;
  maximize: boolean;
}

export interface RMSpropState {
  step: number;
  squareAvg: Tensor;
  /** Only with momentum > 0. */
  momentumBuffer?: Tensor;
  /** Only when centered. */
  gradAvg?: Tensor;
}

/**
 * v = alpha v + (1 - alpha) g^2; avg = sqrt(v - gAvg^2) (centered, gAvg = alpha gAvg + (1 - alpha) g) or sqrt(v),
 * plus eps; param -= lr * g / avg, or through a momentum buffer buf = momentum buf + g / avg.
 */
export const rmspropUpdate: UpdateRule<RMSpropState, RMSpropOptions> = (param, grad, state, o) => {
  let g = o.maximize ? grad.neg() : grad;
  state.step += 1;
  if (o.weightDecay !== 0) g = g.add(param, o.weightDecay);
  state.squareAvg.mul_(o.alpha).add_(g.mul(g), 1 - o.alpha);
  let avg: Tensor;
  if (o.centered) {
    const gradAvg = (state.gradAvg ??= fullOn(param, 0));
    gradAvg.mul_(o.alpha).add_(g, 1 - o.alpha);
    avg = state.squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
  } else {
    avg = state.squareAvg.sqrt();
  }
  avg = avg.add(o.eps);
  if (o.momentum > 0) {
    const buf = (state.momentumBuffer ??= fullOn(param, 0));
    buf.mul_(o.momentum).add_(g.div(avg));
    param.add_(buf, -o.lr);
  } else {
    param.add_(g.div(avg), -o.lr);
  }
};

export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  protected readonly displayName = 'RMSprop';
  protected readonly ruleName = 'rmsprop';
  static {
    libraryRule(this.prototype.rule);
  }
  protected rule(param: Tensor, grad: Tensor, state: RMSpropState, options: ParamGroup<RMSpropOptions>): void {
    rmspropUpdate(param, grad, state, options);
  }

  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, options);
    this.init(params);
  }

  protected validate(o: RMSpropOptions): void {
    checkNonNegative('RMSprop', 'learning rate', o.lr);
    checkNonNegative('RMSprop', 'epsilon value', o.eps);
    checkNonNegative('RMSprop', 'momentum value', o.momentum);
    checkNonNegative('RMSprop', 'weightDecay value', o.weightDecay);
    checkNonNegative('RMSprop', 'alpha value', o.alpha);
    checkBoolean('RMSprop', 'centered', o.centered);
    checkBoolean('RMSprop', 'maximize', o.maximize);
  }

  protected initState(param: Tensor, group: ParamGroup<RMSpropOptions>): RMSpropState {
    const state: RMSpropState = { step: 0, squareAvg: fullOn(param, 0) };
    if (group.momentum > 0) state.momentumBuffer = fullOn(param, 0);
    if (group.centered) state.gradAvg = fullOn(param, 0);
    return state;
  }
}
