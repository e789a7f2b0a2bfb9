/** Convolutions: Conv1d, Conv2d and the transposed ConvTranspose2d. */
import { Module, Parameter } from '../module.js';
import { argCount, argProduct, moduleTypeName, registerLayer, type LayerDeclaration } from '../registry.js';
import * as F from '../functional.js';
import { zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { pairStr, positiveInt, resetLinearLike, type Pair } from './common.js';

/** A convolution layer's constructor options: its geometry, and whether it has a bias. */
export interface ConvLayerOptions {
  stride?: Pair;
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly stride: Pair;
  readonly padding: Pair | 'same' | 'valid';
  readonly dilation: Pair;
  readonly groups: number;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: Pair, weightShape: number[], options: ConvLayerOptions) {
    super();
    const kind = moduleTypeName(this);
    positiveInt(kind, 'inChannels', inChannels);
    positiveInt(kind, 'outChannels', outChannels);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new RangeError(`${kind}: inChannels ${inChannels} and outChannels ${outChannels} must both be divisible by groups ${this.groups}`);
    }
    this.weight = new Parameter(zeros(weightShape));
    this.bias = options.bias === false ? null : new Parameter(zeros([outChannels]));
    resetLinearLike(this.weight, this.bias);
  }
  protected override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${pairStr(this.kernelSize)}, stride=${pairStr(this.stride)}`;
    if (this.padding !== 0) s += `, padding=${pairStr(this.padding)}`;
    if (this.dilation !== 1) s += `, dilation=${pairStr(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    return s;
  }
}

const kernelPair = (k: Pair): [number, number] => (typeof k === 'number' ? [k, k] : k);

/** The constructor arguments every convolution saves. */
const convArgs = (m: ConvNd): Record<string, unknown> => ({
  inChannels: m.inChannels, outChannels: m.outChannels, kernelSize: m.kernelSize, stride: m.stride, padding: m.padding,
  dilation: m.dilation, groups: m.groups, bias: m.bias !== null,
});

/** What the convolutions declare alike: args as convArgs (plus `extra`), rebuilt through the constructor, weight [C, C/groups, kernel...]. */
function convDeclaration<M extends ConvNd>(type: string, kernelDims: number, build: (a: Record<string, never>) => M,
  extra: (m: M) => Record<string, unknown> = () => ({})): LayerDeclaration<M> {
  return {
    type,
    config: (m) => ({ args: { ...convArgs(m), ...extra(m) } }),
    fromConfig: ({ args }) => build(args as Record<string, never>),
    needsArgs: true,
    keepsTensors: false,
    allocates: (a) => (argCount(a.outChannels) * argCount(a.inChannels) * argProduct(a.kernelSize, kernelDims)) / (argCount(a.groups) || 1),
  };
}

/** 2-D convolution over [N, C, H, W]. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: ConvLayerOptions = {}) {
    const [kh, kw] = kernelPair(kernelSize);
    super(inChannels, outChannels, kernelSize, [outChannels, inChannels / (options.groups ?? 1), kh, kw], options);
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}
registerLayer(Conv2d, convDeclaration('Conv2d', 2, (a) => new Conv2d(a.inChannels, a.outChannels, a.kernelSize, a)));

/** 1-D convolution over [N, C, L]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Omit<ConvLayerOptions, 'stride' | 'padding' | 'dilation'> & { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number } = {}) {
    super(inChannels, outChannels, kernelSize, [outChannels, inChannels / (options.groups ?? 1), kernelSize], options);
  }
  forward(x: Tensor): Tensor {
    return F.conv1d(x, this.weight, this.bias, { stride: this.stride as number, padding: this.padding as number, dilation: this.dilation as number, groups: this.groups });
  }
}
registerLayer(Conv1d, convDeclaration('Conv1d', 1, (a) => new Conv1d(a.inChannels, a.outChannels, a.kernelSize, a)));

/** Transposed 2-D convolution ("deconvolution"); weight [inChannels, outChannels/groups, kH, kW] as PyTorch. */
export class ConvTranspose2d extends ConvNd {
  declare readonly padding: Pair;
  readonly outputPadding: Pair;
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: { stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number; bias?: boolean } = {}) {
    const [kh, kw] = kernelPair(kernelSize);
    // PyTorch computes fan_in from weight.shape[1] * kernel for transposed convs too, as resetLinearLike does
    super(inChannels, outChannels, kernelSize, [inChannels, outChannels / (options.groups ?? 1), kh, kw], options);
    this.outputPadding = options.outputPadding ?? 0;
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups });
  }
  protected override extraRepr(): string {
    return super.extraRepr() + (this.outputPadding !== 0 ? `, outputPadding=${pairStr(this.outputPadding)}` : '');
  }
}
registerLayer(ConvTranspose2d, convDeclaration('ConvTranspose2d', 2, (a) => new ConvTranspose2d(a.inChannels, a.outChannels, a.kernelSize, a),
  (m) => ({ outputPadding: m.outputPadding })));
