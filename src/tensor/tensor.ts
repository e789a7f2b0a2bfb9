/**
 * The Tensor: a strided view onto backend storage, plus what autograd needs (requiresGrad, grad, gradFn).
 * Math lives in src/ops; the methods here are thin, chainable forms of those functions.
 */
import '../backend/js/index.js'; // the reference backend is always available
import type { Backend, Storage, View } from '../backend/backend.js';
import { type BackwardOptions, GradNode, runBackward, storageVersion } from '../autograd/engine.js';
import { type DType, type TypedArray, isFloat } from './dtype.js';
import { contiguousStrides, isContiguous, shapeStr, sizeOf, type Shape } from './shape.js';
import { formatTensor } from './format.js';
import * as E from '../ops/elementwise.js';
import * as R from '../ops/reduce.js';
import * as L from '../ops/linalg.js';
import * as S from '../ops/shape.js';
import * as I from '../ops/indexing.js';
import * as N from '../ops/nn.js';
import { toBackend } from '../ops/util.js';

export type TensorOrScalar = Tensor | number;
export type NestedArray = number | boolean | NestedArray[];

export class Tensor implements View {
  readonly storage: Storage;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  private _grad: Tensor | null = null;
  /**
   * True while `_grad` is memory only the library holds: the engine made it and nothing outside the library has read
   * `.grad` since. Replacing such a gradient (zeroGrad, the next accumulation) releases its memory at once instead of
   * leaving it to the garbage collector, which in a synchronous training loop cannot free wasm memory.
   */
  private _gradLibraryOnly = false;
  private _requiresGrad = false;
  private _gradFn: GradNode | null = null;
  /** @internal For a view made by a shape op: the tensor that owns the memory (never itself a view); else null. */
  _base: Tensor | null = null;
  /** @internal Whether this view was made while gradients were recorded (only those follow in-place changes of the base). */
  _viewRecorded = false;
  /** @internal The base's gradFn this view's own gradFn was derived from. */
  _viewSeenBaseFn: GradNode | null = null;

  constructor(storage: Storage, shape: Shape, strides?: readonly number[], offset = 0) {
    this.storage = storage;
    // a frozen array (another tensor's shape or strides) cannot change, so tensors share it instead of a frozen copy
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    this.strides = strides ? (Object.isFrozen(strides) ? strides : Object.freeze(strides.slice())) : frozenContiguousStrides(this.shape);
    this.offset = offset;
  }

  get dtype(): DType {
    return this.storage.dtype;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements (like NumPy's `size` and PyTorch's `numel()`). */
  get size(): number {
    return sizeOf(this.shape);
  }
  numel(): number {
    return this.size;
  }
  get backend(): Backend {
    return this.storage.backend;
  }
  /** The backend this tensor's storage lives on ('js', 'wasm', ...). */
  get device(): string {
    return this.storage.backend.name;
  }
  /** A copy on the named backend (this tensor when it is already there); gradients flow back across. */
  toBackend(name: string): Tensor {
    return toBackend(this, name);
  }

  /**
   * How many in-place writes this tensor's memory has had (PyTorch's `_version`; shared by views, detach() and the
   * tensor they come from).
   */
  get version(): number {
    return storageVersion(this.storage);
  }
  /** True for a tensor made by a view op (slice, reshape, transpose, ...) that shares another tensor's memory. */
  get isView(): boolean {
    return this._base !== null;
  }

  // ---- autograd ----

  /** Accumulated gradient of a leaf (or of a non-leaf after retainGrad()). */
  get grad(): Tensor | null {
    this._gradLibraryOnly = false;
    return this._grad;
  }
  set grad(g: Tensor | null) {
    this._replaceGrad(g, false);
  }

  /** @internal The gradient, for library code that does not keep it (unlike `.grad`, this leaves it the library's). */
  _peekGrad(): Tensor | null {
    return this._grad;
  }

  /**
   * @internal Replaces the gradient; `libraryOnly`: the new one is memory only the library holds. The old one's memory
   * is released when it was the library's alone (and is not the new one's).
   */
  _replaceGrad(g: Tensor | null, libraryOnly: boolean): void {
    const old = this._grad;
    if (old && this._gradLibraryOnly && old.storage !== g?.storage) old.storage.backend.release?.(old.storage, 'a gradient that zeroGrad or a later backward replaced, never read through .grad');
    this._grad = g;
    this._gradLibraryOnly = libraryOnly && g !== null;
  }
  get requiresGrad(): boolean {
    if (this._base !== null) this._refreshView();
    return this._requiresGrad;
  }
  set requiresGrad(value: boolean) {
    if (value && !isFloat(this.dtype)) {
      throw new TypeError(`requiresGrad: only floating point tensors can require gradients (got ${this.dtype})`);
    }
    if (!value && this.gradFn) {
      throw new Error('requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach() instead');
    }
    this._requiresGrad = value;
  }
  /** Sets requiresGrad in place and returns this (PyTorch's requires_grad_). */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }
  /** The node that computed this tensor, or null for a leaf. */
  get gradFn(): GradNode | null {
    if (this._base !== null) this._refreshView();
    return this._gradFn;
  }
  /** @internal used by recordOp */
  _setGradFn(node: GradNode): void {
    this._gradFn = node;
    this._requiresGrad = true;
    if (this._base !== null) this._viewSeenBaseFn = this._base._gradFn;
  }
  /** @internal Gives a snapshot tensor the graph position of `from` (used by in-place ops). */
  _takeGraphOf(from: Tensor): this {
    this._gradFn = from.gradFn;
    this._requiresGrad = from.requiresGrad;
    return this;
  }
  /**
   * After an in-place change of its base was recorded, a view's gradient goes through the base's new history
   * (PyTorch regenerates the view's grad_fn the same way).
   */
  private _refreshView(): void {
    const base = this._base!;
    if (!this._viewRecorded || base._gradFn === this._viewSeenBaseFn) return;
    this._viewSeenBaseFn = base._gradFn;
    if (base._gradFn === null) return;
    this._gradFn = S.viewOfBaseNode(base, this);
    this._requiresGrad = true;
  }
  /** A leaf is a tensor not produced by a recorded op: user-created tensors and parameters. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Keep `.grad` for this non-leaf tensor during backward. */
  retainGrad(): this {
    if (!this.requiresGrad) throw new Error("retainGrad: can't retain the gradient of a tensor that does not require grad");
    if (this.gradFn) this.gradFn.retained = this;
    return this;
  }

  /**
   * Backpropagates from this tensor. Without an argument the tensor must hold one element (a loss);
   * otherwise `gradient` is the gradient of some scalar with respect to this tensor.
   */
  backward(gradient?: Tensor, options?: BackwardOptions): void {
    if (!this.requiresGrad) {
      throw new Error('backward: this tensor does not require grad and has no gradFn (did any input have requiresGrad: true?)');
    }
    let g: Tensor;
    if (gradient === undefined) {
      if (this.size !== 1) {
        throw new Error(`backward: grad can be implicitly created only for a tensor with one element, got shape ${shapeStr(this.shape)}`);
      }
      g = E.onesLikeShape(this);
    } else {
      if (gradient.size !== this.size || gradient.ndim !== this.ndim || gradient.shape.some((d, i) => d !== this.shape[i])) {
        throw new RangeError(`backward: gradient shape ${shapeStr(gradient.shape)} does not match tensor shape ${shapeStr(this.shape)}`);
      }
      g = gradient.detach();
    }
    runBackward(this, g, options);
  }

  /** A tensor sharing this one's storage, cut off from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }

  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  // ---- reading ----
  /** The elements in row-major order, as a fresh typed array. */
  data(): TypedArray {
    return this.backend.read(this);
  }
  /** The elements as (nested) JS arrays; bool tensors give booleans. */
  toArray(): NestedArray {
    const flat = this.data();
    const asBool = this.dtype === 'bool';
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.ndim) return asBool ? flat[start] !== 0 : flat[start];
      const step = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, start + i * step));
      return out;
    };
    return build(0, 0);
  }
  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item: only one-element tensors can be converted to a number, got shape ${shapeStr(this.shape)}`);
    return this.data()[0];
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- elementwise ----
  add(other: TensorOrScalar, alpha?: number): Tensor { return E.add(this, alpha === undefined ? other : E.mul(other, alpha)); }
  sub(other: TensorOrScalar, alpha?: number): Tensor { return E.sub(this, alpha === undefined ? other : E.mul(other, alpha)); }
  mul(other: TensorOrScalar): Tensor { return E.mul(this, other); }
  div(other: TensorOrScalar): Tensor { return E.div(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return E.pow(this, exponent); }
  maximum(other: TensorOrScalar): Tensor { return E.maximum(this, other); }
  minimum(other: TensorOrScalar): Tensor { return E.minimum(this, other); }
  neg(): Tensor { return E.neg(this); }
  abs(): Tensor { return E.abs(this); }
  exp(): Tensor { return E.exp(this); }
  log(): Tensor { return E.log(this); }
  sqrt(): Tensor { return E.sqrt(this); }
  rsqrt(): Tensor { return E.rsqrt(this); }
  square(): Tensor { return E.square(this); }
  reciprocal(): Tensor { return E.reciprocal(this); }
  sin(): Tensor { return E.sin(this); }
  cos(): Tensor { return E.cos(this); }
  tanh(): Tensor { return E.tanh(this); }
  sigmoid(): Tensor { return E.sigmoid(this); }
  relu(): Tensor { return E.relu(this); }
  leakyRelu(negativeSlope?: number): Tensor { return E.leakyRelu(this, negativeSlope); }
  elu(alpha?: number): Tensor { return E.elu(this, alpha); }
  gelu(): Tensor { return E.gelu(this); }
  softplus(beta?: number, threshold?: number): Tensor { return E.softplus(this, beta, threshold); }
  erf(): Tensor { return E.erf(this); }
  sign(): Tensor { return E.sign(this); }
  floor(): Tensor { return E.floor(this); }
  ceil(): Tensor { return E.ceil(this); }
  round(): Tensor { return E.round(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return E.clamp(this, min, max); }
  eq(other: TensorOrScalar): Tensor { return E.eq(this, other); }
  ne(other: TensorOrScalar): Tensor { return E.ne(this, other); }
  lt(other: TensorOrScalar): Tensor { return E.lt(this, other); }
  le(other: TensorOrScalar): Tensor { return E.le(this, other); }
  gt(other: TensorOrScalar): Tensor { return E.gt(this, other); }
  ge(other: TensorOrScalar): Tensor { return E.ge(this, other); }
  logicalAnd(other: TensorOrScalar): Tensor { return E.logicalAnd(this, other); }
  logicalOr(other: TensorOrScalar): Tensor { return E.logicalOr(this, other); }
  logicalXor(other: TensorOrScalar): Tensor { return E.logicalXor(this, other); }
  logicalNot(): Tensor { return E.logicalNot(this); }
  isnan(): Tensor { return E.isnan(this); }
  isinf(): Tensor { return E.isinf(this); }
  /** Elementwise choice: where this (bool) is true take a, else b. */
  where(a: TensorOrScalar, b: TensorOrScalar): Tensor { return E.where(this, a, b); }
  maskedFill(mask: Tensor, value: number): Tensor { return S.maskedFill(this, mask, value); }
  /** A copy converted to another dtype (no copy when it already has it). */
  to(dtype: DType): Tensor { return E.cast(this, dtype); }
  float(): Tensor { return E.cast(this, 'float32'); }
  double(): Tensor { return E.cast(this, 'float64'); }
  int(): Tensor { return E.cast(this, 'int32'); }
  bool(): Tensor { return E.cast(this, 'bool'); }
  /** A copy with its own contiguous storage (differentiable). */
  clone(): Tensor { return S.clone(this); }

  // ---- reductions ----
  sum(dim?: number | number[], keepdim = false): Tensor { return R.sum(this, dim, keepdim); }
  mean(dim?: number | number[], keepdim = false): Tensor { return R.mean(this, dim, keepdim); }
  max(dim?: number | number[], keepdim = false): Tensor { return R.max(this, dim, keepdim); }
  min(dim?: number | number[], keepdim = false): Tensor { return R.min(this, dim, keepdim); }
  prod(dim?: number | number[], keepdim = false): Tensor { return R.prod(this, dim, keepdim); }
  var(dim?: number | number[], options?: R.VarOptions): Tensor { return R.variance(this, dim, options); }
  std(dim?: number | number[], options?: R.VarOptions): Tensor { return R.std(this, dim, options); }
  logsumexp(dim?: number | number[], keepdim = false): Tensor { return R.logsumexp(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return R.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return R.argmin(this, dim, keepdim); }
  all(dim?: number | number[], keepdim = false): Tensor { return R.all(this, dim, keepdim); }
  any(dim?: number | number[], keepdim = false): Tensor { return R.any(this, dim, keepdim); }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor { return L.matmul(this, other); }
  outer(other: Tensor): Tensor { return L.outer(this, other); }
  dot(other: Tensor): Tensor { return L.dot(this, other); }

  // ---- shape ----
  reshape(...shape: (number | number[])[]): Tensor { return S.reshape(this, flattenShapeArgs(shape)); }
  view(...shape: (number | number[])[]): Tensor { return S.view(this, flattenShapeArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return S.flatten(this, startDim, endDim); }
  squeeze(dim?: number | number[]): Tensor { return S.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return S.unsqueeze(this, dim); }
  transpose(dim0 = 0, dim1 = 1): Tensor { return S.transpose(this, dim0, dim1); }
  /** Transpose of a tensor with at most 2 dims (PyTorch's .t()). */
  t(): Tensor { return S.t(this); }
  /** Shorthand for transposing the last two dims (PyTorch's .mT). */
  get mT(): Tensor { return S.transpose(this, -2, -1); }
  permute(...dims: (number | number[])[]): Tensor { return S.permute(this, flattenShapeArgs(dims)); }
  expand(...shape: (number | number[])[]): Tensor { return S.expand(this, flattenShapeArgs(shape)); }
  expandAs(other: Tensor): Tensor { return S.expand(this, other.shape); }
  contiguous(): Tensor { return S.contiguous(this); }
  slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor { return S.slice(this, dim, start, end, step); }
  narrow(dim: number, start: number, length: number): Tensor { return S.narrow(this, dim, start, length); }
  /** The sub-tensor at `index` along `dim`, with that dim removed (x[i] for dim 0). */
  select(dim: number, index: number): Tensor { return S.select(this, dim, index); }
  split(splitSize: number | number[], dim = 0): Tensor[] { return S.split(this, splitSize, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return S.chunk(this, chunks, dim); }
  repeat(...reps: (number | number[])[]): Tensor { return S.repeat(this, flattenShapeArgs(reps)); }
  pad(pad: number[], value = 0): Tensor { return S.pad(this, pad, value); }
  triu(diagonal = 0): Tensor { return S.triu(this, diagonal); }
  tril(diagonal = 0): Tensor { return S.tril(this, diagonal); }
  indexSelect(dim: number, index: Tensor): Tensor { return I.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return I.gather(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return I.scatterAdd(this, dim, index, src); }
  indexAdd(dim: number, index: Tensor, src: Tensor): Tensor { return I.indexAdd(this, dim, index, src); }

  // ---- nn ----
  softmax(dim: number): Tensor { return N.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return N.logSoftmax(this, dim); }

  // ---- in place ----
  // Recorded in the graph like PyTorch's in-place ops (the tensor takes the op's node, a view's base a copy-slices
  // node); refused on a leaf that requires grad, or a view of one, while gradients are recorded (use noGrad()).
  /** Copies src (broadcast, converted) into this tensor's elements; visible through every view of the storage. */
  copy_(src: TensorOrScalar): this { S.applyInPlace(this, 'copy_', src, () => src); return this; }
  fill_(value: number): this { S.applyInPlace(this, 'fill_', null, () => value); return this; }
  zero_(): this { return this.fill_(0); }
  add_(other: TensorOrScalar, alpha?: number): this { S.applyInPlace(this, 'add_', other, (self) => E.add(self, alpha === undefined ? other : E.mul(other, alpha))); return this; }
  sub_(other: TensorOrScalar, alpha?: number): this { S.applyInPlace(this, 'sub_', other, (self) => E.sub(self, alpha === undefined ? other : E.mul(other, alpha))); return this; }
  mul_(other: TensorOrScalar): this { S.applyInPlace(this, 'mul_', other, (self) => E.mul(self, other)); return this; }
  div_(other: TensorOrScalar): this { S.applyInPlace(this, 'div_', other, (self) => E.div(self, other)); return this; }
  clamp_(min?: number | null, max?: number | null): this { S.applyInPlace(this, 'clamp_', null, (self) => E.clamp(self, min, max)); return this; }
}

const SCALAR_STRIDES: readonly number[] = Object.freeze([]);
const VECTOR_STRIDES: readonly number[] = Object.freeze([1]);

/** Contiguous strides of a shape, frozen; those of 0-d and 1-d tensors (all alike) are shared. */
function frozenContiguousStrides(shape: Shape): readonly number[] {
  if (shape.length === 0) return SCALAR_STRIDES;
  if (shape.length === 1) return VECTOR_STRIDES;
  return Object.freeze(contiguousStrides(shape));
}

function flattenShapeArgs(args: (number | number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0].slice() : (args as number[]);
}
