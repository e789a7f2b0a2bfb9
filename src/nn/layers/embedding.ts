/** Embedding: a lookup table of vectors. */
import { Module, Parameter } from '../module.js';
import { argCount, registerLayer } from '../registry.js';
import * as F from '../functional.js';
import * as init from '../init.js';
import { zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { positiveInt } from './common.js';

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
}
registerLayer(Embedding, {
  type: 'Embedding',
  config: (m) => ({ args: { numEmbeddings: m.numEmbeddings, embeddingDim: m.embeddingDim } }),
  fromConfig: ({ args }) => new Embedding(args.numEmbeddings as number, args.embeddingDim as number),
  needsArgs: true,
  keepsTensors: false,
  allocates: (a) => argCount(a.numEmbeddings) * argCount(a.embeddingDim),
});
