import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { datasets, mnist } from '../../src/data/index.js';
import { stratifiedCounts } from '../../src/data/datasets/mnist.js';
import type { Tensor } from '../../src/index.js';

const TRAIN_PER_DIGIT = [801, 902, 793, 826, 784, 690, 811, 856, 755, 782];
const TEST_PER_DIGIT = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

function labelCounts(labels: Tensor): number[] {
  const counts = new Array(10).fill(0);
  for (const l of labels.data()) counts[l]++;
  return counts;
}

const cacheDir = mkdtempSync(join(tmpdir(), 'myelin-mnist-'));
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));

test('stratifiedCounts: 80% of each class, largest remainders fill up to the exact total', () => {
  // 1001 * 0.8 = 800.8 ... ; floors sum to 7996, the four largest remainders (.8, .8, .6, .6) get one more
  assert.deepEqual(stratifiedCounts([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], 0.8), TRAIN_PER_DIGIT);
  assert.deepEqual(stratifiedCounts([5, 5, 5], 0.5), [3, 3, 2]);
});

test('mnist: 8,000 / 2,000 images in [0, 1], stratified labels, parsed once then read from the cache', () => {
  const first = mnist({ cacheDir });
  assert.equal(first.cache.hit, false);
  assert.equal(first.cache.path, join(cacheDir, 'mnist.bin'));
  const { train, test: testSplit } = first;
  assert.deepEqual(train.images.shape, [8000, 1, 28, 28]);
  assert.deepEqual(testSplit.images.shape, [2000, 1, 28, 28]);
  assert.equal(train.images.dtype, 'float32');
  assert.equal(train.labels.dtype, 'int32');
  assert.deepEqual(train.labels.shape, [8000]);
  assert.deepEqual(testSplit.labels.shape, [2000]);
  assert.deepEqual(labelCounts(train.labels), TRAIN_PER_DIGIT);
  assert.deepEqual(labelCounts(testSplit.labels), TEST_PER_DIGIT);
  const px = train.images.data();
  let lo = Infinity, hi = -Infinity, sum = 0;
  for (const v of px) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    sum += v;
  }
  assert.equal(lo, 0);
  assert.equal(hi, 1);
  // real digits: mostly background, about 13% ink on average
  assert.ok(sum / px.length > 0.08 && sum / px.length < 0.2, `mean pixel ${sum / px.length}`);
  // every pixel is a byte / 255
  for (let i = 0; i < px.length; i += 97) assert.equal(px[i], Math.fround(Math.round(px[i] * 255) / 255));
  // the order is shuffled: the first 100 training images hold every digit
  assert.equal(new Set(Array.from(train.labels.data()).slice(0, 100)).size, 10);

  const second = datasets.mnist({ cacheDir });
  assert.equal(second.cache.hit, true);
  assert.deepEqual(Array.from(second.train.labels.data()), Array.from(train.labels.data()));
  assert.deepEqual(Buffer.from(second.test.images.data().buffer), Buffer.from(testSplit.images.data().buffer));
  assert.deepEqual(Buffer.from(second.train.images.data().buffer), Buffer.from(px.buffer));
});

test('mnist: train holds the first 80% of each digit in the package\'s stored order', () => {
  const { train, test: testSplit } = mnist({ cacheDir });
  const pkg = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  const zeros = (JSON.parse(readFileSync(join(pkg, 'src', 'digits', '0.json'), 'utf8')) as { data: number[] }).data;
  const key = (values: ArrayLike<number>) => Array.from(values, (v) => Math.round(v * 255)).join(',');
  const stored = Array.from({ length: zeros.length / 784 }, (_, i) => key(zeros.slice(i * 784, (i + 1) * 784)));
  const imagesOf = (split: { images: Tensor; labels: Tensor }) => {
    const px = split.images.data();
    const out: string[] = [];
    split.labels.data().forEach((l, i) => { if (l === 0) out.push(key(px.subarray(i * 784, (i + 1) * 784))); });
    return out.sort();
  };
  assert.deepEqual(imagesOf(train), stored.slice(0, 801).sort());
  assert.deepEqual(imagesOf(testSplit), stored.slice(801).sort());
});

test('mnist: a file that is not a valid cache is ignored and replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-mnist-bad-'));
  try {
    const file = join(dir, 'mnist.bin');
    writeFileSync(file, 'MYELCACH not really a cache');
    const a = mnist({ cacheDir: dir });
    assert.equal(a.cache.hit, false);
    assert.equal(a.cache.path, file);
    assert.deepEqual(labelCounts(a.test.labels), TEST_PER_DIGIT);
    assert.equal(mnist({ cacheDir: dir }).cache.hit, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
