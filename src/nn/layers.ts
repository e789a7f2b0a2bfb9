/** The built-in layers: small classes over F.* that own their parameters and describe themselves for saving. */
import { Module, Parameter, registerModule, type ModuleConfig } from './module.js';
import * as F from './functional.js';
import { linearAct } from '../ops/linear.js';
import * as init from './init.js';
import { shapeStr } from '../tensor/shape.js';
import { ones, zeros } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';

type Pair = number | [number, number];
const pairStr = (p: Pair | string) => (typeof p === 'number' || typeof p === 'string' ? String(p) : `(${p[0]}, ${p[1]})`);

/** Draws a layer's weight and bias as PyTorch's reset_parameters does: kaiming_uniform(a=sqrt(5)), bias U(+-1/sqrt(fanIn)). */
function resetLinearLike(weight: Tensor, bias: Tensor | null): void {
  init.kaimingUniform(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = init.calculateFans(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform(bias, -bound, bound);
  }
}

function positiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${op}: ${name} must be a positive integer, got ${v}`);
}

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
  /** @internal relu(forward(x)) in one kernel: what Sequential runs for a Linear followed by a ReLU. */
  forwardRelu(x: Tensor): Tensor {
    return linearAct(x, this.weight, this.bias, 'relu', 'linear');
  }
  protected override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
  override config(): ModuleConfig {
    return { type: 'Linear', args: { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null } };
  }
}
registerModule('Linear', (c) => new Linear(c.args!.inFeatures as number, c.args!.outFeatures as number, { bias: c.args!.bias as boolean }));

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
  constructor(readonly kind: string, readonly inChannels: number, readonly outChannels: number, readonly kernelSize: Pair, weightShape: number[], options: ConvLayerOptions) {
    super();
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
  protected convArgs(): Record<string, unknown> {
    return { inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups, bias: this.bias !== null };
  }
}

const kernelPair = (k: Pair): [number, number] => (typeof k === 'number' ? [k, k] : k);

/** 2-D convolution over [N, C, H, W]. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: ConvLayerOptions = {}) {
    const [kh, kw] = kernelPair(kernelSize);
    super('Conv2d', inChannels, outChannels, kernelSize, [outChannels, inChannels / (options.groups ?? 1), kh, kw], options);
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
  override config(): ModuleConfig {
    return { type: 'Conv2d', args: this.convArgs() };
  }
}
registerModule('Conv2d', (c) => {
  const a = c.args as Record<string, never>;
  return new Conv2d(a.inChannels, a.outChannels, a.kernelSize, a);
});

/** 1-D convolution over [N, C, L]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Omit<ConvLayerOptions, 'stride' | 'padding' | 'dilation'> & { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number } = {}) {
    super('Conv1d', inChannels, outChannels, kernelSize, [outChannels, inChannels / (options.groups ?? 1), kernelSize], options);
  }
  forward(x: Tensor): Tensor {
    return F.conv1d(x, this.weight, this.bias, { stride: this.stride as number, padding: this.padding as number, dilation: this.dilation as number, groups: this.groups });
  }
  override config(): ModuleConfig {
    return { type: 'Conv1d', args: this.convArgs() };
  }
}
registerModule('Conv1d', (c) => {
  const a = c.args as Record<string, never>;
  return new Conv1d(a.inChannels, a.outChannels, a.kernelSize, a);
});

/** Transposed 2-D convolution ("deconvolution"); weight [inChannels, outChannels/groups, kH, kW] as PyTorch. */
export class ConvTranspose2d extends ConvNd {
  declare readonly padding: Pair;
  readonly outputPadding: Pair;
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, options: { stride?: Pair; padding?: Pair; outputPadding?: Pair; dilation?: Pair; groups?: number; bias?: boolean } = {}) {
    const [kh, kw] = kernelPair(kernelSize);
    // PyTorch computes fan_in from weight.shape[1] * kernel for transposed convs too, as resetLinearLike does
    super('ConvTranspose2d', inChannels, outChannels, kernelSize, [inChannels, outChannels / (options.groups ?? 1), kh, kw], options);
    this.outputPadding = options.outputPadding ?? 0;
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups });
  }
  protected override extraRepr(): string {
    return super.extraRepr() + (this.outputPadding !== 0 ? `, outputPadding=${pairStr(this.outputPadding)}` : '');
  }
  override config(): ModuleConfig {
    return { type: 'ConvTranspose2d', args: { ...this.convArgs(), outputPadding: this.outputPadding } };
  }
}
registerModule('ConvTranspose2d', (c) => {
  const a = c.args as Record<string, never>;
  return new ConvTranspose2d(a.inChannels, a.outChannels, a.kernelSize, a);
});

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
  override config(): ModuleConfig {
    return { type: 'MaxPool2d', args: { kernelSize: this.kernelSize, ...this.options } };
  }
}
registerModule('MaxPool2d', (c) => new MaxPool2d(c.args!.kernelSize as Pair, c.args as MaxPoolOptions));

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
  override config(): ModuleConfig {
    return { type: 'AvgPool2d', args: { kernelSize: this.kernelSize, ...this.options } };
  }
}
registerModule('AvgPool2d', (c) => new AvgPool2d(c.args!.kernelSize as Pair, c.args as AvgPoolOptions));

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
  override config(): ModuleConfig {
    return { type: 'AdaptiveAvgPool2d', args: { outputSize: this.outputSize } };
  }
}
registerModule('AdaptiveAvgPool2d', (c) => new AdaptiveAvgPool2d(c.args!.outputSize as Pair));

/** Flattens dims startDim..endDim (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  protected override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
  override config(): ModuleConfig {
    return { type: 'Flatten', args: { startDim: this.startDim, endDim: this.endDim } };
  }
}
registerModule('Flatten', (c) => new Flatten(c.args!.startDim as number, c.args!.endDim as number));

/** Splits dim into unflattenedSize (the inverse of Flatten). */
export class Unflatten extends Module {
  constructor(readonly dim: number, readonly unflattenedSize: number[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    const known = this.unflattenedSize.filter((n) => n !== -1).reduce((a, b) => a * b, 1);
    const fits = this.unflattenedSize.includes(-1) ? known > 0 && x.shape[d] % known === 0 : known === x.shape[d];
    if (d < 0 || d >= x.ndim || !fits) {
      throw new RangeError(`Unflatten: sizes ${shapeStr(this.unflattenedSize)} do not multiply up to dim ${this.dim} of input ${shapeStr(x.shape)}`);
    }
    return x.reshape([...x.shape.slice(0, d), ...this.unflattenedSize, ...x.shape.slice(d + 1)]);
  }
  protected override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=${shapeStr(this.unflattenedSize)}`;
  }
  override config(): ModuleConfig {
    return { type: 'Unflatten', args: { dim: this.dim, unflattenedSize: this.unflattenedSize } };
  }
}
registerModule('Unflatten', (c) => new Unflatten(c.args!.dim as number, c.args!.unflattenedSize as number[]));

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: probability must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, { p: this.p, training: this.training });
  }
  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
  override config(): ModuleConfig {
    return { type: 'Dropout', args: { p: this.p } };
  }
}
registerModule('Dropout', (c) => new Dropout(c.args!.p as number));

export interface BatchNormModuleOptions {
  eps?: number;
  /** Weight of each new batch in the running statistics; null for a cumulative average over all batches (as PyTorch's None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNormNd extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean!: Tensor | null;
  runningVar!: Tensor | null;
  numBatchesTracked!: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  constructor(readonly numFeatures: number, readonly options: BatchNormModuleOptions, private readonly expectedDims: number[]) {
    super();
    positiveInt(this.constructor.name, 'numFeatures', numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    const affine = options.affine ?? true;
    this.weight = affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures])) : null;
    const track = options.trackRunningStats ?? true;
    this.registerBuffer('runningMean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('runningVar', track ? ones([numFeatures]) : null);
    this.registerBuffer('numBatchesTracked', track ? zeros([], { dtype: 'int32' }) : null);
  }
  forward(x: Tensor): Tensor {
    if (!this.expectedDims.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.constructor.name}: expected input with ${this.expectedDims.join(' or ')} dims and ${this.numFeatures} channels in dim 1, got shape ${shapeStr(x.shape)}`);
    }
    const useBatchStats = this.training || !this.runningMean;
    let momentum = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      this.numBatchesTracked.add_(1);
      if (this.momentum === null) momentum = 1 / this.numBatchesTracked.item();
    }
    return F.batchNorm(x, {
      runningMean: this.runningMean, runningVar: this.runningVar, weight: this.weight, bias: this.bias,
      training: useBatchStats, momentum, eps: this.eps,
    });
  }
  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
  override config(): ModuleConfig {
    return { type: this.constructor.name, args: { numFeatures: this.numFeatures, ...this.options } };
  }
}

/** Batch normalisation of [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}
registerModule('BatchNorm1d', (c) => new BatchNorm1d(c.args!.numFeatures as number, c.args as BatchNormModuleOptions));

/** Batch normalisation of [N, C, H, W]. */
export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [4]);
  }
}
registerModule('BatchNorm2d', (c) => new BatchNorm2d(c.args!.numFeatures as number, c.args as BatchNormModuleOptions));

export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  constructor(normalizedShape: number | number[], readonly options: { eps?: number; elementwiseAffine?: boolean } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? new Parameter(ones(this.normalizedShape)) : null;
    this.bias = affine ? new Parameter(zeros(this.normalizedShape)) : null;
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.options.eps ?? 1e-5);
  }
  protected override extraRepr(): string {
    return `${shapeStr(this.normalizedShape)}, eps=${this.options.eps ?? 1e-5}, elementwiseAffine=${this.weight !== null}`;
  }
  override config(): ModuleConfig {
    return { type: 'LayerNorm', args: { normalizedShape: this.normalizedShape, ...this.options } };
  }
}
registerModule('LayerNorm', (c) => new LayerNorm(c.args!.normalizedShape as number[], c.args as { eps?: number }));

/** A lookup table of numEmbeddings vectors of size embeddingDim, initialised N(0, 1) as PyTorch. */
export class Embedding extends Module {
  weight: Parameter;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number) {
    super();
    positiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    positiveInt('Embedding', 'embeddingDim', embeddingDim);
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim]));
    init.normal(this.weight);
  }
  forward(indices: Tensor): Tensor {
    return F.embedding(indices, this.weight);
  }
  protected override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
  override config(): ModuleConfig {
    return { type: 'Embedding', args: { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim } };
  }
}
registerModule('Embedding', (c) => new Embedding(c.args!.numEmbeddings as number, c.args!.embeddingDim as number));

/** A stateless layer wrapping an elementwise function; `args` are its options (saved in config). */
abstract class Activation extends Module {
  constructor(protected readonly args: Record<string, number> = {}) {
    super();
  }
  protected override extraRepr(): string {
    return Object.entries(this.args).map(([k, v]) => `${k}=${v}`).join(', ');
  }
  override config(): ModuleConfig {
    return { type: this.constructor.name, args: { ...this.args } };
  }
}

export class Identity extends Activation {
  forward(x: Tensor): Tensor { return x; }
}
export class ReLU extends Activation {
  forward(x: Tensor): Tensor { return F.relu(x); }
}
export class Sigmoid extends Activation {
  forward(x: Tensor): Tensor { return F.sigmoid(x); }
}
export class Tanh extends Activation {
  forward(x: Tensor): Tensor { return F.tanh(x); }
}
export class GELU extends Activation {
  forward(x: Tensor): Tensor { return F.gelu(x); }
}
export class LeakyReLU extends Activation {
  constructor(negativeSlope = 0.01) { super({ negativeSlope }); }
  forward(x: Tensor): Tensor { return F.leakyRelu(x, this.args.negativeSlope); }
}
export class ELU extends Activation {
  constructor(alpha = 1) { super({ alpha }); }
  forward(x: Tensor): Tensor { return F.elu(x, this.args.alpha); }
}
export class Softplus extends Activation {
  constructor(beta = 1, threshold = 20) { super({ beta, threshold }); }
  forward(x: Tensor): Tensor { return F.softplus(x, this.args.beta, this.args.threshold); }
}
export class Softmax extends Activation {
  constructor(dim = -1) { super({ dim }); }
  forward(x: Tensor): Tensor { return F.softmax(x, this.args.dim); }
}
export class LogSoftmax extends Activation {
  constructor(dim = -1) { super({ dim }); }
  forward(x: Tensor): Tensor { return F.logSoftmax(x, this.args.dim); }
}
registerModule('Identity', () => new Identity());
registerModule('ReLU', () => new ReLU());
registerModule('Sigmoid', () => new Sigmoid());
registerModule('Tanh', () => new Tanh());
registerModule('GELU', () => new GELU());
registerModule('LeakyReLU', (c) => new LeakyReLU(c.args?.negativeSlope as number));
registerModule('ELU', (c) => new ELU(c.args?.alpha as number));
registerModule('Softplus', (c) => new Softplus(c.args?.beta as number, c.args?.threshold as number));
registerModule('Softmax', (c) => new Softmax(c.args?.dim as number));
registerModule('LogSoftmax', (c) => new LogSoftmax(c.args?.dim as number));
