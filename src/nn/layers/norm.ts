/** Normalisation: BatchNorm1d, BatchNorm2d, LayerNorm. */
import { Module, Parameter } from '../module.js';
import { argCount, argProduct, moduleTypeName, registerLayer, type LayerDeclaration } from '../registry.js';
import * as F from '../functional.js';
import { shapeStr } from '../../tensor/shape.js';
import { ones, zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { positiveInt } from './common.js';

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
    positiveInt(moduleTypeName(this), 'numFeatures', numFeatures);
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
      throw new RangeError(`${moduleTypeName(this)}: expected input with ${this.expectedDims.join(' or ')} dims and ${this.numFeatures} channels in dim 1, got shape ${shapeStr(x.shape)}`);
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
}

/** What both batch norms declare: numFeatures and the options; numFeatures values unless neither affine nor tracking. */
function batchNormDeclaration<M extends BatchNormNd>(type: string, build: (numFeatures: number, o: BatchNormModuleOptions) => M): LayerDeclaration<M> {
  return {
    type,
    config: (m) => ({ args: { numFeatures: m.numFeatures, ...m.options } }),
    fromConfig: ({ args }) => build(args.numFeatures as number, args as BatchNormModuleOptions),
    needsArgs: true,
    keepsTensors: false,
    allocates: (a) => (a.affine === false && a.trackRunningStats === false ? 0 : argCount(a.numFeatures)),
  };
}

/** Batch normalisation of [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}
registerLayer(BatchNorm1d, batchNormDeclaration('BatchNorm1d', (n, o) => new BatchNorm1d(n, o)));

/** Batch normalisation of [N, C, H, W]. */
export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormModuleOptions = {}) {
    super(numFeatures, options, [4]);
  }
}
registerLayer(BatchNorm2d, batchNormDeclaration('BatchNorm2d', (n, o) => new BatchNorm2d(n, o)));

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
}
registerLayer(LayerNorm, {
  type: 'LayerNorm',
  config: (m) => ({ args: { normalizedShape: m.normalizedShape, ...m.options } }),
  fromConfig: ({ args }) => new LayerNorm(args.normalizedShape as number[], args as { eps?: number }),
  needsArgs: true,
  keepsTensors: false,
  allocates: (a) => (a.elementwiseAffine === false ? 0 : argProduct(a.normalizedShape, 1)),
});
