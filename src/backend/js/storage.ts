import { nextStorageSerial, type Device, type HostStorage, type Storage, type View } from '../device.js';
import { type DType, type TypedArray, typedArrayFor } from '../../tensor/dtype.js';
import { isContiguous, sizeOf, stridedOffsets } from '../../tensor/shape.js';

/** Storage of the js device: a plain typed array. */
export class JsStorage implements HostStorage {
  readonly serial = nextStorageSerial(this);
  constructor(readonly backend: Device, readonly dtype: DType, readonly data: TypedArray) {}
  get length(): number {
    return this.data.length;
  }
}

/** The elements of host-visible storage (or of a view's storage), whatever device it is on. */
export function dataOf(v: View | Storage): TypedArray {
  const s = 'storage' in v ? v.storage : v;
  return (s as HostStorage).data;
}

/** True when a view covers its storage contiguously from `offset` in row-major order. */
export function isDense(v: View): boolean {
  return isContiguous(v.shape, v.strides);
}

/**
 * Reads a view as a contiguous typed array of its own dtype. Returns the storage's array itself (a subarray, no copy)
 * when the view is already dense, so callers must treat the result as read-only.
 */
export function denseData(v: View): TypedArray {
  const data = dataOf(v);
  const n = sizeOf(v.shape);
  if (isDense(v)) return data.subarray(v.offset, v.offset + n) as TypedArray;
  const out = typedArrayFor(v.storage.dtype, n);
  const offs = stridedOffsets(v.shape, v.strides, v.offset);
  for (let i = 0; i < n; i++) out[i] = data[offs[i]];
  return out;
}

/** Flat offsets of every element of a view read with the given (possibly broadcast) strides. */
export function offsetsOf(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  return stridedOffsets(shape, strides, offset);
}
