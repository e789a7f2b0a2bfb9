/** Activations: stateless layers over one elementwise (or softmax) function each. */
import { Module } from '../module.js';
import { registerLayer, type LayerDeclaration } from '../registry.js';
import * as F from '../functional.js';
import type { Tensor } from '../../tensor/tensor.js';

/** A stateless layer wrapping an elementwise function; `args` are its options (saved in config). */
abstract class Activation extends Module {
  constructor(readonly args: Record<string, number> = {}) {
    super();
  }
  protected override extraRepr(): string {
    return Object.entries(this.args).map(([k, v]) => `${k}=${v}`).join(', ');
  }
}

/** What every activation declares: its options as args, each with a default (so a config may leave them out). */
function activation<M extends Activation>(type: string, build: (a: Record<string, number>) => M): LayerDeclaration<M> {
  return { type, config: (m) => ({ args: { ...m.args } }), fromConfig: ({ args }) => build(args as Record<string, number>), keepsTensors: false };
}

export class ReLU extends Activation {
  forward(x: Tensor): Tensor { return F.relu(x); }
}
registerLayer(ReLU, activation('ReLU', () => new ReLU()));

export class Sigmoid extends Activation {
  forward(x: Tensor): Tensor { return F.sigmoid(x); }
}
registerLayer(Sigmoid, activation('Sigmoid', () => new Sigmoid()));

export class Tanh extends Activation {
  forward(x: Tensor): Tensor { return F.tanh(x); }
}
registerLayer(Tanh, activation('Tanh', () => new Tanh()));

export class GELU extends Activation {
  forward(x: Tensor): Tensor { return F.gelu(x); }
}
registerLayer(GELU, activation('GELU', () => new GELU()));

export class LeakyReLU extends Activation {
  constructor(negativeSlope = 0.01) { super({ negativeSlope }); }
  forward(x: Tensor): Tensor { return F.leakyRelu(x, this.args.negativeSlope); }
}
registerLayer(LeakyReLU, activation('LeakyReLU', (a) => new LeakyReLU(a.negativeSlope)));

export class ELU extends Activation {
  constructor(alpha = 1) { super({ alpha }); }
  forward(x: Tensor): Tensor { return F.elu(x, this.args.alpha); }
}
registerLayer(ELU, activation('ELU', (a) => new ELU(a.alpha)));

export class Softplus extends Activation {
  constructor(beta = 1, threshold = 20) { super({ beta, threshold }); }
  forward(x: Tensor): Tensor { return F.softplus(x, this.args.beta, this.args.threshold); }
}
registerLayer(Softplus, activation('Softplus', (a) => new Softplus(a.beta, a.threshold)));

export class Softmax extends Activation {
  constructor(dim = -1) { super({ dim }); }
  forward(x: Tensor): Tensor { return F.softmax(x, this.args.dim); }
}
registerLayer(Softmax, activation('Softmax', (a) => new Softmax(a.dim)));

export class LogSoftmax extends Activation {
  constructor(dim = -1) { super({ dim }); }
  forward(x: Tensor): Tensor { return F.logSoftmax(x, this.args.dim); }
}
registerLayer(LogSoftmax, activation('LogSoftmax', (a) => new LogSoftmax(a.dim)));

export class SiLU extends Activation {
  forward(x: Tensor): Tensor { return F.silu(x); }
}
registerLayer(SiLU, activation('SiLU', () => new SiLU()));

export class Mish extends Activation {
  forward(x: Tensor): Tensor { return F.mish(x); }
}
registerLayer(Mish, activation('Mish', () => new Mish()));

export class Hardswish extends Activation {
  forward(x: Tensor): Tensor { return F.hardswish(x); }
}
registerLayer(Hardswish, activation('Hardswish', () => new Hardswish()));

export class Hardsigmoid extends Activation {
  forward(x: Tensor): Tensor { return F.hardsigmoid(x); }
}
registerLayer(Hardsigmoid, activation('Hardsigmoid', () => new Hardsigmoid()));

export class Hardtanh extends Activation {
  constructor(minVal = -1, maxVal = 1) { super({ minVal, maxVal }); }
  forward(x: Tensor): Tensor { return F.hardtanh(x, this.args.minVal, this.args.maxVal); }
}
registerLayer(Hardtanh, activation('Hardtanh', (a) => new Hardtanh(a.minVal, a.maxVal)));

export class ReLU6 extends Activation {
  forward(x: Tensor): Tensor { return F.relu6(x); }
}
registerLayer(ReLU6, activation('ReLU6', () => new ReLU6()));

export class Softsign extends Activation {
  forward(x: Tensor): Tensor { return F.softsign(x); }
}
registerLayer(Softsign, activation('Softsign', () => new Softsign()));

export class LogSigmoid extends Activation {
  forward(x: Tensor): Tensor { return F.logsigmoid(x); }
}
registerLayer(LogSigmoid, activation('LogSigmoid', () => new LogSigmoid()));
