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
    const [N, C, H, W] = x.shape;
    const src = x.contiguous().data();
    const out = new (src.constructor as Float32ArrayConstructor)(src.length);
    const span = 2 * this.maxShift + 1;
    const plane = H * W;
    for (let n = 0; n < N; n++) {
      const dy = Math.floor(this.generator.random() * span) - this.maxShift;
      const dx = Math.floor(this.generator.random() * span) - this.maxShift;
      // destination rows/cols that have a source pixel
      const y0 = Math.max(0, dy), y1 = Math.min(H, H + dy);
      const x0 = Math.max(0, dx), x1 = Math.min(W, W + dx);
      for (let c = 0; c < C; c++) {
        const base = (n * C + c) * plane;
        for (let y = y0; y < y1; y++) {
          const d = base + y * W, s = base + (y - dy) * W - dx;
          out.set(src.subarray(s + x0, s + x1), d + x0);
        }
      }
    }
    return new Tensor(x.backend.fromTypedArray(out, x.dtype), x.shape.slice());
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
