import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, Tensor, arange, manualSeed, randperm, tensor } from '../../src/index.js';
import { DataLoader, Dataset, Subset, TensorDataset, defaultCollate, randomSplit } from '../../src/data/index.js';

/** A dataset of 0..n-1 as plain numbers. */
class Numbers extends Dataset<number> {
  gets = 0;
  constructor(readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  get(i: number): number {
    this.gets++;
    return i;
  }
}

/** Same items as a TensorDataset but fetched one by one (no getBatch), to compare with the fast path. */
class SlowPairs extends Dataset<Tensor[]> {
  constructor(readonly x: Tensor, readonly y: Tensor) {
    super();
  }
  get length(): number {
    return this.x.shape[0];
  }
  get(i: number): Tensor[] {
    return [this.x.select(0, i), this.y.select(0, i)];
  }
}

const batchesOf = (loader: Iterable<Tensor>): number[][] => [...loader].map((b) => Array.from(b.data()));

test('DataLoader: batches in order, last one short, length = number of batches', () => {
  const loader = new DataLoader(new Numbers(10), { batchSize: 4 });
  assert.equal(loader.length, 3);
  const batches = [...loader];
  assert.equal(batches.length, 3);
  assert.deepEqual(batches.map((b) => b.toArray()), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.equal(batches[0].dtype, 'int32');
  // dropLast drops the short batch
  const dropped = new DataLoader(new Numbers(10), { batchSize: 4, dropLast: true });
  assert.equal(dropped.length, 2);
  assert.deepEqual(batchesOf(dropped), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  assert.equal(new DataLoader(new Numbers(8), { batchSize: 4, dropLast: true }).length, 2);
  assert.equal(new DataLoader(new Numbers(3), { batchSize: 4, dropLast: true }).length, 0);
  assert.deepEqual(batchesOf(new DataLoader(new Numbers(3))), [[0], [1], [2]]);
  assert.throws(() => new DataLoader(new Numbers(3), { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
});

test('DataLoader: shuffle visits every item once per epoch, differs between epochs, reproducible by seed', () => {
  const loader = new DataLoader(new Numbers(20), { batchSize: 6, shuffle: true, seed: 7 });
  const epoch1 = batchesOf(loader);
  const epoch2 = batchesOf(loader);
  assert.deepEqual(epoch1.map((b) => b.length), [6, 6, 6, 2]);
  for (const e of [epoch1, epoch2]) assert.deepEqual(e.flat().sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
  assert.notDeepEqual(epoch1.flat(), epoch2.flat());
  assert.notDeepEqual(epoch1.flat(), Array.from({ length: 20 }, (_, i) => i));
  // the same seed replays the same epochs; the first epoch's order is randperm's with the same generator
  const again = new DataLoader(new Numbers(20), { batchSize: 6, shuffle: true, generator: new Generator(7) });
  assert.deepEqual(batchesOf(again), epoch1);
  assert.deepEqual(batchesOf(again), epoch2);
  assert.deepEqual(epoch1.flat(), Array.from(randperm(20, { generator: new Generator(7) }).data()));
  // without a generator the global one is used, so manualSeed makes it reproducible
  manualSeed(3);
  const g1 = batchesOf(new DataLoader(new Numbers(9), { batchSize: 9, shuffle: true }));
  manualSeed(3);
  const g2 = batchesOf(new DataLoader(new Numbers(9), { batchSize: 9, shuffle: true }));
  assert.deepEqual(g1, g2);
  assert.throws(() => new DataLoader(new Numbers(3), { seed: 1, generator: new Generator(1) }), /either generator or seed/);
});

test('DataLoader: a TensorDataset is batched with indexSelect, never item by item, same result as stacking', () => {
  const x = arange(30, { dtype: 'float32' }).reshape([10, 3]);
  const y = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { dtype: 'int32' });
  class NoItems extends TensorDataset {
    override get(): Tensor[] {
      throw new Error('get() must not be called on the fast path');
    }
  }
  const fast = new DataLoader(new NoItems(x, y), { batchSize: 4, shuffle: true, seed: 11 });
  const slow = new DataLoader(new SlowPairs(x, y), { batchSize: 4, shuffle: true, seed: 11 });
  const fb = [...fast];
  const sb = [...slow];
  assert.equal(fb.length, 3);
  fb.forEach(([fx, fy], i) => {
    const [sx, sy] = sb[i];
    assert.deepEqual(fx.shape, sx.shape);
    assert.equal(fx.dtype, 'float32');
    assert.equal(fy.dtype, 'int32');
    assert.deepEqual(fx.toArray(), sx.toArray());
    assert.deepEqual(fy.toArray(), sy.toArray());
    // rows stay paired with their labels
    (fy.toArray() as number[]).forEach((label, r) => assert.deepEqual((fx.toArray() as number[][])[r], [3 * label, 3 * label + 1, 3 * label + 2]));
  });
  assert.deepEqual(fb[2][0].shape, [2, 3]);
  // a Subset of a TensorDataset (what randomSplit returns) takes the fast path too
  const [train] = randomSplit(new NoItems(x, y), [6, 4], { generator: new Generator(1) });
  const seen = [...new DataLoader(train, { batchSize: 4 })].flatMap(([, by]) => Array.from(by.data()));
  assert.deepEqual(seen, Array.from(train.indices));
  // with a custom collate the items are fetched one by one and handed over as a list
  const custom = new DataLoader(new TensorDataset(x, y), { batchSize: 5, collate: (items) => items.map(([, t]) => t.item()) });
  assert.deepEqual([...custom], [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
});

test('defaultCollate: tensors stacked, numbers to tensors, tuples and objects field by field', () => {
  const items: [Tensor, number, string][] = [
    [tensor([1, 2]), 0, 'a'],
    [tensor([3, 4]), 1, 'b'],
  ];
  const [xs, ys, names] = defaultCollate(items);
  assert.deepEqual(xs.shape, [2, 2]);
  assert.deepEqual(xs.toArray(), [[1, 2], [3, 4]]);
  assert.equal(ys.dtype, 'int32');
  assert.deepEqual(ys.toArray(), [0, 1]);
  assert.deepEqual(names, ['a', 'b']);
  const floats = defaultCollate([0.5, 1]);
  assert.equal(floats.dtype, 'float32');
  assert.deepEqual(floats.toArray(), [0.5, 1]);
  const flags = defaultCollate([true, false]);
  assert.equal(flags.dtype, 'bool');
  assert.deepEqual(flags.toArray(), [true, false]);
  const objs = defaultCollate([{ image: tensor([[1]]), label: 3 }, { image: tensor([[2]]), label: 4 }]);
  assert.deepEqual(objs.image.shape, [2, 1, 1]);
  assert.deepEqual(objs.label.toArray(), [3, 4]);
  const typed = defaultCollate([Float32Array.from([1, 2, 3]), Float32Array.from([4, 5, 6])]);
  assert.deepEqual(typed.shape, [2, 3]);
  assert.equal(typed.dtype, 'float32');
  // a loader over pairs yields collated pairs
  class Pairs extends Dataset<[Tensor, number]> {
    get length(): number {
      return 3;
    }
    get(i: number): [Tensor, number] {
      return [tensor([i, -i]), i % 2];
    }
  }
  const [[bx, by]] = [...new DataLoader(new Pairs(), { batchSize: 3 })];
  assert.deepEqual(bx.toArray(), [[0, -0], [1, -1], [2, -2]]);
  assert.deepEqual(by.toArray(), [0, 1, 0]);
  assert.throws(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])]), /cannot stack item 0 of shape \[2\] with item 1's of shape \[3\]/);
  assert.throws(() => defaultCollate([[tensor([1]), 1], [tensor([1])]]), /must be a list of 2 fields like item 0, item 1 is a list of 1/);
  assert.throws(() => defaultCollate([]), /cannot collate an empty batch/);
});
