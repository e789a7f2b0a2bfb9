/** Creating tensors: from data, filled, ranges, identity, and random (seeded). */
import { type Backend, getBackend } from '../backend/backend.js';
import { type DType, type TypedArray, assertDType, castScalar, dtypeOfTypedArray, typedArrayFor } from './dtype.js';
import { shapeStr, sizeOf } from './shape.js';
import { Generator, defaultGenerator, drawArray, uniformDraw } from './random.js';
import { Tensor, type NestedArray } from './tensor.js';

/** The most elements a 1-D range or permutation may have (the largest int32, what int32 indices can address). */
const MAX_ELEMENTS = 2 ** 31 - 1;

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

function finish(data: TypedArray, shape: readonly number[], dtype: DType, requiresGrad?: boolean, backend: Backend = getBackend()): Tensor {
  const t = new Tensor(backend.fromTypedArray(data, dtype), shape);
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

/** options.dtype checked by name, or the default. */
function dtypeOption(options: CreateOptions, fallback: DType, op: string): DType {
  return options.dtype === undefined ? fallback : assertDType(options.dtype, op);
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
  // the backend copies: a typed array of the tensor's dtype goes to it as it is (bool bytes are normalised to 0/1)
  if (dtype !== 'bool' && ArrayBuffer.isView(flat) && dtypeOfTypedArray(flat as TypedArray) === dtype) return finish(flat as TypedArray, shape, dtype, options.requiresGrad);
  const arr = typedArrayFor(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) arr[i] = castScalar(flat[i], dtype);
  return finish(arr, shape, dtype, options.requiresGrad);
}

function filled(op: string, shape: readonly number[], value: number, options: CreateOptions, backend?: Backend): Tensor {
  checkShape(shape, op);
  const dtype = dtypeOption(options, typeof value === 'boolean' ? 'bool' : 'float32', op);
  const arr = typedArrayFor(dtype, sizeOf(shape));
  arr.fill(castScalar(value, dtype));
  return finish(arr, shape, dtype, options.requiresGrad, backend);
}

export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  return filled('full', shape, value, options);
}
export const zeros = (shape: readonly number[], options: CreateOptions = {}): Tensor => filled('zeros', shape, 0, options);
export const ones = (shape: readonly number[], options: CreateOptions = {}): Tensor => filled('ones', shape, 1, options);

function likeOptions(x: Tensor, options: CreateOptions): CreateOptions {
  return { dtype: options.dtype ?? x.dtype, requiresGrad: options.requiresGrad };
}
/** Zeros with x's shape and dtype, on x's backend (not requiring grad unless asked). */
export const zerosLike = (x: Tensor, options: CreateOptions = {}): Tensor => filled('zerosLike', x.shape, 0, likeOptions(x, options), x.backend);
export const onesLike = (x: Tensor, options: CreateOptions = {}): Tensor => filled('onesLike', x.shape, 1, likeOptions(x, options), x.backend);
export const fullLike = (x: Tensor, value: number, options: CreateOptions = {}): Tensor =>
  filled('fullLike', x.shape, value, likeOptions(x, options), x.backend);

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
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new RangeError(`arange: start and end must be finite numbers, got ${start} and ${end}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (n > MAX_ELEMENTS) throw new RangeError(`arange: ${start} to ${end} by ${step} would have ${n} elements (at most ${MAX_ELEMENTS})`);
  const dtype = dtypeOption(options, [start, end, step].every(Number.isInteger) ? 'int32' : 'float32', 'arange');
  const arr = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) arr[i] = castScalar(start + i * step, dtype);
  return finish(arr, [n], dtype, options.requiresGrad);
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, options: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = dtypeOption(options, 'float32', 'linspace');
  const arr = typedArrayFor(dtype, steps);
  if (steps === 1) arr[0] = castScalar(start, dtype); // as torch.linspace: one step is the start
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  // fill from both ends symmetrically, as PyTorch does, so the last value is exactly `end`
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps && steps > 1; i++) arr[i] = castScalar(i < half ? start + i * delta : end - (steps - 1 - i) * delta, dtype);
  return finish(arr, [steps], dtype, options.requiresGrad);
}

/** Identity matrix n x m (m defaults to n). */
export function eye(n: number, m: number = n, options: CreateOptions = {}): Tensor {
  checkShape([n, m], 'eye');
  const dtype = dtypeOption(options, 'float32', 'eye');
  const arr = typedArrayFor(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return finish(arr, [n, m], dtype, options.requiresGrad);
}

function randomFill(shape: readonly number[], options: RandomOptions, op: string, draw: (g: Generator) => number, high = Infinity, backend?: Backend): Tensor {
  checkShape(shape, op);
  const dtype = dtypeOption(options, 'float32', op);
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  const arr = drawArray(sizeOf(shape), dtype, options.generator ?? defaultGenerator, draw, high);
  return finish(arr, shape, dtype, options.requiresGrad, backend);
}

function checkRandom(shape: readonly number[], options: RandomOptions, op: string): void {
  checkShape(shape, op);
  dtypeOption(options, 'float32', op);
}

/** Uniform in [0, 1). */
export const rand = (shape: readonly number[], options: RandomOptions = {}): Tensor => randomFill(shape, options, 'rand', uniformDraw, 1);
/** Standard normal. */
export const randn = (shape: readonly number[], options: RandomOptions = {}): Tensor => randomFill(shape, options, 'randn', (g) => g.normal());

/** Uniform in [low, high) (all `low` when they are equal). */
export function uniform(shape: readonly number[], low: number, high: number, options: RandomOptions = {}): Tensor {
  checkRandom(shape, options, 'uniform');
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new RangeError(`uniform: expects finite bounds with low <= high (a [low, high) range), got low ${low} and high ${high}`);
  }
  if (low === high) return randomFill(shape, options, 'uniform', () => low);
  return randomFill(shape, options, 'uniform', (g) => low + (high - low) * g.random(), high);
}

/** Normal with the given mean and standard deviation (std >= 0). */
export function normal(shape: readonly number[], mean: number, std: number, options: RandomOptions = {}): Tensor {
  checkRandom(shape, options, 'normal');
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
    throw new RangeError(`normal: expects a finite mean and a finite std >= 0, got mean ${mean} and std ${std}`);
  }
  return randomFill(shape, options, 'normal', (g) => mean + std * g.normal());
}

function randintOn(op: string, low: number, high: number, shape: readonly number[], options: RandomOptions, backend?: Backend): Tensor {
  checkShape(shape, op);
  if (!(Number.isInteger(low) && Number.isInteger(high) && high > low)) throw new RangeError(`${op}: need integers low < high, got ${low} and ${high}`);
  const dtype = dtypeOption(options, 'int32', op);
  const g = options.generator ?? defaultGenerator;
  const arr = typedArrayFor(dtype, sizeOf(shape));
  for (let i = 0; i < arr.length; i++) arr[i] = g.integer(low, high);
  return finish(arr, shape, dtype, options.requiresGrad, backend);
}

/** Integers uniform in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  return randintOn('randint', low, high, shape, options);
}

/** rand with x's shape and dtype, on x's backend. */
export const randLike = (x: Tensor, options: RandomOptions = {}): Tensor =>
  randomFill(x.shape, { ...options, dtype: options.dtype ?? x.dtype }, 'randLike', uniformDraw, 1, x.backend);
/** randn with x's shape and dtype, on x's backend. */
export const randnLike = (x: Tensor, options: RandomOptions = {}): Tensor =>
  randomFill(x.shape, { ...options, dtype: options.dtype ?? x.dtype }, 'randnLike', (g) => g.normal(), Infinity, x.backend);
/** randint with x's shape and dtype, on x's backend. */
export const randintLike = (x: Tensor, low: number, high: number, options: RandomOptions = {}): Tensor =>
  randintOn('randintLike', low, high, x.shape, { ...options, dtype: options.dtype ?? x.dtype }, x.backend);

/** A random permutation of 0..n-1 (int32 unless options.dtype says otherwise). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0 || n > MAX_ELEMENTS) throw new RangeError(`randperm: n must be a non-negative integer (at most ${MAX_ELEMENTS}), got ${n}`);
  const dtype = dtypeOption(options, 'int32', 'randperm');
  const g = options.generator ?? defaultGenerator;
  const arr = new Int32Array(n);
  for (let i = 0; i < n; i++) arr[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    const tmp = arr[i];
    arr[i] = arr[j];
    arr[j] = tmp;
  }
  if (dtype === 'int32') return finish(arr, [n], 'int32', options.requiresGrad);
  const out = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) out[i] = castScalar(arr[i], dtype);
  return finish(out, [n], dtype, options.requiresGrad);
}
