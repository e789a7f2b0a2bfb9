/** Small helpers shared by the data pipeline. */
import { getBackend } from '../backend/backend.js';
import { JsDevice } from '../backend/js/index.js'; // also registers the reference backend, so data modules work on their own
import { type DType, type TypedArray, dtypeOfTypedArray } from '../tensor/dtype.js';
import { shapeStr, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** A tensor on the current backend holding a copy of `data` (one bulk copy, no per-element conversion). */
export function fromTyped(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  if (sizeOf(shape) !== data.length) throw new RangeError(`fromTyped: shape ${shapeStr(shape)} needs ${sizeOf(shape)} values, got ${data.length}`);
  return new Tensor(getBackend().fromTypedArray(data, dtype), shape);
}

/**
 * A tensor over `data` itself when the current backend is the js one (no copy: the caller hands the array over and
 * must not touch it again), else a copy on the current backend. For the large arrays loaders and vectorisers build.
 */
export function adoptTyped(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
  if (sizeOf(shape) !== data.length) throw new RangeError(`adoptTyped: shape ${shapeStr(shape)} needs ${sizeOf(shape)} values, got ${data.length}`);
  const backend = getBackend();
  if (backend instanceof JsDevice && dtypeOfTypedArray(data) === dtype) return new Tensor(backend.adopt(data, dtype), shape);
  return new Tensor(backend.fromTypedArray(data, dtype), shape);
}

/** Checks that `i` is an integer index into a collection of `n` items. */
export function checkIndex(op: string, i: number, n: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new RangeError(`${op}: index ${i} is out of range for a dataset of ${n} items`);
  }
}
