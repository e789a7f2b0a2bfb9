/** The fully connected layer. */
import { Module, Parameter } from '../module.js';
import { argCount, registerLayer } from '../registry.js';
import * as F from '../functional.js';
import { linearAct } from '../../ops/linear.js';
import { zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { positiveInt, resetLinearLike } from './common.js';

/** Fully connected layer y = x W^T + b. */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: { bias?: boolean } = {}) {
    super();
    positiveInt('Linear', 'inFeatures', inFeatures);
    positiveInt('Linear', 'outFeatures', outFeatures);
    this.weight = new Parameter(zeros([outFeatures, inFeatures]));
    this.bias = options.bias === false ? null : new Parameter(zeros([outFeatures]));
    resetLinearLike(this.weight, this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
  /** @internal relu(forward(x)) in one kernel: what the Linear+ReLU fusion runs (see fusion.ts). */
  forwardRelu(x: Tensor): Tensor {
    return linearAct(x, this.weight, this.bias, 'relu', 'linear');
  }
  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
registerLayer(Linear, {
  type: 'Linear',
  config: (m) => ({ args: { inFeatures: m.inFeatures, outFeatures: m.outFeatures, bias: m.bias !== null } }),
  fromConfig: ({ args: a }) => new Linear(a.inFeatures as number, a.outFeatures as number, { bias: a.bias as boolean }),
  needsArgs: true,
  keepsTensors: false,
  allocates: (a) => argCount(a.inFeatures) * argCount(a.outFeatures),
});
