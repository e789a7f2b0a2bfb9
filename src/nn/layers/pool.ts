/** Pooling: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d. */
import { Module } from '../module.js';
import { registerLayer } from '../registry.js';
import * as F from '../functional.js';
import type { Tensor } from '../../tensor/tensor.js';
import { pairStr, type Pair } from './common.js';

export interface MaxPoolOptions {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: MaxPoolOptions = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, { ...this.options, stride: this.options.stride ?? undefined });
  }
  protected override extraRepr(): string {
    return `kernelSize=${pairStr(this.kernelSize)}, stride=${pairStr(this.options.stride ?? this.kernelSize)}, padding=${pairStr(this.options.padding ?? 0)}`;
  }
}
registerLayer(MaxPool2d, {
  type: 'MaxPool2d',
  config: (m) => ({ args: { kernelSize: m.kernelSize, ...m.options } }),
  fromConfig: ({ args }) => new MaxPool2d(args.kernelSize as Pair, args as MaxPoolOptions),
  needsArgs: true,
  keepsTensors: false,
});

export interface AvgPoolOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly options: AvgPoolOptions = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, { ...this.options, stride: this.options.stride ?? undefined });
  }
  protected override extraRepr(): string {
    return `kernelSize=${pairStr(this.kernelSize)}, stride=${pairStr(this.options.stride ?? this.kernelSize)}, padding=${pairStr(this.options.padding ?? 0)}`;
  }
}
registerLayer(AvgPool2d, {
  type: 'AvgPool2d',
  config: (m) => ({ args: { kernelSize: m.kernelSize, ...m.options } }),
  fromConfig: ({ args }) => new AvgPool2d(args.kernelSize as Pair, args as AvgPoolOptions),
  needsArgs: true,
  keepsTensors: false,
});

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
  protected override extraRepr(): string {
    return `outputSize=${pairStr(this.outputSize)}`;
  }
}
registerLayer(AdaptiveAvgPool2d, {
  type: 'AdaptiveAvgPool2d',
  config: (m) => ({ args: { outputSize: m.outputSize } }),
  fromConfig: ({ args }) => new AdaptiveAvgPool2d(args.outputSize as Pair),
  needsArgs: true,
  keepsTensors: false,
});
