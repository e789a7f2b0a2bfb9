/** Small synthetic data sets and models shared by the training tests. */
import { Generator, Tensor, manualSeed, tensor } from '../../src/index.js';
import { Dropout, Linear, ReLU, Sequential } from '../../src/nn/index.js';

/**
 * Two Gaussian blobs in 2-D, classes 0 and 1 centred at (-2, -2) and (2, 2) with unit spread: linearly separable
 * in practice. Samples alternate between the classes; labels are int32.
 */
export function blobs(n: number, seed = 1, spread = 0.5): [Tensor, Tensor] {
  const g = new Generator(seed);
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const centre = c === 0 ? -2 : 2;
    xs[2 * i] = centre + spread * g.normal();
    xs[2 * i + 1] = centre + spread * g.normal();
    ys[i] = c;
  }
  return [tensor(xs, { shape: [n, 2] }), tensor(ys, { dtype: 'int32' })];
}

/** y = x . w + b + noise for fixed w = [1.5, -2, 0.5], b = 0.3; x [n, 3], y [n, 1] (float32). */
export function linearData(n: number, seed = 2, noise = 0.01): [Tensor, Tensor] {
  const g = new Generator(seed);
  const w = [1.5, -2, 0.5];
  const xs = new Float32Array(n * 3);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let y = 0.3;
    for (let j = 0; j < 3; j++) {
      const v = g.normal();
      xs[3 * i + j] = v;
      y += w[j] * v;
    }
    ys[i] = y + noise * g.normal();
  }
  return [tensor(xs, { shape: [n, 3] }), tensor(ys, { shape: [n, 1] })];
}

/** A small classifier for the blobs: 2 -> 8 -> 2, initialised from the global generator after manualSeed(seed). */
export function classifier(seed = 0, dropout = 0): Sequential {
  manualSeed(seed);
  return dropout > 0
    ? new Sequential(new Linear(2, 8), new ReLU(), new Dropout(dropout), new Linear(8, 2))
    : new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 2));
}

/** Every parameter and buffer as plain arrays, by name (for exact comparisons). */
export function weights(model: { stateDict(): Map<string, Tensor> }): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of model.stateDict()) out[k] = Array.from(t.data());
  return out;
}

/** A stream that records what is written to it. */
export class FakeStream {
  chunks: string[] = [];
  constructor(readonly isTTY: boolean, readonly columns?: number) {}
  write(s: string): boolean {
    this.chunks.push(s);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}
