/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay (torch.optim.SGD). */
import { bumpVersion } from '../autograd/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, libraryRule, type ParamGroup, type Params, type UpdateRule, checkBoolean, checkNonNegative } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** Ascend instead of descend (maximise the objective). */
  maximize: boolean;
}

export interface SGDState {
  /** Created at the first step when momentum != 0. */
  momentumBuffer?: Tensor;
}

/**
 * d = grad (+ weightDecay * param); with momentum: buf = momentum * buf + (1 - dampening) * d (buf = d at the first
 * step), d = nesterov ? d + momentum * buf : buf; then param -= lr * d.
 */
export const sgdUpdate: UpdateRule<SGDState, SGDOptions> = (param, grad, state, o) => {
  let d = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) d = d.add(param, o.weightDecay);
  if (o.momentum !== 0) {
    let buf = state.momentumBuffer;
    if (!buf) buf = state.momentumBuffer = d.clone();
    else buf.mul_(o.momentum).add_(d, 1 - o.dampening);
    d = o.nesterov ? d.add(buf, o.momentum) : buf;
  }
  param.add_(d, -o.lr);
};

/**
 * sgdUpdate in one pass through the parameter device's sgdStep kernel where one takes these tensors; maximize, the
 * first momentum step (which creates the buffer) and whatever the kernels decline take the reference rule.
 */
const fusedSgd: UpdateRule<SGDState, SGDOptions> = (param, grad, state, o) => {
  const kernel = param.backend.kernels.sgdStep;
  const buffer = o.momentum !== 0 ? state.momentumBuffer : null;
  if (o.maximize || buffer === undefined || kernel === undefined || !kernel(param, grad, buffer, o)) {
    sgdUpdate(param, grad, state, o);
    return;
  }
  bumpVersion(param);
  if (buffer) bumpVersion(buffer);
};

export class SGD extends Optimizer<SGDOptions, SGDState> {
  protected readonly displayName = 'SGD';
  protected readonly ruleName = 'sgd';
  static {
    libraryRule(this.prototype.rule);
  }
  protected rule(param: Tensor, grad: Tensor, state: SGDState, options: ParamGroup<SGDOptions>): void {
    fusedSgd(param, grad, state, options);
  }

  /** `lr` has no default (as in PyTorch): give it here or in every parameter group. */
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', { lr: NaN, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, options);
    this.init(params);
  }

  protected validate(o: SGDOptions): void {
    if (typeof o.lr === 'number' && Number.isNaN(o.lr)) {
      throw new RangeError('SGD: no learning rate given; pass {lr} to the constructor or to every parameter group');
    }
    checkNonNegative('SGD', 'learning rate', o.lr);
    checkNonNegative('SGD', 'momentum value', o.momentum);
    checkNonNegative('SGD', 'dampening value', o.dampening);
    checkNonNegative('SGD', 'weightDecay value', o.weightDecay);
    checkBoolean('SGD', 'nesterov', o.nesterov);
    checkBoolean('SGD', 'maximize', o.maximize);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError(`SGD: Nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${o.momentum}, dampening ${o.dampening})`);
    }
  }

  protected initState(_param: Tensor, _group: ParamGroup<SGDOptions>): SGDState {
    return {};
  }
}
