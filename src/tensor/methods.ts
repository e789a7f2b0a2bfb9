/**
 * The chainable forms of the ops (x.add(y), x.sum(1), x.reshape(2, 3), ...), attached to Tensor's prototype here, in
 * one place, so that tensor.ts needs no op module and no op module needs more of Tensor than its class: the
 * entries (index.ts, browser.ts) import this file once. Each method is the function of the same name in src/ops.
 */
import { Tensor, type TensorOrScalar } from './tensor.js';
import type { DType } from './dtype.js';
import * as E from '../ops/elementwise.js';
import * as R from '../ops/reduce.js';
import * as L from '../ops/matmul.js';
import * as S from '../ops/shape.js';
import * as I from '../ops/indexing.js';
import * as N from '../ops/softmax.js';
import { toBackend } from '../ops/util.js';

export interface TensorMethods {
  /** A copy on the named backend (this tensor when it is already there); gradients flow back across. */
  toBackend(name: string): Tensor;

  // ---- elementwise ----
  add(other: TensorOrScalar, alpha?: number): Tensor;
  sub(other: TensorOrScalar, alpha?: number): Tensor;
  mul(other: TensorOrScalar): Tensor;
  div(other: TensorOrScalar): Tensor;
  pow(exponent: TensorOrScalar): Tensor;
  maximum(other: TensorOrScalar): Tensor;
  minimum(other: TensorOrScalar): Tensor;
  neg(): Tensor;
  abs(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  rsqrt(): Tensor;
  square(): Tensor;
  reciprocal(): Tensor;
  sin(): Tensor;
  cos(): Tensor;
  tanh(): Tensor;
  sigmoid(): Tensor;
  relu(): Tensor;
  leakyRelu(negativeSlope?: number): Tensor;
  elu(alpha?: number): Tensor;
  gelu(): Tensor;
  softplus(beta?: number, threshold?: number): Tensor;
  erf(): Tensor;
  sign(): Tensor;
  floor(): Tensor;
  ceil(): Tensor;
  round(): Tensor;
  clamp(min?: number | null, max?: number | null): Tensor;
  eq(other: TensorOrScalar): Tensor;
  ne(other: TensorOrScalar): Tensor;
  lt(other: TensorOrScalar): Tensor;
  le(other: TensorOrScalar): Tensor;
  gt(other: TensorOrScalar): Tensor;
  ge(other: TensorOrScalar): Tensor;
  logicalAnd(other: TensorOrScalar): Tensor;
  logicalOr(other: TensorOrScalar): Tensor;
  logicalXor(other: TensorOrScalar): Tensor;
  logicalNot(): Tensor;
  isnan(): Tensor;
  isinf(): Tensor;
  /** Elementwise choice: where this (bool) is true take a, else b. */
  where(a: TensorOrScalar, b: TensorOrScalar): Tensor;
  maskedFill(mask: Tensor, value: number): Tensor;
  /** A copy converted to another dtype (no copy when it already has it). */
  to(dtype: DType): Tensor;
  float(): Tensor;
  double(): Tensor;
  int(): Tensor;
  bool(): Tensor;
  /** A copy with its own contiguous storage (differentiable). */
  clone(): Tensor;

  // ---- reductions ----
  sum(dim?: number | number[], keepdim?: boolean): Tensor;
  mean(dim?: number | number[], keepdim?: boolean): Tensor;
  max(dim?: number | number[], keepdim?: boolean): Tensor;
  min(dim?: number | number[], keepdim?: boolean): Tensor;
  prod(dim?: number | number[], keepdim?: boolean): Tensor;
  var(dim?: number | number[], options?: R.VarOptions): Tensor;
  std(dim?: number | number[], options?: R.VarOptions): Tensor;
  logsumexp(dim?: number | number[], keepdim?: boolean): Tensor;
  argmax(dim?: number, keepdim?: boolean): Tensor;
  argmin(dim?: number, keepdim?: boolean): Tensor;
  all(dim?: number | number[], keepdim?: boolean): Tensor;
  any(dim?: number | number[], keepdim?: boolean): Tensor;

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor;
  outer(other: Tensor): Tensor;
  dot(other: Tensor): Tensor;

  // ---- shape ----
  reshape(...shape: (number | number[])[]): Tensor;
  view(...shape: (number | number[])[]): Tensor;
  flatten(startDim?: number, endDim?: number): Tensor;
  squeeze(dim?: number | number[]): Tensor;
  unsqueeze(dim: number): Tensor;
  transpose(dim0?: number, dim1?: number): Tensor;
  /** Transpose of a tensor with at most 2 dims (PyTorch's .t()). */
  t(): Tensor;
  /** Shorthand for transposing the last two dims (PyTorch's .mT). */
  readonly mT: Tensor;
  permute(...dims: (number | number[])[]): Tensor;
  expand(...shape: (number | number[])[]): Tensor;
  expandAs(other: Tensor): Tensor;
  contiguous(): Tensor;
  slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
  narrow(dim: number, start: number, length: number): Tensor;
  /** The sub-tensor at `index` along `dim`, with that dim removed (x[i] for dim 0). */
  select(dim: number, index: number): Tensor;
  split(splitSize: number | number[], dim?: number): Tensor[];
  chunk(chunks: number, dim?: number): Tensor[];
  repeat(...reps: (number | number[])[]): Tensor;
  /** torch.flip: reverses along dims (a copy). */
  flip(dims: number | number[]): Tensor;
  /** torch.roll: shifts with wrap-around; no dims rolls the flattened tensor. */
  roll(shifts: number | number[], dims?: number | number[]): Tensor;
  pad(pad: number[], value?: number): Tensor;
  triu(diagonal?: number): Tensor;
  tril(diagonal?: number): Tensor;
  indexSelect(dim: number, index: Tensor): Tensor;
  gather(dim: number, index: Tensor): Tensor;
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
  indexAdd(dim: number, index: Tensor, src: Tensor): Tensor;

  // ---- nn ----
  softmax(dim: number): Tensor;
  logSoftmax(dim: number): Tensor;

  // ---- in place ----
  // Recorded in the graph like PyTorch's in-place ops (the tensor takes the op's node, a view's base a copy-slices
  // node); refused on a leaf that requires grad, or a view of one, while gradients are recorded (use noGrad()).
  /** Copies src (broadcast, converted) into this tensor's elements; visible through every view of the storage. */
  copy_(src: TensorOrScalar): this;
  fill_(value: number): this;
  zero_(): this;
  add_(other: TensorOrScalar, alpha?: number): this;
  sub_(other: TensorOrScalar, alpha?: number): this;
  mul_(other: TensorOrScalar): this;
  div_(other: TensorOrScalar): this;
  clamp_(min?: number | null, max?: number | null): this;
}

declare module './tensor.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface Tensor extends TensorMethods {}
}

const methods: Omit<TensorMethods, 'mT'> & ThisType<Tensor> = {
  toBackend(name) { return toBackend(this, name); },

  // ---- elementwise ----
  add(other, alpha) { return E.add(this, alpha === undefined ? other : E.mul(other, alpha)); },
  sub(other, alpha) { return E.sub(this, alpha === undefined ? other : E.mul(other, alpha)); },
  mul(other) { return E.mul(this, other); },
  div(other) { return E.div(this, other); },
  pow(exponent) { return E.pow(this, exponent); },
  maximum(other) { return E.maximum(this, other); },
  minimum(other) { return E.minimum(this, other); },
  neg() { return E.neg(this); },
  abs() { return E.abs(this); },
  exp() { return E.exp(this); },
  log() { return E.log(this); },
  sqrt() { return E.sqrt(this); },
  rsqrt() { return E.rsqrt(this); },
  square() { return E.square(this); },
  reciprocal() { return E.reciprocal(this); },
  sin() { return E.sin(this); },
  cos() { return E.cos(this); },
  tanh() { return E.tanh(this); },
  sigmoid() { return E.sigmoid(this); },
  relu() { return E.relu(this); },
  leakyRelu(negativeSlope) { return E.leakyRelu(this, negativeSlope); },
  elu(alpha) { return E.elu(this, alpha); },
  gelu() { return E.gelu(this); },
  softplus(beta, threshold) { return E.softplus(this, beta, threshold); },
  erf() { return E.erf(this); },
  sign() { return E.sign(this); },
  floor() { return E.floor(this); },
  ceil() { return E.ceil(this); },
  round() { return E.round(this); },
  clamp(min, max) { return E.clamp(this, min, max); },
  eq(other) { return E.eq(this, other); },
  ne(other) { return E.ne(this, other); },
  lt(other) { return E.lt(this, other); },
  le(other) { return E.le(this, other); },
  gt(other) { return E.gt(this, other); },
  ge(other) { return E.ge(this, other); },
  logicalAnd(other) { return E.logicalAnd(this, other); },
  logicalOr(other) { return E.logicalOr(this, other); },
  logicalXor(other) { return E.logicalXor(this, other); },
  logicalNot() { return E.logicalNot(this); },
  isnan() { return E.isnan(this); },
  isinf() { return E.isinf(this); },
  where(a, b) { return E.where(this, a, b); },
  maskedFill(mask, value) { return S.maskedFill(this, mask, value); },
  to(dtype) { return E.cast(this, dtype); },
  float() { return E.cast(this, 'float32'); },
  double() { return E.cast(this, 'float64'); },
  int() { return E.cast(this, 'int32'); },
  bool() { return E.cast(this, 'bool'); },
  clone() { return S.clone(this); },

  // ---- reductions ----
  sum(dim, keepdim = false) { return R.sum(this, dim, keepdim); },
  mean(dim, keepdim = false) { return R.mean(this, dim, keepdim); },
  max(dim, keepdim = false) { return R.max(this, dim, keepdim); },
  min(dim, keepdim = false) { return R.min(this, dim, keepdim); },
  prod(dim, keepdim = false) { return R.prod(this, dim, keepdim); },
  var(dim, options) { return R.variance(this, dim, options); },
  std(dim, options) { return R.std(this, dim, options); },
  logsumexp(dim, keepdim = false) { return R.logsumexp(this, dim, keepdim); },
  argmax(dim, keepdim = false) { return R.argmax(this, dim, keepdim); },
  argmin(dim, keepdim = false) { return R.argmin(this, dim, keepdim); },
  all(dim, keepdim = false) { return R.all(this, dim, keepdim); },
  any(dim, keepdim = false) { return R.any(this, dim, keepdim); },

  // ---- linear algebra ----
  matmul(other) { return L.matmul(this, other); },
  outer(other) { return L.outer(this, other); },
  dot(other) { return L.dot(this, other); },

  // ---- shape ----
  reshape(...shape) { return S.reshape(this, flattenShapeArgs(shape)); },
  view(...shape) { return S.view(this, flattenShapeArgs(shape)); },
  flatten(startDim = 0, endDim = -1) { return S.flatten(this, startDim, endDim); },
  squeeze(dim) { return S.squeeze(this, dim); },
  unsqueeze(dim) { return S.unsqueeze(this, dim); },
  transpose(dim0 = 0, dim1 = 1) { return S.transpose(this, dim0, dim1); },
  t() { return S.t(this); },
  permute(...dims) { return S.permute(this, flattenShapeArgs(dims)); },
  expand(...shape) { return S.expand(this, flattenShapeArgs(shape)); },
  expandAs(other) { return S.expand(this, other.shape); },
  contiguous() { return S.contiguous(this); },
  slice(dim, start, end, step) { return S.slice(this, dim, start, end, step); },
  narrow(dim, start, length) { return S.narrow(this, dim, start, length); },
  select(dim, index) { return S.select(this, dim, index); },
  split(splitSize, dim = 0) { return S.split(this, splitSize, dim); },
  chunk(chunks, dim = 0) { return S.chunk(this, chunks, dim); },
  repeat(...reps) { return S.repeat(this, flattenShapeArgs(reps)); },
  flip(dims) { return S.flip(this, dims); },
  roll(shifts, dims) { return S.roll(this, shifts, dims); },
  pad(pad, value = 0) { return S.pad(this, pad, value); },
  triu(diagonal = 0) { return S.triu(this, diagonal); },
  tril(diagonal = 0) { return S.tril(this, diagonal); },
  indexSelect(dim, index) { return I.indexSelect(this, dim, index); },
  gather(dim, index) { return I.gather(this, dim, index); },
  scatterAdd(dim, index, src) { return I.scatterAdd(this, dim, index, src); },
  indexAdd(dim, index, src) { return I.indexAdd(this, dim, index, src); },

  // ---- nn ----
  softmax(dim) { return N.softmax(this, dim); },
  logSoftmax(dim) { return N.logSoftmax(this, dim); },

  // ---- in place ----
  // Recorded in the graph like PyTorch's in-place ops (the tensor takes the op's node, a view's base a copy-slices
  // node); refused on a leaf that requires grad, or a view of one, while gradients are recorded (use noGrad()).
  copy_(src) { S.applyInPlace(this, 'copy_', src, () => src); return this; },
  fill_(value) { S.applyInPlace(this, 'fill_', null, () => value); return this; },
  zero_() { return this.fill_(0); },
  add_(other, alpha) { S.applyInPlace(this, 'add_', other, (self) => E.add(self, alpha === undefined ? other : E.mul(other, alpha))); return this; },
  sub_(other, alpha) { S.applyInPlace(this, 'sub_', other, (self) => E.sub(self, alpha === undefined ? other : E.mul(other, alpha))); return this; },
  mul_(other) { S.applyInPlace(this, 'mul_', other, (self) => E.mul(self, other)); return this; },
  div_(other) { S.applyInPlace(this, 'div_', other, (self) => E.div(self, other)); return this; },
  clamp_(min, max) { S.applyInPlace(this, 'clamp_', null, (self) => E.clamp(self, min, max)); return this; },
};

Object.assign(Tensor.prototype, methods);
Object.defineProperty(Tensor.prototype, 'mT', { get(this: Tensor): Tensor { return S.transpose(this, -2, -1); }, configurable: true });

function flattenShapeArgs(args: (number | number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0].slice() : (args as number[]);
}
