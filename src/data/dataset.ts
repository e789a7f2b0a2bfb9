/**
 * Datasets: anything with a length and an item per index, as in PyTorch's map-style `torch.utils.data.Dataset`.
 * Browser-safe (no Node modules).
 */
import { randperm } from '../tensor/creation.js';
import { type Generator, defaultGenerator } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { checkIndex, fromTyped } from './util.js';

/**
 * A map-style dataset: `length` items, item `i` from `get(i)`. Subclasses implement both. Iterating a dataset yields
 * its items in order.
 *
 * A dataset may also implement `getBatch(indices)`, returning in one step what the default collate would make of
 * `indices.map(i => get(i))`; DataLoader uses it (when no custom collate is given) to skip per-item work.
 */
export abstract class Dataset<T> implements Iterable<T> {
  abstract get length(): number;
  abstract get(i: number): T;
  getBatch?(indices: Int32Array): unknown;

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }
}

/**
 * Wraps tensors that share their first dimension; item i is the list of their i-th rows (views, no copy).
 * `new TensorDataset(x, y).get(3)` is `[x[3], y[3]]`.
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new RangeError('TensorDataset: needs at least one tensor');
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${k} is not a Tensor`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset: tensor ${k} is 0-d; every tensor needs a first (row) dimension`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, k) => {
      if (t.shape[0] !== n) {
        throw new RangeError(`TensorDataset: size mismatch between tensors: tensor 0 ${shapeStr(tensors[0].shape)} has ${n} rows, tensor ${k} ${shapeStr(t.shape)} has ${t.shape[0]}`);
      }
    });
    this.tensors = Object.freeze(tensors.slice());
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(i: number): Tensor[] {
    checkIndex('TensorDataset.get', i, this.length);
    return this.tensors.map((t) => t.select(0, i));
  }

  /** The rows at `indices` of every tensor, each gathered with one indexSelect. */
  override getBatch(indices: Int32Array): Tensor[] {
    const n = this.length;
    for (let k = 0; k < indices.length; k++) checkIndex('TensorDataset.getBatch', indices[k], n);
    const index = fromTyped(indices, [indices.length], 'int32');
    return this.tensors.map((t) => t.indexSelect(0, index));
  }
}

/** The items of `dataset` at `indices`, in that order: `subset.get(i)` is `dataset.get(indices[i])`. */
export class Subset<T> extends Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: Int32Array;

  constructor(dataset: Dataset<T>, indices: ArrayLike<number>) {
    super();
    const n = dataset.length;
    const idx = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`Subset: index ${i} (position ${k}) is out of range for a dataset of ${n} items`);
      idx[k] = i;
    }
    this.dataset = dataset;
    this.indices = idx;
  }

  get length(): number {
    return this.indices.length;
  }

  get(i: number): T {
    checkIndex('Subset.get', i, this.indices.length);
    return this.dataset.get(this.indices[i]);
  }
}

/**
 * A function gathering a default-collated batch in one step, when `dataset` offers one: its own `getBatch`, or, for a
 * Subset, the wrapped dataset's (indices mapped through the subset). Null when items must be fetched one by one.
 */
export function batchGetter(dataset: Dataset<unknown>): ((indices: Int32Array) => unknown) | null {
  if (dataset instanceof Subset) {
    const inner = batchGetter(dataset.dataset);
    if (!inner) return null;
    const map = dataset.indices;
    return (indices) => {
      const mapped = new Int32Array(indices.length);
      for (let k = 0; k < indices.length; k++) {
        checkIndex('Subset.getBatch', indices[k], map.length);
        mapped[k] = map[indices[k]];
      }
      return inner(mapped);
    };
  }
  return typeof dataset.getBatch === 'function' ? (indices) => dataset.getBatch!(indices) : null;
}

export interface RandomSplitOptions {
  /** Source of the permutation; defaults to the global generator (seed it with manualSeed). */
  generator?: Generator;
}

/**
 * Splits a dataset into non-overlapping random subsets, as torch.utils.data.random_split: `lengths` are item counts
 * summing to the dataset's length, or fractions summing to 1 (each floor(n * f), the remainder handed out one item at
 * a time round-robin from the first subset). The permutation is `randperm(n, {generator})`.
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  const n = dataset.length;
  if (lengths.length === 0) throw new RangeError('randomSplit: lengths must not be empty');
  if (lengths.some((l) => !Number.isFinite(l) || l < 0)) throw new RangeError(`randomSplit: lengths must be non-negative numbers, got [${lengths.join(', ')}]`);
  let counts = lengths.slice();
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-9 && total <= n) {
    // fractions, exactly as PyTorch decides: the lengths sum to 1 (and 1 <= n)
    counts = lengths.map((f) => Math.floor(n * f));
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length] += 1;
  } else if (lengths.some((l) => !Number.isInteger(l))) {
    throw new RangeError(`randomSplit: lengths [${lengths.join(', ')}] are neither whole counts nor fractions summing to 1`);
  }
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum !== n) throw new RangeError(`randomSplit: sum of input lengths (${sum}) does not equal the length of the input dataset (${n})`);
  const perm = randperm(n, { generator: options.generator ?? defaultGenerator }).data() as Int32Array;
  const out: Subset<T>[] = [];
  let start = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.subarray(start, start + c)));
    start += c;
  }
  return out;
}
