/**
 * The Tensor: a strided view onto backend storage, plus what autograd needs (requiresGrad, grad, gradFn).
 * Math lives in src/ops; the methods here are thin, chainable forms of those functions.
 */
import '../backend/js/index.js'; // the reference backend is always available
import type { Backend, Storage, View } from '../backend/backend.js';
import { type BackwardOptions, GradNode, runBackward, storageVersion } from '../autograd/engine.js';
import { type DType, type TypedArray, isFloat, typedArrayFor } from './dtype.js';
import { contiguousStrides, isContiguous, shapeStr, sizeOf, type Shape } from './shape.js';
import { formatTensor } from './format.js';
import { replacedGradient } from '../memory/lifetime.js';

export type TensorOrScalar = Tensor | number;

/**
 * The node through which a view's gradient follows an in-place change of its base: set by ops/shape.ts, where views
 * are made (so tensor.ts imports no op module).
 */
let viewOfBaseNode: ((base: Tensor, view: Tensor) => GradNode) | null = null;

/** @internal */
export function setViewOfBaseNode(fn: (base: Tensor, view: Tensor) => GradNode): void {
  viewOfBaseNode = fn;
}
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
    if (old && this._gradLibraryOnly) replacedGradient(old, g);
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
  /** @internal used by recordNode */
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
    this._gradFn = viewOfBaseNode!(base, this);
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
      g = new Tensor(this.backend.fromTypedArray(typedArrayFor(this.dtype, this.size).fill(1), this.dtype), this.shape);
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
  /** The elements in row-major order, as a fresh typed array (on devices that can read synchronously; see dataAsync). */
  data(): TypedArray {
    const device = this.backend;
    if (!device.readSync) throw new Error(`data: the '${device.name}' device cannot read synchronously; use await dataAsync()`);
    return device.readSync(this);
  }
  /** The elements in row-major order, as a fresh typed array, on every device. */
  dataAsync(): Promise<TypedArray> {
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
}

const SCALAR_STRIDES: readonly number[] = Object.freeze([]);
const VECTOR_STRIDES: readonly number[] = Object.freeze([1]);

/** Contiguous strides of a shape, frozen; those of 0-d and 1-d tensors (all alike) are shared. */
function frozenContiguousStrides(shape: Shape): readonly number[] {
  if (shape.length === 0) return SCALAR_STRIDES;
  if (shape.length === 1) return VECTOR_STRIDES;
  return Object.freeze(contiguousStrides(shape));
}

