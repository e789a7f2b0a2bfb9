/**
 * Shape ops. Most are views: they share the input's storage and only change shape/strides/offset, so writes through
 * a view are visible in the original. Each records a backward that routes the gradient back to the input's shape.
 */
import { type GradNode, bumpVersion, isGradEnabled, recordedNode } from '../autograd/engine.js';
import { NO_ATTRS, defineOp, getOp, recordNode, runOp } from './op.js';
import {
  broadcastShapes, contiguousStrides, isContiguous, normalizeDim, shapeStr, shapesEqual, sizeOf, stridedOffsets, type Shape,
} from '../tensor/shape.js';
import { Tensor, setViewOfBaseNode, type TensorOrScalar } from '../tensor/tensor.js';
import { type DType, isFloat, promoteTypes } from '../tensor/dtype.js';
import { cast, where } from './elementwise.js';
import { assertSameBackend, moveTo, scalar, sumToShape, wrap } from './util.js';
import { indexSelect } from './indexing.js';

/** A tensor sharing x's memory; it remembers the tensor that owns the memory, for in-place ops on it. */
function makeView(x: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  const out = new Tensor(x.storage, shape, strides, offset);
  const base = x._base ?? x;
  out._base = base;
  out._viewRecorded = isGradEnabled();
  out._viewSeenBaseFn = base.gradFn;
  return out;
}

/** A zero tensor of `shape` with g written into the window `window` selects (the backward of slicing). */
function embed(g: Tensor, shape: Shape, window: (z: Tensor) => Tensor): Tensor {
  const z = wrap(g.backend.zeros(g.dtype, sizeOf(shape)), shape);
  g.backend.kernels.assign(window(z), g);
  return z;
}

/** Resolves one -1 in a requested shape and checks the element count. */
function resolveShape(x: Tensor, shape: readonly number[], op: string): number[] {
  const out = shape.slice();
  const unknown = out.indexOf(-1);
  if (out.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== unknown))) {
    throw new RangeError(`${op}: invalid shape ${shapeStr(shape)} (only one dim may be -1, the rest non-negative integers)`);
  }
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) throw new RangeError(`${op}: shape ${shapeStr(shape)} is invalid for input of size ${x.size}`);
    out[unknown] = x.size / known;
  }
  if (sizeOf(out) !== x.size) throw new RangeError(`${op}: shape ${shapeStr(shape)} is invalid for input of size ${x.size}`);
  return out;
}

/** Strides that let `newShape` view the same elements without a copy, or null if impossible (PyTorch's rule). */
function viewStrides(x: Tensor, newShape: readonly number[]): number[] | null {
  if (isContiguous(x.shape, x.strides) || x.size === 0) return contiguousStrides(newShape);
  const oldShape = x.shape, oldStrides = x.strides;
  const newStrides = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? newStrides : null;
}

function reshapeTo(x: Tensor, shape: number[], op: string, allowCopy: boolean): Tensor {
  const strides = viewStrides(x, shape);
  let out: Tensor;
  if (strides) out = makeView(x, shape, strides, x.offset);
  else if (allowCopy) out = new Tensor(clone(x).storage, shape);
  else {
    throw new RangeError(`${op}: shape ${shapeStr(shape)} is incompatible with the input's strides (size ${shapeStr(x.shape)}); use reshape() or contiguous() first`);
  }
  return recordNode(op === 'view' ? VIEW : RESHAPE, out, [x], { shape });
}

/**
 * The view ops' records: their public functions make the view (its geometry checked there) and record the node.
 * Their gradients route g back to the input's shape.
 */
const toInputShape = (g: Tensor, inputs: readonly (Tensor | null)[]): (Tensor | null)[] => [g.reshape(inputs[0]!.shape.slice())];
const RESHAPE = defineOp<{ shape: readonly number[] }>({ name: 'reshape', backward: (g, _s, _a, _n, inputs) => toInputShape(g, inputs) });
const VIEW = defineOp<{ shape: readonly number[] }>({ name: 'view', backward: (g, _s, _a, _n, inputs) => toInputShape(g, inputs) });
const SQUEEZE = defineOp<{ dims: readonly number[] }>({ name: 'squeeze', backward: (g, _s, _a, _n, inputs) => toInputShape(g, inputs) });
const UNSQUEEZE = defineOp<{ dim: number }>({ name: 'unsqueeze', backward: (g, _s, _a, _n, inputs) => toInputShape(g, inputs) });
const PERMUTE = defineOp<{ dims: readonly number[] }>({
  name: 'permute',
  backward: (g, _s, { dims }) => {
    const inverse = new Array<number>(dims.length);
    dims.forEach((p, i) => (inverse[p] = i));
    return [permute(g, inverse)];
  },
});
const EXPAND = defineOp<{ shape: readonly number[] }>({ name: 'expand', backward: (g, _s, _a, _n, [x]) => [sumToShape(g, x!.shape)] });
const SLICE = defineOp<{ dim: number; start: number; end: number; step: number }>({
  name: 'slice',
  backward: (g, _s, { dim, start, end, step }, _n, [x]) => [embed(g, x!.shape, (z) => slice(z, dim, start, end, step))],
});
const SELECT = defineOp<{ dim: number; index: number }>({
  name: 'select',
  backward: (g, _s, { dim, index }, _n, [x]) => [embed(g, x!.shape, (z) => select(z, dim, index))],
});

/** Same elements, new shape; a view when the strides allow, else a copy. One dim may be -1. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return reshapeTo(x, resolveShape(x, shape, 'reshape'), 'reshape', true);
}

/** Like reshape but never copies: throws when the input's strides do not allow a view. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  return reshapeTo(x, resolveShape(x, shape, 'view'), 'view', false);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim(d, x.ndim, 'squeeze'));
  const keep = x.shape.map((d, i) => !(d === 1 && dims.includes(i)));
  const out = makeView(x, x.shape.filter((_, i) => keep[i]), x.strides.filter((_, i) => keep[i]), x.offset);
  return recordNode(SQUEEZE, out, [x], { dims });
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  const out = makeView(x, shape, strides, x.offset);
  return recordNode(UNSQUEEZE, out, [x], { dim: d });
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) throw new RangeError(`permute: got ${dims.length} dims ${shapeStr(dims)} for a tensor of shape ${shapeStr(x.shape)}`);
  const perm = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (new Set(perm).size !== perm.length) throw new RangeError(`permute: dims ${shapeStr(dims)} repeat a dim`);
  const out = makeView(x, perm.map((p) => x.shape[p]), perm.map((p) => x.strides[p]), x.offset);
  return recordNode(PERMUTE, out, [x], { dims: perm });
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim === 0) return x;
  const a = normalizeDim(dim0, x.ndim, 'transpose');
  const b = normalizeDim(dim1, x.ndim, 'transpose');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor with at most 2 dims, got shape ${shapeStr(x.shape)}; use transpose(dim0, dim1)`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/** Broadcasts size-1 dims (and new leading dims) to `shape` without copying; -1 keeps a dim. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) throw new RangeError(`expand: cannot expand shape ${shapeStr(x.shape)} to fewer dims ${shapeStr(shape)}`);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  for (let i = 0; i < x.ndim; i++) {
    const from = x.shape[i], to = target[lead + i];
    if (from !== to && from !== 1) {
      throw new RangeError(`expand: shape ${shapeStr(x.shape)} cannot be expanded to ${shapeStr(shape)} (dim ${lead + i}: ${from} -> ${to})`);
    }
  }
  if (target.some((d) => d < 0)) throw new RangeError(`expand: invalid target shape ${shapeStr(shape)}`);
  const strides = target.map((d, i) => (i < lead ? 0 : x.shape[i - lead] === 1 && d !== 1 ? 0 : x.strides[i - lead]));
  const out = makeView(x, target, strides, x.offset);
  return recordNode(EXPAND, out, [x], { shape: target });
}

/**
 * @internal g, shaped as a reduction's result with keepdim (`kept`: the input's shape with the reduced dims set to 1),
 * broadcast back over the input's `shape`: reshape(g, kept) then expand(shape), made as one view when g is contiguous
 * and nothing is recorded (a reduction's backward), with the strides those two ops give it.
 */
export function expandReduced(g: Tensor, kept: readonly number[], shape: Shape): Tensor {
  if ((isGradEnabled() && g.requiresGrad) || !g.isContiguous() || sizeOf(kept) !== g.size) return expand(reshape(g, kept), shape.slice());
  const strides = contiguousStrides(kept);
  for (let i = 0; i < kept.length; i++) if (kept[i] === 1 && shape[i] !== 1) strides[i] = 0;
  return makeView(g, shape, strides, g.offset);
}

/** A copy with its own dense storage; gradient passes straight through. */
const CLONE = defineOp({
  name: 'clone',
  forward: ([x]) => wrap(x!.backend.kernels.unary('identity', x!, x!.dtype), x!.shape),
  backward: (g) => [g],
});
export function clone(x: Tensor): Tensor {
  return runOp(CLONE, [x], NO_ATTRS);
}

export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : clone(x);
}

/** Python-style slice along one dim: negative indices count from the end, bounds are clamped, step > 0. */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const d = normalizeDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d];
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = start === undefined || start === null ? 0 : clampIdx(start);
  const e = end === undefined || end === null ? n : clampIdx(end);
  const len = e > s ? Math.ceil((e - s) / step) : 0;
  const shape = x.shape.slice();
  shape[d] = len;
  const strides = x.strides.slice();
  strides[d] = x.strides[d] * step;
  const out = makeView(x, shape, strides, x.offset + (len > 0 ? s * x.strides[d] : 0));
  return recordNode(SLICE, out, [x], { dim: d, start: s, end: e, step });
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'narrow');
  const s = start < 0 ? start + x.shape[d] : start;
  if (s < 0 || length < 0 || s + length > x.shape[d]) {
    throw new RangeError(`narrow: start ${start} and length ${length} are out of range for dim ${d} of shape ${shapeStr(x.shape)}`);
  }
  return slice(x, d, s, s + length);
}

export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'select');
  const n = x.shape[d];
  const i = index < 0 ? index + n : index;
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`select: index ${index} is out of range for dim ${d} of size ${n}`);
  const out = makeView(x, x.shape.filter((_, k) => k !== d), x.strides.filter((_, k) => k !== d), x.offset + i * x.strides[d]);
  return recordNode(SELECT, out, [x], { dim: d, index: i });
}

export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'split');
  const n = x.shape[d];
  let sizes: number[];
  if (typeof splitSize === 'number') {
    if (!Number.isInteger(splitSize) || splitSize <= 0) throw new RangeError(`split: split size must be a positive integer, got ${splitSize}`);
    sizes = [];
    for (let s = 0; s < n; s += splitSize) sizes.push(Math.min(splitSize, n - s));
    if (n === 0) sizes.push(0);
  } else {
    sizes = splitSize.slice();
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) throw new RangeError(`split: sizes ${shapeStr(sizes)} sum to ${total}, but dim ${d} has size ${n}`);
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(narrow(x, d, start, s));
    start += s;
  }
  return out;
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim(dim, x.ndim, 'chunk');
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

/** Concatenates along an existing dim; shapes must match elsewhere. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('cat: expects a non-empty list of tensors');
  const first = tensors[0];
  const d = normalizeDim(dim, first.ndim, 'cat');
  assertSameBackend('cat', ...tensors);
  let dtype = first.dtype;
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new RangeError(`cat: shapes ${shapeStr(first.shape)} and ${shapeStr(t.shape)} must match except in dim ${d}`);
    }
    dtype = promoteTypes(dtype, t.dtype);
  }
  const shape = first.shape.slice();
  shape[d] = tensors.reduce((acc, t) => acc + t.shape[d], 0);
  return runOp(CAT, tensors, { dim: d, dtype, shape });
}

const CAT = defineOp<{ dim: number; dtype: DType; shape: readonly number[] }>({
  name: 'cat',
  forward: (tensors, { dim, dtype, shape }) => {
    const first = tensors[0]!;
    const out = wrap(first.backend.zeros(dtype, sizeOf(shape)), shape);
    let start = 0;
    for (const t of tensors) {
      first.backend.kernels.assign(narrowRaw(out, dim, start, t!.shape[dim]), t!);
      start += t!.shape[dim];
    }
    return out;
  },
  backward: (g, _saved, { dim }, needs, tensors) => {
    let start = 0;
    return tensors.map((t, i) => {
      const piece = needs[i] ? cast(narrow(g, dim, start, t!.shape[dim]), t!.dtype) : null;
      start += t!.shape[dim];
      return piece;
    });
  },
});

/** A narrow view without recording (for writing into a fresh output). */
function narrowRaw(x: Tensor, d: number, start: number, length: number): Tensor {
  const shape = x.shape.slice();
  shape[d] = length;
  return makeView(x, shape, x.strides, x.offset + start * x.strides[d]);
}

/** Joins tensors of equal shape along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack: expects a non-empty list of tensors');
  const first = tensors[0];
  for (const t of tensors) {
    if (!shapesEqual(t.shape, first.shape)) throw new RangeError(`stack: all tensors must have the same shape, got ${shapeStr(first.shape)} and ${shapeStr(t.shape)}`);
  }
  const d = normalizeDim(dim, first.ndim + 1, 'stack');
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/**
 * Constant padding, PyTorch's F.pad order: [left, right] for the last dim, then [top, bottom] for the one before, ...
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim) {
    throw new RangeError(`pad: padding ${shapeStr(padding)} must have an even length of at most 2*ndim (${2 * x.ndim}) for shape ${shapeStr(x.shape)}`);
  }
  if (padding.some((p) => !Number.isInteger(p) || p < 0)) throw new RangeError(`pad: padding ${shapeStr(padding)} must be non-negative integers`);
  const shape = x.shape.slice();
  const before = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    const d = x.ndim - 1 - i;
    before[d] = padding[2 * i];
    shape[d] += padding[2 * i] + padding[2 * i + 1];
  }
  return runOp(PAD, [x], { padding, value, before, shape });
}

/** The window of a padded tensor z that holds the input (of shape `inner`, `before` elements in from the start). */
const padWindow = (z: Tensor, before: readonly number[], inner: readonly number[]): Tensor =>
  before.reduce((acc, b, d) => narrowRaw(acc, d, b, inner[d]), z);

const PAD = defineOp<{ padding: readonly number[]; value: number; before: readonly number[]; shape: readonly number[] }>({
  name: 'pad',
  forward: ([x], { value, before, shape }) => {
    const out = wrap(x!.backend.zeros(x!.dtype, sizeOf(shape)), shape);
    if (value !== 0) x!.backend.kernels.assign(out, scalar(value, x!.dtype, x!));
    x!.backend.kernels.assign(padWindow(out, before, x!.shape), x!);
    return out;
  },
  backward: (g, _saved, { before }, _needs, [x]) => [padWindow(g, before, x!.shape)],
});

/** Tiles the tensor: reps[i] copies along dim i (extra leading reps add dims), as torch.repeat. */
export function repeat(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.length < x.ndim) throw new RangeError(`repeat: needs at least ${x.ndim} repeat counts for shape ${shapeStr(x.shape)}, got ${shapeStr(reps)}`);
  const shape = [...new Array<number>(reps.length - x.ndim).fill(1), ...x.shape];
  // view as [1, s0, 1, s1, ...], expand to [r0, s0, r1, s1, ...], then merge pairs
  const interleaved: number[] = [];
  const expanded: number[] = [];
  shape.forEach((s, i) => {
    interleaved.push(1, s);
    expanded.push(reps[i], s);
  });
  return reshape(expand(reshape(x, interleaved), expanded), shape.map((s, i) => s * reps[i]));
}

function triangleMask(x: Tensor, diagonal: number, upper: boolean, op: string): Tensor {
  if (x.ndim < 2) throw new RangeError(`${op}: expects a tensor with at least 2 dims, got shape ${shapeStr(x.shape)}`);
  const rows = x.shape[x.ndim - 2], cols = x.shape[x.ndim - 1];
  const mask = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mask[i * cols + j] = (upper ? j - i >= diagonal : j - i <= diagonal) ? 1 : 0;
  return wrap(x.backend.fromTypedArray(mask, 'bool'), [rows, cols]);
}
/** Upper triangle of the last two dims (elements with col - row >= diagonal); the rest zero. */
export const triu = (x: Tensor, diagonal = 0): Tensor => where(triangleMask(x, diagonal, true, 'triu'), x, scalar(0, x.dtype, x));
/** Lower triangle of the last two dims (col - row <= diagonal); the rest zero. */
export const tril = (x: Tensor, diagonal = 0): Tensor => where(triangleMask(x, diagonal, false, 'tril'), x, scalar(0, x.dtype, x));

/** Puts `value` where mask (bool, broadcastable to x) is true. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  if (mask.dtype !== 'bool') throw new TypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
  broadcastShapes(mask.shape, x.shape, 'maskedFill');
  const out = where(mask, scalar(value, x.dtype, x), x);
  if (!shapesEqual(out.shape, x.shape)) throw new RangeError(`maskedFill: mask ${shapeStr(mask.shape)} would change the shape of ${shapeStr(x.shape)}`);
  return out;
}

/** Where a view's elements sit in its storage. */
interface Geometry {
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

function geometryOf(t: Tensor): Geometry {
  return { shape: t.shape, strides: t.strides, offset: t.offset };
}

/**
 * The gradient of a base tensor from the gradient of a view of it: g added at the view's elements, zero elsewhere
 * (PyTorch's AsStridedBackward; views that repeat elements, like expand, add up there).
 */
function viewGradToBase(g: Tensor, base: Tensor, view: Geometry): Tensor {
  const length = base.storage.length;
  const n = sizeOf(view.shape);
  let flat = wrap(g.backend.zeros(g.dtype, length), [length]);
  if (n > 0) {
    const index = wrap(g.backend.fromTypedArray(stridedOffsets(view.shape, view.strides, view.offset), 'int32'), [n]);
    flat = wrap(g.backend.kernels.indexAdd(flat, 0, index, g.reshape([n])), [length]);
  }
  return wrap(g.backend.kernels.unary('identity', new Tensor(flat.storage, base.shape, base.strides, base.offset), g.dtype), base.shape);
}

/** Splits a base's gradient into the part outside a written window (kept) and the window's part (for the new values). */
function splitAtWindow(g: Tensor, base: Tensor, window: Geometry): [Tensor, Tensor] {
  const buffer = g.backend.zeros(g.dtype, base.storage.length);
  const whole = new Tensor(buffer, base.shape, base.strides, base.offset);
  g.backend.kernels.assign(whole, g);
  const inWindow = new Tensor(buffer, window.shape, window.strides, window.offset);
  const gWindow = wrap(g.backend.kernels.unary('identity', inWindow, g.dtype), window.shape);
  g.backend.kernels.assign(inWindow, scalar(0, g.dtype, g));
  return [wrap(g.backend.kernels.unary('identity', whole, g.dtype), base.shape), gWindow];
}

/** @internal The gradFn of a view after its base changed in place: the gradient reaches the base's new history. */
export function viewOfBaseNode(base: Tensor, view: Tensor): GradNode {
  return recordedNode(AS_STRIDED, [base], { view: geometryOf(view) }, view);
}
setViewOfBaseNode(viewOfBaseNode);

/** A view's gradient routed to its base's elements (the base as it is now, after an in-place change). */
const AS_STRIDED = defineOp<{ view: Geometry }>({
  name: 'asStrided',
  backward: (g, _saved, { view }, _needs, [base]) => [viewGradToBase(g, base!, view)],
});

/** True when some element of t is reached by more than one index (a dim of size > 1 with stride 0, as expand makes). */
function hasInternalOverlap(t: Tensor): boolean {
  return t.shape.some((d, i) => d > 1 && t.strides[i] === 0);
}

function checkFits(op: string, src: Tensor, t: Tensor): void {
  const shape = broadcastShapes(src.shape, t.shape, op);
  if (!shapesEqual(shape, t.shape)) throw new RangeError(`${op}: source of shape ${shapeStr(src.shape)} cannot be broadcast into ${shapeStr(t.shape)}`);
}

/**
 * Behind copy_, fill_, add_, ...: writes compute(t) into t's elements, in place and visible through every view of the
 * memory, and bumps the memory's version. While gradients are recorded and anything involved requires grad, the
 * change is part of the graph as in PyTorch: t takes the op's node (its old values are kept for the op's backward),
 * and when t is a view its base takes a copy-slices node that routes the written window's gradient to the op. A leaf
 * that requires grad, or a view of one, is refused then (update it inside noGrad(), as optimisers do).
 */
export function applyInPlace(t: Tensor, op: string, other: TensorOrScalar | null, compute: (self: Tensor) => TensorOrScalar): void {
  const recording = isGradEnabled();
  const base = t._base;
  if (recording && t.requiresGrad && t.isLeaf) {
    throw new Error(`${op}: a leaf tensor that requires grad cannot be changed in place while gradients are recorded; wrap the update in noGrad()`);
  }
  if (recording && base !== null && base.requiresGrad && base.isLeaf) {
    throw new Error(`${op}: a view of a leaf tensor that requires grad cannot be changed in place while gradients are recorded; wrap the update in noGrad()`);
  }
  if (op !== 'fill_' && hasInternalOverlap(t)) {
    throw new RangeError(`${op}: more than one element of the written-to tensor of shape ${shapeStr(t.shape)} refers to a single memory location; clone() it first`);
  }
  const otherNeedsGrad = other instanceof Tensor && other.requiresGrad;
  if (!recording || !(t.requiresGrad || otherNeedsGrad || (base !== null && base.requiresGrad))) {
    const result = compute(t.detach());
    let src = typeof result === 'number' ? scalar(result, t.dtype, t) : result;
    if (src.backend !== t.backend) src = moveTo(src, t.backend);
    checkFits(op, src, t);
    t.backend.kernels.assign(t, src);
    bumpVersion(t);
    return;
  }
  if (!isFloat(t.dtype)) throw new TypeError(`${op}: the result requires grad, which a ${t.dtype} tensor cannot hold`);
  if (base !== null && !t._viewRecorded) {
    throw new Error(`${op}: this view was made inside noGrad() and is changed in place while gradients are recorded; ` +
      'make the view and the change both inside noGrad() or both outside it');
  }
  // the values before the change, at t's place in the graph: the op's backward may read them after t is overwritten
  const old = wrap(t.backend.kernels.unary('identity', t, t.dtype), t.shape)._takeGraphOf(t);
  const result = compute(old);
  let src = typeof result === 'number' ? scalar(result, t.dtype, t) : result;
  if (src.backend !== t.backend) src = moveTo(src, t.backend);
  checkFits(op, src, t);
  if (!shapesEqual(src.shape, t.shape)) src = expand(src, t.shape);
  if (src.dtype !== t.dtype) src = cast(src, t.dtype);
  t.backend.kernels.assign(t, src);
  bumpVersion(t);
  if (base === null) {
    // t now holds src. `old` is an input too so that t stays in the graph when src needs no gradient (copy_ of a
    // constant); ops that replace the values send zeros to the old history (as PyTorch's CopyBackwards), the others
    // reach it through src
    const record = getOp(op);
    if (!record) throw new Error(`applyInPlace: no op record for the in-place op ${op}`);
    recordNode(record, t, [src, old], NO_ATTRS);
    return;
  }
  const baseBefore = new Tensor(base.storage, base.shape, base.strides, base.offset)._takeGraphOf(base);
  recordNode(COPY_SLICES, base, [baseBefore, src], { window: geometryOf(t) });
  // t (and every other view of base) takes its gradFn from the base's new node when next asked (Tensor._refreshView)
}

/**
 * The in-place ops as recorded (their values computed by applyInPlace): the new values' gradient goes to the source;
 * ops that replace the values send zeros to the old history (as PyTorch's CopyBackwards), the others reach it
 * through the source.
 */
for (const op of ['copy_', 'fill_', 'add_', 'sub_', 'mul_', 'div_', 'clamp_']) {
  const replaces = op === 'copy_' || op === 'fill_';
  defineOp({ name: op, backward: (g) => [g, replaces ? wrap(g.backend.zeros(g.dtype, g.size), g.shape) : null] });
}

/** A write into a window of a base tensor: the window's gradient goes to the new values, the rest to the old base. */
const COPY_SLICES = defineOp<{ window: Geometry }>({
  name: 'copySlices',
  backward: (g, _saved, { window }, _needs, [baseBefore]) => splitAtWindow(g, baseBefore!, window),
});

/** Dims for flip/roll: normalized, each at most once (PyTorch rejects repeats). */
function distinctDims(dims: readonly number[], ndim: number, op: string): number[] {
  const ds = dims.map((d) => normalizeDim(d, ndim, op));
  if (new Set(ds).size !== ds.length) throw new RangeError(`${op}: dims ${shapeStr(dims)} name a dim more than once`);
  return ds;
}

/**
 * torch.flip: reverses the order along each of dims. A copy (as in PyTorch), built from indexSelect with a reversed
 * index so its gradient (and higher ones) come from indexSelect's.
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const ds = distinctDims(typeof dims === 'number' ? [dims] : dims, Math.max(x.ndim, 1), 'flip');
  if (x.ndim === 0) return clone(x);
  let out = x;
  for (const d of ds) {
    const n = x.shape[d];
    const rev = new Int32Array(n);
    for (let i = 0; i < n; i++) rev[i] = n - 1 - i;
    out = indexSelect(out, d, wrap(x.backend.fromTypedArray(rev, 'int32'), [n]));
  }
  return ds.length === 0 ? clone(x) : out;
}

/**
 * torch.roll: shifts elements along dims, wrapping around; with no dims, x is rolled flattened and reshaped back.
 * Made of narrow and cat, so it is differentiable through them.
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const sh = typeof shifts === 'number' ? [shifts] : shifts.slice();
  if (sh.some((s) => !Number.isInteger(s))) throw new RangeError(`roll: shifts must be integers, got ${shapeStr(sh)}`);
  if (dims === undefined) {
    if (sh.length !== 1) throw new RangeError(`roll: without dims, shifts must be a single number, got ${shapeStr(sh)}`);
    return reshape(roll(reshape(x, [x.size]), sh[0], 0), x.shape);
  }
  const ds = typeof dims === 'number' ? [dims] : dims.slice();
  if (ds.length !== sh.length) throw new RangeError(`roll: shifts ${shapeStr(sh)} and dims ${shapeStr(ds)} must have the same length`);
  const nd = ds.map((d) => normalizeDim(d, Math.max(x.ndim, 1), 'roll'));
  if (x.ndim === 0) return clone(x);
  let out = x;
  nd.forEach((d, i) => {
    const n = x.shape[d];
    const k = n === 0 ? 0 : ((sh[i] % n) + n) % n;
    out = k === 0 ? clone(out) : cat([narrow(out, d, n - k, k), narrow(out, d, 0, n - k)], d);
  });
  return out;
}
