/**
 * The one interface every backend implements: storage plus kernels. Ops call kernels; kernels never call ops.
 * A kernel reads its inputs through strided views (so transposes and slices need no copy) and returns fresh,
 * contiguous storage for its result.
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  readonly length: number;
  /** Creation order of storages (from nextStorageSerial()): tells storage made during a computation from older storage. */
  readonly serial: number;
}

let lastSerial = 0;
/** Where the innermost running collectNewStorage() gathers storage, or null. */
let collector: Storage[] | null = null;

/** The serial of a storage being created (every Storage's constructor calls it with itself). */
export function nextStorageSerial(created: Storage): number {
  collector?.push(created);
  return ++lastSerial;
}

/** Runs fn; returns its result and every storage created while it ran. */
export function collectNewStorage<T>(fn: () => T): { result: T; created: Storage[] } {
  const outer = collector;
  const created: Storage[] = [];
  collector = created;
  try {
    return { result: fn(), created };
  } finally {
    collector = outer;
    outer?.push(...created);
  }
}

/** The serial of the newest storage: storage with a larger one was created after this call. */
export function latestStorageSerial(): number {
  return lastSerial;
}

/** A strided window onto storage: element (i0,i1,...) lives at offset + sum(ik * strides[k]). */
export interface View {
  readonly storage: Storage;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu'
  | 'leakyRelu' | 'elu' | 'gelu' | 'softplus' | 'erf' | 'sign' | 'floor' | 'ceil' | 'round' | 'reciprocal'
  | 'square' | 'logicalNot' | 'isnan' | 'isinf' | 'identity';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr' | 'logicalXor'
  /** relu's gradient: a (the incoming gradient) where b (relu's output) is > 0 or NaN, else 0 */
  | 'reluBackward';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min';

export interface Conv2dParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

export interface Pool2dParams {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  /** avg pooling only: count padded zeros in the divisor (PyTorch's default true). */
  countIncludePad: boolean;
}

/** Activation applied by the fused linear kernel. */
export type LinearActivation = 'none' | 'relu';

export interface Backend {
  readonly name: string;
  supportsDType(dtype: DType): boolean;

  /** Storage of `dtype` holding a copy of `data`, its values converted as a typed array's set() converts them. */
  fromTypedArray(data: TypedArray, dtype: DType): Storage;
  /** Zero-filled storage. */
  zeros(dtype: DType, length: number): Storage;
  /** The elements of a view, in row-major order, as a fresh typed array of the view's dtype. */
  read(x: View): TypedArray;
  /** Writes `src` (broadcast to dst's shape, converted to dst's dtype) into the elements of `dst`, in place. */
  assign(dst: View, src: View): void;

  unary(op: UnaryOp, x: View, outDType: DType, alpha?: number, beta?: number): Storage;
  binary(op: BinaryOp, a: View, b: View, outShape: Shape, outDType: DType): Storage;
  where(cond: View, a: View, b: View, outShape: Shape, outDType: DType): Storage;
  /** Reduces over `dims`; the result has x's shape with those dims set to 1. */
  reduce(op: ReduceOp, x: View, dims: readonly number[], outDType: DType): Storage;
  /** Index (int32) of the first max/min along `dim`; result has x's shape with dim set to 1. */
  argReduce(op: 'argmax' | 'argmin', x: View, dim: number): Storage;
  /** a: [...batchA, M, K], b: [...batchB, K, N] -> [...outBatch, M, N], batch dims broadcast. */
  matmul(a: View, b: View, outBatch: Shape): Storage;
  softmax(x: View, dim: number, log: boolean): Storage;
  /**
   * Optional fused linear layer: act(x @ w^T + bias) for x: [M, K], w: [N, K], bias: [N] or null -> [M, N], rounded
   * as the unfused matmul, add and activation would round it. Ops fall back to those where a backend lacks it.
   */
  linear?(x: View, w: View, bias: View | null, activation: LinearActivation): Storage;
  /**
   * Optional: frees storage at once that the caller knows nothing will read again (intermediate results of a
   * Sequential run without gradients). Backends whose memory the garbage collector manages need not have it; one
   * that has it must refuse any later use of the storage with an error that gives `what` (what the storage was, and
   * why it was freed: "a gradient used up by backward").
   */
  release?(storage: Storage, what: string): void;

  /** out[...i_dim...] = x[..., index[...], ...] (torch.gather); result has index's shape. */
  gather(x: View, dim: number, index: View): Storage;
  /** A copy of base with src added at positions given by index along dim (torch.scatter_add). */
  scatterAdd(base: View, dim: number, index: View, src: View): Storage;
  /** Selects entries of x along dim by a 1-D int32 index (torch.index_select). */
  indexSelect(x: View, dim: number, index: View): Storage;
  /** A copy of base with src's slices added at index along dim (torch.index_add). */
  indexAdd(base: View, dim: number, index: View, src: View): Storage;

  /** x: [N,C,H,W], w: [O,C/groups,kH,kW] -> [N,O,outH,outW]. */
  conv2d(x: View, w: View, p: Conv2dParams): Storage;
  /** Gradient of conv2d with respect to its input, shaped `inputShape`. */
  conv2dBackwardInput(gradOut: View, w: View, inputShape: Shape, p: Conv2dParams): Storage;
  /** Gradient of conv2d with respect to its weight, shaped `weightShape`. */
  conv2dBackwardWeight(x: View, gradOut: View, weightShape: Shape, p: Conv2dParams): Storage;

  /** Max pooling over [N,C,H,W]; indices are flat positions h*W+w within each input plane (as PyTorch). */
  maxPool2d(x: View, p: Pool2dParams, outH: number, outW: number): { out: Storage; indices: Storage };
  maxPool2dBackward(gradOut: View, indices: View, inputShape: Shape): Storage;
  avgPool2d(x: View, p: Pool2dParams, outH: number, outW: number): Storage;
  avgPool2dBackward(gradOut: View, inputShape: Shape, p: Pool2dParams): Storage;
  adaptiveAvgPool2d(x: View, outH: number, outW: number): Storage;
  adaptiveAvgPool2dBackward(gradOut: View, inputShape: Shape): Storage;
}

const registry = new Map<string, () => Backend>();
const instances = new Map<string, Backend>();
let current: Backend | null = null;
let currentName = 'js';

export function registerBackend(name: string, factory: () => Backend): void {
  registry.set(name, factory);
}

export function listBackends(): string[] {
  return [...registry.keys()];
}

export function getBackendByName(name: string): Backend {
  let b = instances.get(name);
  if (!b) {
    const factory = registry.get(name);
    if (!factory) throw new Error(`setBackend: unknown backend '${name}' (available: ${listBackends().join(', ')})`);
    b = factory();
    instances.set(name, b);
  }
  return b;
}

/** Selects the backend that new tensors are created on. */
export function setBackend(name: string): void {
  current = getBackendByName(name);
  currentName = name;
}

export function getBackend(): Backend {
  if (!current) current = getBackendByName(currentName);
  return current;
}
