/** Reductions over one, several or all dims, with keepdim; backward rules beside each. */
import type { ReduceOp } from '../backend/backend.js';
import { defineOp, runOp } from './op.js';
import { type DType, isFloat } from '../tensor/dtype.js';
import { normalizeDim, normalizeDims, shapeStr, sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { expandReduced } from './shape.js';
import { add, cast, div, eq, exp, log, mul, ne, sqrt, square, sub, where } from './elementwise.js';
import { wrap } from './util.js';

type Dims = number | readonly number[] | undefined;

/** x's shape with the reduced dims set to 1. */
function keptShape(x: Tensor, dims: readonly number[]): number[] {
  return x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

function finalShape(x: Tensor, dims: readonly number[], keepdim: boolean): number[] {
  return keepdim ? keptShape(x, dims) : x.shape.filter((_, i) => !dims.includes(i));
}

function reduceRaw(op: ReduceOp, name: string, x: Tensor, dims: readonly number[], keepdim: boolean, dtype: DType): Tensor {
  if ((op === 'max' || op === 'min') && dims.some((d) => x.shape[d] === 0)) {
    throw new RangeError(`${name}: cannot reduce over a zero-size dim of a tensor of shape ${shapeStr(x.shape)}`);
  }
  const storage = x.backend.kernels.reduce(op, x, dims, dtype);
  return wrap(storage, finalShape(x, dims, keepdim));
}

/** Broadcasts a reduced gradient (or value) back over x's shape. */
function expandBack(g: Tensor, x: Tensor, dims: readonly number[]): Tensor {
  return expandReduced(g, keptShape(x, dims), x.shape);
}

/** A reduction's attributes: the dims reduced (normalized, ascending as given) and whether they are kept as size 1. */
interface ReduceAttrs {
  readonly dims: readonly number[];
  readonly keepdim: boolean;
}

const SUM = defineOp<ReduceAttrs>({
  name: 'sum',
  forward: ([x], { dims, keepdim }) => reduceRaw('sum', 'sum', x!, dims, keepdim, isFloat(x!.dtype) ? x!.dtype : 'int32'),
  backward: (g, _saved, { dims }, _needs, [x]) => [expandBack(g, x!, dims)],
});

/** Sum; bool and int32 sum to int32. */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return runOp(SUM, [x], { dims: normalizeDims(dim, x.ndim, 'sum'), keepdim });
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloat(x.dtype)) throw new TypeError(`mean: needs a floating point tensor, got ${x.dtype} (convert with .float())`);
  const dims = normalizeDims(dim, x.ndim, 'mean');
  const count = sizeOf(dims.map((d) => x.shape[d]));
  return div(sum(x, dims, keepdim), count);
}

/** Max/min values; the gradient is shared evenly among tied maxima (as torch.amax). */
const extremeOp = (op: 'max' | 'min') => defineOp<ReduceAttrs>({
  name: op,
  forward: ([x], { dims, keepdim }) => reduceRaw(op, op, x!, dims, keepdim, x!.dtype),
  backward: (g, [x, out], { dims }) => {
    const hit = cast(eq(x!, expandBack(out!, x!, dims)), g.dtype);
    const count = sum(hit, dims, true);
    return [mul(hit, expandBack(div(g.reshape(keptShape(x!, dims)), count), x!, dims))];
  },
  saves: (inputs, out) => [inputs[0], out],
});
const MAX = extremeOp('max'), MIN = extremeOp('min');
export const max = (x: Tensor, dim?: Dims, keepdim = false): Tensor => runOp(MAX, [x], { dims: normalizeDims(dim, x.ndim, 'max'), keepdim });
export const min = (x: Tensor, dim?: Dims, keepdim = false): Tensor => runOp(MIN, [x], { dims: normalizeDims(dim, x.ndim, 'min'), keepdim });

/** Product; the gradient is exact with zeros present (product of the other elements). */
const PROD = defineOp<ReduceAttrs>({
  name: 'prod',
  forward: ([x], { dims, keepdim }) => reduceRaw('prod', 'prod', x!, dims, keepdim, isFloat(x!.dtype) ? x!.dtype : 'int32'),
  backward: (g, [saved], { dims }) => {
    const x = saved!;
    const isZero = eq(x, 0);
    const zeros = sum(isZero, dims, true);
    const nonZeroProd = reduceRaw('prod', 'prod', where(isZero, 1, x), dims, true, x.dtype);
    // no zeros: prod/x; one zero: the zero's slot gets the product of the rest, others 0; more zeros: all 0
    const others = where(
      eq(expandBack(zeros, x, dims), 0),
      div(expandBack(nonZeroProd, x, dims), where(isZero, 1, x)),
      where(isZero, where(eq(expandBack(zeros, x, dims), 1), expandBack(nonZeroProd, x, dims), 0), 0),
    );
    return [mul(others, expandBack(g, x, dims))];
  },
  saves: (inputs) => inputs,
});

export function prod(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return runOp(PROD, [x], { dims: normalizeDims(dim, x.ndim, 'prod'), keepdim });
}

export interface VarOptions {
  /** Subtracted from the count in the divisor: 1 (default) is Bessel's correction, 0 the population variance. */
  correction?: number;
  keepdim?: boolean;
}

export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}, op = 'var'): Tensor {
  const { correction = 1, keepdim = false } = options;
  if (!isFloat(x.dtype)) throw new TypeError(`${op}: needs a floating point tensor, got ${x.dtype} (convert with .float())`);
  const dims = normalizeDims(dim, x.ndim, op);
  const n = sizeOf(dims.map((d) => x.shape[d]));
  const centered = sub(x, mean(x, dims, true));
  return div(sum(square(centered), dims, keepdim), Math.max(n - correction, 0));
}

export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return sqrt(variance(x, dim, options, 'std'));
}

/** log(sum(exp(x))) computed stably by shifting by the max. */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims(dim, x.ndim, 'logsumexp');
  // over an empty dim the sum of exps is 0 and the result -inf (as PyTorch): no max to shift by there
  const empty = dims.some((d) => x.shape[d] === 0);
  const m = empty ? null : reduceRaw('max', 'logsumexp', x, dims, true, x.dtype);
  // an all -inf slice would give inf - inf; shift by 0 there instead
  const shift = m ? where(eq(m, -Infinity), 0, m) : 0;
  const lse = add(log(sum(exp(sub(x, shift)), dims, true)), shift);
  return keepdim ? lse : lse.reshape(finalShape(x, dims, false));
}

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (dim === undefined) {
    if (x.size === 0) throw new RangeError(`${op}: cannot take ${op} of an empty tensor`);
    const flat = argExtreme(op, x.reshape([-1]), 0, false);
    return keepdim ? flat.reshape(x.shape.map(() => 1)) : flat;
  }
  const d = normalizeDim(dim, x.ndim, op);
  if (x.ndim > 0 && x.shape[d] === 0) throw new RangeError(`${op}: cannot reduce over a zero-size dim of shape ${shapeStr(x.shape)}`);
  if (x.ndim === 0) return wrap(x.backend.kernels.argReduce(op, x.reshape([1]), 0), []);
  const out = runOp(op === 'argmax' ? ARGMAX : ARGMIN, [x], { dim: d });
  return keepdim ? out : out.squeeze(d);
}

/** Integer results: records without a backward. */
const argOp = (op: 'argmax' | 'argmin') => defineOp<{ dim: number }>({
  name: op,
  forward: ([x], { dim }) => wrap(x!.backend.kernels.argReduce(op, x!, dim), keptShape(x!, [dim])),
});
const ARGMAX = argOp('argmax'), ARGMIN = argOp('argmin');
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme('argmax', x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme('argmin', x, dim, keepdim);

/** True where every element (over dims) is non-zero; true over an empty set. */
export function all(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return eq(sum(eq(x, 0), dim, keepdim), 0);
}
/** True where some element (over dims) is non-zero; false over an empty set. */
export function any(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return ne(sum(ne(x, 0), dim, keepdim), 0);
}
