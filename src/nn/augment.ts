/**
 * Data augmentation as layers (as Keras's preprocessing layers): active in training mode, the identity in eval mode,
 * so a model keeps its augmentation in its architecture and predict()/evaluate() see the data unchanged.
 */
import { shapeStr } from '../tensor/shape.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { registerLayer } from './registry.js';

/**
 * Moves each image of a batch [N,C,H,W] by its own random whole-pixel offset in [-maxShift, maxShift] along both
 * axes, filling the uncovered border with zeros. Meant for input images (it passes no gradient to its input).
 */
export class RandomShift extends Module {
  constructor(readonly maxShift: number, private readonly generator: Generator = defaultGenerator) {
    super();
    if (!Number.isInteger(maxShift) || maxShift < 0) throw new RangeError(`RandomShift: maxShift must be a non-negative integer, got ${maxShift}`);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.maxShift === 0) return x;
    if (x.ndim !== 4) throw new RangeError(`RandomShift: expected images [N,C,H,W], got shape ${shapeStr(x.shape)}`);
    if (x.requiresGrad) throw new Error('RandomShift: the input requires grad; this layer augments input data and passes no gradient');
    const N = x.shape[0];
    const dy = new Int32Array(N), dx = new Int32Array(N);
    const span = 2 * this.maxShift + 1;
    for (let n = 0; n < N; n++) {
      dy[n] = Math.floor(this.generator.random() * span) - this.maxShift;
      dx[n] = Math.floor(this.generator.random() * span) - this.maxShift;
    }
    return new Tensor(x.backend.kernels.shiftImages(x, dy, dx), x.shape);
  }

  protected override extraRepr(): string {
    return `maxShift=${this.maxShift}`;
  }
}
registerLayer(RandomShift, {
  type: 'RandomShift',
  config: (m) => ({ args: { maxShift: m.maxShift } }),
  fromConfig: ({ args }) => new RandomShift(args.maxShift as number),
});
