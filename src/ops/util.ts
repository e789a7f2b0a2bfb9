/** Small helpers every op file uses: wrapping storage as tensors, scalars, and reducing gradients to a shape. */
import type { Backend, Storage } from '../backend/backend.js';
import { getBackend, getBackendByName, listBackends } from '../backend/backend.js';
import { defineOp, runOp } from './op.js';
import { type DType, castScalar, isFloat, typedArrayFor } from '../tensor/dtype.js';
import { shapeStr, shapesEqual, type Shape } from '../tensor/shape.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';

export function wrap(storage: Storage, shape: Shape): Tensor {
  return new Tensor(storage, shape);
}

/** A 0-d tensor holding `value` on the current backend (or on the backend of `like`). */
export function scalar(value: number, dtype: DType, like?: Tensor): Tensor {
  const backend = like ? like.backend : getBackend();
  const arr = typedArrayFor(dtype, 1);
  arr[0] = castScalar(value, dtype);
  return new Tensor(backend.fromTypedArray(arr, dtype), []);
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

export function assertTensor(x: unknown, op: string, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${typeof x}`);
}

/** Refuses a tensor that is not floating point, naming the op. */
export function assertFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: needs a floating point tensor, got ${x.dtype}`);
}

/** Checks two tensors live on the same backend, naming the op. */
export function assertSameBackend(op: string, ...ts: Tensor[]): void {
  const b = ts[0].backend;
  for (const t of ts) {
    if (t.backend !== b) throw new Error(`${op}: tensors are on different backends ('${b.name}' and '${t.backend.name}'); move one with toBackend()`);
  }
}

/** Sums a gradient over broadcast dims so it has `shape` again (the backward of broadcasting). */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  if (lead < 0) throw new Error(`sumToShape: gradient ${shapeStr(g.shape)} has fewer dims than ${shapeStr(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  let out = dims.length ? g.sum(dims, true) : g;
  if (lead > 0) out = out.reshape(shape.slice());
  return out;
}

/** A copy of x on the named backend ('js', 'wasm', ...), x itself when it is already there; the gradient moves back. */
export function toBackend(x: Tensor, name: string): Tensor {
  if (!listBackends().includes(name)) {
    throw new Error(`toBackend: unknown backend '${name}' (available: ${listBackends().join(', ')})`);
  }
  return moveTo(x, getBackendByName(name));
}

/** x on the given backend (x itself when it is already there); differentiable. */
export function moveTo(x: Tensor, backend: Backend): Tensor {
  if (x.backend === backend) return x;
  if (!backend.supportsDType(x.dtype)) throw new TypeError(`toBackend: backend '${backend.name}' does not support ${x.dtype} tensors`);
  return runOp(TO_BACKEND, [x], { backend });
}

/** A copy on another backend; the gradient goes back to the input's. */
const TO_BACKEND = defineOp<{ backend: Backend }>({
  name: 'toBackend',
  forward: ([x], attrs) => wrap(attrs.backend.fromTypedArray(x!.data(), x!.dtype), x!.shape),
  backward: (g, _saved, _attrs, _needs, [x]) => [moveTo(g, x!.backend)],
});

export type { TensorOrScalar };
