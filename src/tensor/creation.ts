/** Creating tensors: from data, filled, ranges, identity, and random (seeded). */
import { getBackend } from '../backend/backend.js';
import { type DType, type TypedArray, assertDType, castScalar, dtypeOfTypedArray, typedArrayFor } from './dtype.js';
import { shapeStr, sizeOf } from './shape.js';
import { Generator, defaultGenerator } from './random.js';
import { Tensor, type NestedArray } from './tensor.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

function finish(data: TypedArray, shape: readonly number[], dtype: DType, requiresGrad?: boolean): Tensor {
  const t = new Tensor(getBackend().fromTypedArray(data, dtype), shape);
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

function checkShape(shape: readonly number[], op: string): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`${op}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

function inferShape(data: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  // verify every branch is rectangular
  const check = (node: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(node)) throw new RangeError(`${op}: ragged nested array (expected a number at depth ${dim})`);
      if (typeof node !== 'number' && typeof node !== 'boolean') throw new TypeError(`${op}: elements must be numbers or booleans, got ${typeof node}`);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[dim]) {
      throw new RangeError(`${op}: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(node) ? node.length : 'a scalar'}`);
    }
    for (const child of node) check(child, dim + 1);
  };
  check(data, 0);
  return shape;
}

function flattenNested(data: NestedArray, out: number[]): void {
  if (Array.isArray(data)) for (const d of data) flattenNested(d, out);
  else out.push(typeof data === 'boolean' ? (data ? 1 : 0) : data);
}

function isBoolData(data: NestedArray): boolean {
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    if (cur.length === 0) return false;
    cur = cur[0];
  }
  return typeof cur === 'boolean';
}

export interface TensorOptions extends CreateOptions {
  /** Shape for flat data (a typed array or a flat list); defaults to 1-D. */
  shape?: readonly number[];
}

/**
 * A tensor from nested arrays, a typed array or a number. dtype defaults to float32 (bool for booleans, and the typed
 * array's own type for Int32Array/Float64Array/Uint8Array).
 */
export function tensor(data: NestedArray | TypedArray, options: TensorOptions = {}): Tensor {
  const op = 'tensor';
  let flat: ArrayLike<number>;
  let shape: number[];
  let inferred: DType = 'float32';
  if (ArrayBuffer.isView(data)) {
    flat = data;
    shape = options.shape ? options.shape.slice() : [data.length];
    const own = dtypeOfTypedArray(data);
    inferred = own === 'bool' ? 'bool' : own === 'float32' ? 'float32' : own;
  } else {
    const inferredShape = inferShape(data, op);
    const values: number[] = [];
    flattenNested(data, values);
    flat = values;
    shape = options.shape ? options.shape.slice() : inferredShape;
    if (isBoolData(data)) inferred = 'bool';
  }
  checkShape(shape, op);
  if (sizeOf(shape) !== flat.length) throw new RangeError(`${op}: shape ${shapeStr(shape)} needs ${sizeOf(shape)} values, got ${flat.length}`);
  const dtype = options.dtype ? assertDType(options.dtype, op) : inferred;
  const arr = typedArrayFor(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) arr[i] = castScalar(flat[i], dtype);
  return finish(arr, shape, dtype, options.requiresGrad);
}

export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  checkShape(shape, 'full');
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const arr = typedArrayFor(dtype, sizeOf(shape));
  arr.fill(castScalar(value, dtype));
  return finish(arr, shape, dtype, options.requiresGrad);
}

export const zeros = (shape: readonly number[], options: CreateOptions = {}): Tensor => full(shape, 0, options);
export const ones = (shape: readonly number[], options: CreateOptions = {}): Tensor => full(shape, 1, options);

function likeOptions(x: Tensor, options: CreateOptions): CreateOptions {
  return { dtype: options.dtype ?? x.dtype, requiresGrad: options.requiresGrad };
}
export const zerosLike = (x: Tensor, options: CreateOptions = {}): Tensor => zeros(x.shape, likeOptions(x, options));
export const onesLike = (x: Tensor, options: CreateOptions = {}): Tensor => ones(x.shape, likeOptions(x, options));
export const fullLike = (x: Tensor, value: number, options: CreateOptions = {}): Tensor => full(x.shape, value, likeOptions(x, options));

/**
 * Values from start (inclusive) to end (exclusive) by step; arange(n) is 0..n-1. int32 when all arguments are
 * integers, else float32.
 */
export function arange(startOrEnd: number, endOrOptions?: number | CreateOptions, step = 1, options: CreateOptions = {}): Tensor {
  let start = 0, end: number;
  if (typeof endOrOptions === 'number') {
    start = startOrEnd;
    end = endOrOptions;
  } else {
    end = startOrEnd;
    if (endOrOptions) options = endOrOptions;
  }
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = options.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32');
  const arr = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = castScalar(start + i * step, dtype);
  return finish(arr, [n], dtype, options.requiresGrad);
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = options.dtype ?? 'float32';
  const arr = typedArrayFor(dtype, steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // fill from both ends symmetrically, as PyTorch does, so the last value is exactly `end`
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) arr[i] = castScalar(i < half ? start + i * delta : end - (steps - 1 - i) * delta, dtype);
  return finish(arr, [steps], dtype, options.requiresGrad);
}

/** Identity matrix n x m (m defaults to n). */
export function eye(n: number, m: number = n, options: CreateOptions = {}): Tensor {
  checkShape([n, m], 'eye');
  const dtype = options.dtype ?? 'float32';
  const arr = typedArrayFor(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return finish(arr, [n, m], dtype, options.requiresGrad);
}

function randomFill(shape: readonly number[], options: RandomOptions, op: string, draw: (g: Generator) => number): Tensor {
  checkShape(shape, op);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  const g = options.generator ?? defaultGenerator;
  const arr = typedArrayFor(dtype, sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = draw(g);
  return finish(arr, shape, dtype, options.requiresGrad);
}

/** Uniform in [0, 1). */
export const rand = (shape: readonly number[], options: RandomOptions = {}): Tensor => randomFill(shape, options, 'rand', (g) => g.random());
/** Standard normal. */
export const randn = (shape: readonly number[], options: RandomOptions = {}): Tensor => randomFill(shape, options, 'randn', (g) => g.normal());
/** Uniform in [low, high). */
export const uniform = (shape: readonly number[], low: number, high: number, options: RandomOptions = {}): Tensor =>
  randomFill(shape, options, 'uniform', (g) => low + (high - low) * g.random());
/** Normal with the given mean and standard deviation. */
export const normal = (shape: readonly number[], mean: number, std: number, options: RandomOptions = {}): Tensor =>
  randomFill(shape, options, 'normal', (g) => mean + std * g.normal());

/** Integers uniform in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  checkShape(shape, 'randint');
  if (!(Number.isInteger(low) && Number.isInteger(high) && high > low)) throw new RangeError(`randint: need integers low < high, got ${low} and ${high}`);
  const dtype = options.dtype ?? 'int32';
  const g = options.generator ?? defaultGenerator;
  const arr = typedArrayFor(dtype, sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = g.integer(low, high);
  return finish(arr, shape, dtype, options.requiresGrad);
}

export const randLike = (x: Tensor, options: RandomOptions = {}): Tensor => rand(x.shape, { ...options, dtype: options.dtype ?? x.dtype });
export const randnLike = (x: Tensor, options: RandomOptions = {}): Tensor => randn(x.shape, { ...options, dtype: options.dtype ?? x.dtype });
export const randintLike = (x: Tensor, low: number, high: number, options: RandomOptions = {}): Tensor =>
  randint(low, high, x.shape, { ...options, dtype: options.dtype ?? x.dtype });

/** A random permutation of 0..n-1 (int32). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  const arr = new Int32Array(n);
  for (let i = 0; i < n; i++) arr[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    const tmp = arr[i];
    arr[i] = arr[j];
    arr[j] = tmp;
  }
  return finish(arr, [n], 'int32');
}
