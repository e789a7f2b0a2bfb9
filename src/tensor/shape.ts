/** Shape arithmetic shared by tensors, ops and kernels. */
export type Shape = readonly number[];

export function shapeStr(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy/PyTorch broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together (${da} != ${db} at dim ${i})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had the (broadcast) shape `target`: 0 where expanded. */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  // built by push: a packed array, which the kernels' planning code reads faster than a holey one
  const out: number[] = [];
  const lead = target.length - shape.length;
  for (let i = 0; i < lead; i++) out.push(0);
  for (let i = 0; i < shape.length; i++) out.push(shape[i] === 1 && target[lead + i] !== 1 ? 0 : strides[i]);
  return out;
}

/** Resolves a possibly negative dim against ndim, naming the op when it is out of range. */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const lo = -Math.max(ndim, 1);
  const hi = Math.max(ndim, 1) - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor with ${ndim} dims (expected ${lo}..${hi})`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Normalises a dim list (or all dims when undefined), sorted and without duplicates. */
export function normalizeDims(dims: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  if (dims === undefined) {
    const all = new Array<number>(ndim);
    for (let i = 0; i < ndim; i++) all[i] = i;
    return all;
  }
  // one dim (the common case) needs no duplicate check or sort
  if (typeof dims === 'number') return ndim === 0 ? (normalizeDim(dims, 0, op), []) : [normalizeDim(dims, ndim, op)];
  const list = dims;
  const out = list.map((d) => (ndim === 0 ? (normalizeDim(d, 0, op), 0) : normalizeDim(d, ndim, op)));
  if (new Set(out).size !== out.length) throw new RangeError(`${op}: dim ${out.join(',')} appears more than once`);
  return ndim === 0 ? [] : out.sort((x, y) => x - y);
}

/** Flat element offsets of a strided view, in row-major order of its shape. */
export function stridedOffsets(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const nd = shape.length;
  if (n === 0) return out;
  if (nd === 0) {
    out[0] = offset;
    return out;
  }
  const idx = new Array<number>(nd).fill(0);
  let off = offset;
  const last = nd - 1;
  const lastDim = shape[last];
  const lastStride = strides[last];
  let i = 0;
  while (i < n) {
    for (let j = 0; j < lastDim; j++) out[i++] = off + j * lastStride;
    // advance the odometer over all but the last dim
    let d = last - 1;
    while (d >= 0) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      idx[d] = 0;
      d--;
    }
    if (d < 0) break;
  }
  return out;
}
