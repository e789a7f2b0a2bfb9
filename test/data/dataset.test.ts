import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, arange, randperm, tensor } from '../../src/index.js';
import { Dataset, Subset, TensorDataset, randomSplit } from '../../src/data/index.js';

class Range extends Dataset<number> {
  constructor(readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  get(i: number): number {
    return i * 10;
  }
}

test('TensorDataset: rows of every tensor, length from dim 0, checks', () => {
  const x = arange(12).reshape([4, 3]);
  const y = tensor([7, 8, 9, 10], { dtype: 'int32' });
  const ds = new TensorDataset(x, y);
  assert.equal(ds.length, 4);
  const [xi, yi] = ds.get(2);
  assert.deepEqual(xi.toArray(), [6, 7, 8]);
  assert.deepEqual(yi.shape, []);
  assert.equal(yi.item(), 9);
  assert.equal(yi.dtype, 'int32');
  assert.deepEqual([...ds].map(([, t]) => t.item()), [7, 8, 9, 10]);
  assert.throws(() => ds.get(4), /TensorDataset.get: index 4 is out of range for a dataset of 4 items/);
  assert.throws(() => ds.get(-1), /out of range/);
  assert.throws(() => new TensorDataset(x, tensor([1, 2, 3])), /size mismatch between tensors: tensor 0 \[4,3\] has 4 rows, tensor 1 \[3\] has 3/);
  assert.throws(() => new TensorDataset(), /needs at least one tensor/);
  assert.throws(() => new TensorDataset(tensor(3)), /tensor 0 is 0-d/);
  // getBatch gathers the rows in the given order
  const [bx, by] = ds.getBatch(Int32Array.from([3, 0]));
  assert.deepEqual(bx.toArray(), [[9, 10, 11], [0, 1, 2]]);
  assert.deepEqual(by.toArray(), [10, 7]);
});

test('Subset: items at the given indices, validated', () => {
  const sub = new Subset(new Range(5), [4, 0, 2]);
  assert.equal(sub.length, 3);
  assert.deepEqual([...sub], [40, 0, 20]);
  assert.throws(() => sub.get(3), /Subset.get: index 3 is out of range for a dataset of 3 items/);
  assert.throws(() => new Subset(new Range(5), [1, 5]), /Subset: index 5 \(position 1\) is out of range for a dataset of 5 items/);
});

test('randomSplit: counts, disjoint cover, randperm order, reproducible with a generator', () => {
  const ds = new Range(10);
  const [a, b] = randomSplit(ds, [7, 3], { generator: new Generator(42) });
  assert.equal(a.length, 7);
  assert.equal(b.length, 3);
  const all = [...a.indices, ...b.indices];
  assert.deepEqual([...all].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // the subsets are consecutive pieces of randperm(n) drawn from the generator, as in PyTorch
  assert.deepEqual(all, Array.from(randperm(10, { generator: new Generator(42) }).data()));
  const [a2] = randomSplit(ds, [7, 3], { generator: new Generator(42) });
  assert.deepEqual(Array.from(a2.indices), Array.from(a.indices));
  const [a3] = randomSplit(ds, [7, 3], { generator: new Generator(43) });
  assert.notDeepEqual(Array.from(a3.indices), Array.from(a.indices));
  assert.deepEqual([...a].map((v) => v / 10), Array.from(a.indices));
});

test('randomSplit: fractions as in PyTorch (floor each, remainder round-robin from the first)', () => {
  // 11 * (0.5, 0.3, 0.2) = (5.5, 3.3, 2.2) -> floors (5, 3, 2), one left over -> (6, 3, 2)
  assert.deepEqual(randomSplit(new Range(11), [0.5, 0.3, 0.2], { generator: new Generator(0) }).map((s) => s.length), [6, 3, 2]);
  // 10 * (1/3, 1/3, 1/3) -> (3, 3, 3) plus one -> (4, 3, 3)
  assert.deepEqual(randomSplit(new Range(10), [1 / 3, 1 / 3, 1 / 3]).map((s) => s.length), [4, 3, 3]);
  assert.deepEqual(randomSplit(new Range(5), [0.8, 0.2]).map((s) => s.length), [4, 1]);
  assert.throws(() => randomSplit(new Range(5), [3, 3]), /sum of input lengths \(6\) does not equal the length of the input dataset \(5\)/);
  assert.throws(() => randomSplit(new Range(5), [0.5, 0.4]), /neither whole counts nor fractions summing to 1/);
  assert.throws(() => randomSplit(new Range(5), [6, -1]), /non-negative/);
});
