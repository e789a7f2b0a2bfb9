/**
 * DataLoader: batches of a dataset, optionally shuffled, as torch.utils.data.DataLoader (single process). Browser-safe.
 */
import type { TypedArray } from '../tensor/dtype.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { stack } from '../ops/shape.js';
import { type Dataset, batchGetter } from './dataset.js';
import { adoptTyped } from './util.js';

/**
 * What defaultCollate makes of a list of items of type T: tensors are stacked, numbers and booleans become a tensor,
 * typed arrays are stacked into a 2-D tensor, strings stay a list, and arrays (tuples) and plain objects are collated
 * position by position / key by key.
 */
export type Collated<T> =
  T extends Tensor ? Tensor
    : T extends number | boolean ? Tensor
      : T extends string ? string[]
        : T extends TypedArray ? Tensor
          : T extends readonly unknown[] ? { -readonly [K in keyof T]: Collated<T[K]> }
            : T extends object ? { [K in keyof T]: Collated<T[K]> }
              : T[];

function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array || x instanceof Int32Array || x instanceof Uint8Array;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function collateAt(items: readonly unknown[], where: string): unknown {
  const first = items[0];
  if (first instanceof Tensor) {
    for (let k = 0; k < items.length; k++) {
      const t = items[k];
      if (!(t instanceof Tensor)) throw new TypeError(`defaultCollate: item ${k}${where} is not a Tensor while item 0's is`);
      if (t.ndim !== first.ndim || t.shape.some((s, i) => s !== first.shape[i])) {
        throw new RangeError(`defaultCollate: cannot stack item 0${where} of shape ${shapeStr(first.shape)} with item ${k}'s of shape ${shapeStr(t.shape)}`);
      }
    }
    return stack(items as Tensor[], 0);
  }
  if (typeof first === 'number' || typeof first === 'boolean') {
    const kind = typeof first;
    for (let k = 0; k < items.length; k++) {
      if (typeof items[k] !== kind) throw new TypeError(`defaultCollate: item ${k}${where} is a ${typeof items[k]} while item 0's is a ${kind}`);
    }
    if (kind === 'boolean') return adoptTyped(Uint8Array.from(items as boolean[], (b) => (b ? 1 : 0)), [items.length], 'bool');
    const nums = items as number[];
    // whole numbers that fit in int32 make an int32 tensor (labels, indices); anything else a float32 one
    if (nums.every((v) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) return adoptTyped(Int32Array.from(nums), [nums.length], 'int32');
    return adoptTyped(Float32Array.from(nums), [nums.length], 'float32');
  }
  if (typeof first === 'string') {
    for (let k = 0; k < items.length; k++) {
      if (typeof items[k] !== 'string') throw new TypeError(`defaultCollate: item ${k}${where} is a ${typeof items[k]} while item 0's is a string`);
    }
    return items.slice();
  }
  if (isTypedArray(first)) {
    const Ctor = first.constructor as new (n: number) => TypedArray;
    const len = first.length;
    const out = new Ctor(items.length * len);
    for (let k = 0; k < items.length; k++) {
      const a = items[k];
      if (!isTypedArray(a) || a.constructor !== Ctor || a.length !== len) {
        throw new TypeError(`defaultCollate: item ${k}${where} is not a ${Ctor.name} of length ${len} like item 0's`);
      }
      out.set(a, k * len);
    }
    const dtype = first instanceof Float32Array ? 'float32' : first instanceof Float64Array ? 'float64' : first instanceof Int32Array ? 'int32' : 'bool';
    return adoptTyped(out, [items.length, len], dtype);
  }
  if (Array.isArray(first)) {
    const n = first.length;
    for (let k = 0; k < items.length; k++) {
      const a = items[k];
      if (!Array.isArray(a) || a.length !== n) {
        throw new RangeError(`defaultCollate: each item${where} must be a list of ${n} fields like item 0, item ${k} is ${Array.isArray(a) ? `a list of ${a.length}` : typeof a}`);
      }
    }
    const out: unknown[] = [];
    for (let j = 0; j < n; j++) out.push(collateAt(items.map((a) => (a as unknown[])[j]), `${where}[${j}]`));
    return out;
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      out[key] = collateAt(items.map((o, k) => {
        if (!isPlainObject(o) || !(key in o)) throw new TypeError(`defaultCollate: item ${k}${where} has no field '${key}' while item 0 does`);
        return o[key];
      }), `${where}.${key}`);
    }
    return out;
  }
  if (first === null || first === undefined) throw new TypeError(`defaultCollate: item 0${where} is ${first}`);
  return items.slice();
}

/**
 * PyTorch's default_collate: turns a list of items into a batch. Tensors are stacked along a new first dim; numbers
 * become a 1-D tensor (int32 when all are integers, else float32), booleans a bool tensor; typed arrays of one length
 * are stacked into [B, length]; strings stay a string[]; arrays (tuples) are collated position by position and plain
 * objects key by key. Anything else is returned as the list of items.
 */
export function defaultCollate<T>(items: readonly T[]): Collated<T> {
  if (items.length === 0) throw new RangeError('defaultCollate: cannot collate an empty batch');
  return collateAt(items, '') as Collated<T>;
}

export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Visit items in a fresh random order each epoch (each time the loader is iterated). Default false. */
  shuffle?: boolean;
  /** Drop the last batch when it would be smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** The generator that draws the shuffling permutations; defaults to the global one (seed it with manualSeed). */
  generator?: Generator;
  /** Shorthand for `generator: new Generator(seed)`: a loader with its own reproducible order. */
  seed?: number;
  /** Builds a batch from a list of items; default defaultCollate. */
  collate?: (items: T[]) => B;
}

/**
 * Iterates a dataset in batches: `for (const [x, y] of new DataLoader(ds, { batchSize: 64, shuffle: true }))`.
 * `length` is the number of batches per epoch. Each iteration over the loader is one epoch; with `shuffle` each draws a
 * new permutation from the generator, so epochs differ while a seeded generator makes the whole sequence reproducible.
 * With the default collate, a TensorDataset (or a Subset of one) is batched by one indexSelect per tensor instead of
 * stacking rows one at a time.
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator;
  private readonly collateFn: ((items: T[]) => B) | null;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    const { batchSize = 1, shuffle = false, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (options.generator !== undefined && options.seed !== undefined) throw new TypeError('DataLoader: give either generator or seed, not both');
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = options.generator ?? (options.seed !== undefined ? new Generator(options.seed) : defaultGenerator);
    this.collateFn = options.collate ?? null;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The order of the next epoch's items: 0..n-1, or a permutation drawn from the generator when shuffling. */
  private epochOrder(): Int32Array {
    const n = this.dataset.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.shuffle) {
      // Fisher-Yates, drawing as randperm does, so a loader and randperm with equal generators agree
      const g = this.generator;
      for (let i = n - 1; i > 0; i--) {
        const j = g.integer(0, i + 1);
        const tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
      }
    }
    return order;
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = this.epochOrder();
    const batches = this.length;
    const fast = this.collateFn === null ? batchGetter(this.dataset as Dataset<unknown>) : null;
    for (let b = 0; b < batches; b++) {
      const indices = order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize));
      if (fast) {
        yield fast(indices) as B;
        continue;
      }
      const items: T[] = new Array(indices.length);
      for (let k = 0; k < indices.length; k++) items[k] = this.dataset.get(indices[k]);
      yield this.collateFn ? this.collateFn(items) : (defaultCollate(items) as B);
    }
  }
}
