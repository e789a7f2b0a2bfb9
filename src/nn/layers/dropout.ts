/** Dropout. */
import { Module } from '../module.js';
import { registerLayer } from '../registry.js';
import * as F from '../functional.js';
import type { Tensor } from '../../tensor/tensor.js';

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
}
registerLayer(Dropout, {
  type: 'Dropout',
  config: (m) => ({ args: { p: m.p } }),
  fromConfig: ({ args }) => new Dropout(args.p as number),
  needsArgs: true,
  keepsTensors: false,
});
