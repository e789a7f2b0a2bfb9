/** Element types. `float64` is supported by the reference (js) backend, mainly so gradient checks are meaningful. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

export function typedArrayFor(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'int32': return new Int32Array(length);
    case 'bool': return new Uint8Array(length);
  }
}

export function dtypeOfTypedArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function assertDType(dtype: string, op: string): DType {
  if (!(DTYPES as readonly string[]).includes(dtype)) {
    throw new TypeError(`${op}: unknown dtype '${dtype}' (expected one of ${DTYPES.join(', ')})`);
  }
  return dtype as DType;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Type promotion of two tensors, as in PyTorch's category order bool < int < float. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype a tensor keeps when combined with a JS number, as PyTorch treats a Python scalar: a number does not
 * widen a tensor of its own category; a non-integer number turns an int/bool tensor into float32.
 */
export function promoteWithScalar(t: DType, scalar: number): DType {
  if (isFloat(t)) return t;
  if (!Number.isInteger(scalar)) return 'float32';
  return t === 'bool' ? 'int32' : t;
}

/** Rounds a JS number the way a store into the dtype does. */
export function castScalar(value: number, dtype: DType): number {
  switch (dtype) {
    case 'float32': return Math.fround(value);
    case 'float64': return value;
    case 'int32': return Math.trunc(value) | 0;
    case 'bool': return value !== 0 ? 1 : 0;
  }
}
