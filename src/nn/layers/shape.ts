/** Layers that only reshape or pass through: Flatten, Unflatten, Identity. */
import { Module } from '../module.js';
import { registerLayer } from '../registry.js';
import { shapeStr } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';

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
}
registerLayer(Flatten, {
  type: 'Flatten',
  config: (m) => ({ args: { startDim: m.startDim, endDim: m.endDim } }),
  fromConfig: ({ args }) => new Flatten(args.startDim as number, args.endDim as number),
  needsArgs: true,
  keepsTensors: false,
});

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
}
registerLayer(Unflatten, {
  type: 'Unflatten',
  config: (m) => ({ args: { dim: m.dim, unflattenedSize: m.unflattenedSize } }),
  fromConfig: ({ args }) => new Unflatten(args.dim as number, args.unflattenedSize as number[]),
  needsArgs: true,
  keepsTensors: false,
});

/** Returns its input. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
registerLayer(Identity, { type: 'Identity', config: () => ({ args: {} }), fromConfig: () => new Identity(), keepsTensors: false });
