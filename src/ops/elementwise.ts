/** Elementwise ops with NumPy/PyTorch broadcasting, each with its backward rule. */
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { isGradEnabled, recordOp } from '../autograd/engine.js';
import { type DType, assertDType, isFloat, promoteTypes, promoteWithScalar } from '../tensor/dtype.js';
import { broadcastShapes, shapesEqual } from '../tensor/shape.js';
import { Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { assertSameBackend, scalar, sumToShape, wrap } from './util.js';

type Category = 0 | 1 | 2;
const category = (d: DType): Category => (d === 'bool' ? 0 : d === 'int32' ? 1 : 2);

/**
 * Result dtype of a binary op, following PyTorch: numbers and 0-d tensors do not widen a dimensioned tensor of the
 * same category; otherwise the higher category/precision wins.
 */
export function resultType(a: TensorOrScalar, b: TensorOrScalar): DType {
  if (typeof a === 'number' && typeof b === 'number') return Number.isInteger(a) && Number.isInteger(b) ? 'int32' : 'float32';
  if (typeof a === 'number') return promoteWithScalar((b as Tensor).dtype, a);
  if (typeof b === 'number') return promoteWithScalar(a.dtype, b);
  const ta = a, tb = b;
  if (ta.ndim === 0 && tb.ndim > 0 && category(ta.dtype) <= category(tb.dtype)) return tb.dtype;
  if (tb.ndim === 0 && ta.ndim > 0 && category(tb.dtype) <= category(ta.dtype)) return ta.dtype;
  return promoteTypes(ta.dtype, tb.dtype);
}

function toTensor(x: TensorOrScalar, dtype: DType, like: Tensor | undefined): Tensor {
  return typeof x === 'number' ? scalar(x, dtype, like) : x;
}

function operands(op: string, a: TensorOrScalar, b: TensorOrScalar, computeDType: DType): [Tensor, Tensor] {
  const like = typeof a === 'number' ? (typeof b === 'number' ? undefined : b) : a;
  const ta = toTensor(a, computeDType, like);
  const tb = toTensor(b, computeDType, like);
  assertSameBackend(op, ta, tb);
  return [ta, tb];
}

function binaryRaw(op: BinaryOp, ta: Tensor, tb: Tensor, outDType: DType, name: string): Tensor {
  // operands of one shape (the common case) give the result their frozen shape, which the new tensor shares
  const outShape = shapesEqual(ta.shape, tb.shape) ? ta.shape : broadcastShapes(ta.shape, tb.shape, name);
  return wrap(ta.backend.kernels.binary(op, ta, tb, outShape, outDType), outShape);
}

/**
 * Which of the two inputs needed a gradient when the op ran. Backward functions decide by this, not by the inputs'
 * requiresGrad at backward time (which may have changed since, as when a frozen layer is unfrozen), so they never
 * read a tensor they did not save.
 */
type Needs = readonly [boolean, boolean];

/** Which tensors a backward reads (checked for in-place changes before it runs, and kept until it has). */
type SavedOf = (ta: Tensor, tb: Tensor, out: Tensor, need: Needs) => (Tensor | null)[];

function arith(op: BinaryOp, name: string, a: TensorOrScalar, b: TensorOrScalar,
  backward: (g: Tensor, ta: Tensor, tb: Tensor, out: Tensor, need: Needs) => [Tensor | null, Tensor | null], saved: SavedOf): Tensor {
  let dtype = resultType(a, b);
  let kernel = op;
  if (op === 'div' && !isFloat(dtype)) dtype = 'float32'; // true division, as torch.div
  const boolA = typeof a !== 'number' && a.dtype === 'bool', boolB = typeof b !== 'number' && b.dtype === 'bool';
  if (op === 'sub' && (boolA || boolB)) {
    // as PyTorch, which refuses both rather than guess between xor and integer arithmetic
    throw new TypeError(boolA && boolB
      ? 'sub: subtraction of two bool tensors is not supported; use logicalXor() instead'
      : 'sub: subtraction with a bool tensor is not supported; to invert a mask use logicalNot(), or convert with .int() first');
  }
  if (dtype === 'bool') {
    // bool with bool stays bool, as PyTorch: + is logical or, * is logical and
    if (op === 'add') kernel = 'logicalOr';
    else if (op === 'mul') kernel = 'logicalAnd';
    else if (op === 'pow') throw new TypeError('pow: not supported for two bool tensors; convert with .int() or .float() first');
  }
  const [ta, tb] = operands(name, a, b, dtype);
  const out = binaryRaw(kernel, ta, tb, dtype, name);
  const needA = ta.requiresGrad, needB = tb.requiresGrad;
  if (!isGradEnabled() || !(needA || needB)) return out;
  const need: Needs = [needA, needB];
  return recordOp(name, out, [ta, tb], (g) => {
    const [ga, gb] = backward(g, ta, tb, out, need);
    return [ga && need[0] ? gradFor(ga, ta) : null, gb && need[1] ? gradFor(gb, tb) : null];
  }, saved(ta, tb, out, need));
}

/** An input's gradient: summed over the dims it was broadcast along, in the input's own dtype (as PyTorch). */
function gradFor(g: Tensor, input: Tensor): Tensor {
  const summed = sumToShape(g, input.shape);
  return summed.dtype === input.dtype ? summed : cast(summed, input.dtype);
}

export function add(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith('add', 'add', a, b, (g) => [g, g], () => []);
}
export function sub(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith('sub', 'sub', a, b, (g) => [g, neg(g)], () => []);
}
export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith('mul', 'mul', a, b, (g, ta, tb, _out, need) => [need[0] ? mul(g, tb) : null, need[1] ? mul(g, ta) : null],
    (ta, tb, _out, need) => [need[0] ? tb : null, need[1] ? ta : null]);
}
export function div(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith('div', 'div', a, b, (g, ta, tb, _out, need) => [
    need[0] ? div(g, tb) : null,
    // -g a / b^2 from the inputs (as PyTorch), so the quotient itself may be changed in place
    need[1] ? neg(mul(g, div(div(ta, tb), tb))) : null,
  ], (ta, tb, _out, need) => [tb, need[1] ? ta : null]);
}
export function pow(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (!isFloat(resultType(a, b))) {
    // an integer result cannot hold x^-n; PyTorch refuses a negative number exponent (or base number with such powers)
    if (typeof b === 'number' && b < 0) {
      throw new RangeError(`pow: integers to negative integer powers are not allowed (${(a as Tensor).dtype} tensor to the power ${b}); convert to float first`);
    }
    if (typeof a === 'number' && typeof b !== 'number') {
      b.backend.kernels.assertRange(b, 0, Infinity, () => new RangeError(`pow: integers to negative integer powers are not allowed (${a} to the powers of a ${b.dtype} tensor with negative values); convert to float first`));
    }
  }
  return arith('pow', 'pow', a, b, (g, ta, tb, out, need) => [
    // 0 where the exponent is 0 (as PyTorch), so x^0 has gradient 0 even at x = 0 where b x^(b-1) is 0 * inf
    need[0] ? where(eq(tb, 0), 0, mul(g, mul(tb, pow(ta, sub(tb, 1))))) : null,
    // d/db a^b = a^b log a; 0 where a == 0 and b >= 0 (as PyTorch), so 0^b does not produce NaN gradients
    need[1] ? mul(g, where(logicalAnd(eq(ta, 0), ge(tb, 0)), 0, mul(out, log(ta)))) : null,
  ], (ta, tb, out, need) => [ta, tb, need[1] ? out : null]);
}
export function maximum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith('maximum', 'maximum', a, b, (g, ta, tb) => tieSplit(g, ta, tb, gt), (ta, tb) => [ta, tb]);
}
export function minimum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith('minimum', 'minimum', a, b, (g, ta, tb) => tieSplit(g, ta, tb, lt), (ta, tb) => [ta, tb]);
}

/** Gradient of max/min of two: all to the winner, split evenly on ties (as PyTorch). */
function tieSplit(g: Tensor, ta: Tensor, tb: Tensor, wins: (x: Tensor, y: Tensor) => Tensor): [Tensor, Tensor] {
  const tie = mul(eq(ta, tb).to(g.dtype), 0.5);
  return [mul(g, add(wins(ta, tb).to(g.dtype), tie)), mul(g, add(wins(tb, ta).to(g.dtype), tie))];
}

function compare(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [ta, tb] = operands(op, a, b, resultType(a, b));
  return binaryRaw(op, ta, tb, 'bool', op);
}
export const eq = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('eq', a, b);
export const ne = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('ne', a, b);
export const lt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('lt', a, b);
export const le = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('le', a, b);
export const gt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('gt', a, b);
export const ge = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('ge', a, b);
export const logicalAnd = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('logicalAnd', a, b);
export const logicalOr = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('logicalOr', a, b);
export const logicalXor = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('logicalXor', a, b);

function unaryRaw(op: UnaryOp, x: Tensor, outDType: DType, alpha?: number, beta?: number): Tensor {
  return wrap(x.backend.kernels.unary(op, x, outDType, alpha, beta), x.shape);
}

/** What each unary op's backward reads: its input, its output or both (the rest read neither). */
const UNARY_SAVES: Partial<Record<UnaryOp, 'x' | 'out' | 'both'>> = {
  abs: 'x', square: 'x', exp: 'out', log: 'x', sqrt: 'out', rsqrt: 'out', reciprocal: 'out', sin: 'x', cos: 'x',
  tanh: 'out', sigmoid: 'out', relu: 'out', leakyRelu: 'x', elu: 'both', gelu: 'x', softplus: 'x', erf: 'x',
};

function recordUnary(op: UnaryOp, x: Tensor, out: Tensor, backward: (g: Tensor, x: Tensor, out: Tensor) => Tensor): Tensor {
  const saves = UNARY_SAVES[op];
  const saved = saves === 'x' ? [x] : saves === 'out' ? [out] : saves === 'both' ? [x, out] : [];
  return recordOp(op, out, [x], (g) => [backward(g, x, out)], saved);
}

/** A unary float op: int/bool inputs are computed in float32 (as torch.exp(int_tensor) gives float). */
function floatUnary(op: UnaryOp, x: Tensor, backward: ((g: Tensor, x: Tensor, out: Tensor) => Tensor) | null, alpha?: number, beta?: number): Tensor {
  const dtype = isFloat(x.dtype) ? x.dtype : 'float32';
  const out = unaryRaw(op, x, dtype, alpha, beta);
  if (!backward) return out;
  return recordUnary(op, x, out, backward);
}

/** A unary op that keeps the input's dtype (neg, abs, ...); bool inputs are refused as PyTorch does, or become int32. */
function sameTypeUnary(op: UnaryOp, x: Tensor, backward: ((g: Tensor, x: Tensor, out: Tensor) => Tensor) | null): Tensor {
  if (x.dtype === 'bool') {
    if (op === 'sign') return unaryRaw('identity', x, 'bool');
    if (op !== 'square') throw boolRefused(op);
  }
  const out = unaryRaw(op, x, x.dtype === 'bool' ? 'int32' : x.dtype);
  if (!backward) return out;
  return recordUnary(op, x, out, backward);
}

function boolRefused(op: string): TypeError {
  if (op === 'neg') return new TypeError('neg: negation of a bool tensor is not supported; to invert a mask use logicalNot()');
  return new TypeError(`${op}: not supported for bool tensors; convert with .int() or .float() first`);
}

export const neg = (x: Tensor): Tensor => sameTypeUnary('neg', x, (g) => neg(g));
export const abs = (x: Tensor): Tensor => sameTypeUnary('abs', x, (g, x) => mul(g, sign(x)));
export const sign = (x: Tensor): Tensor => sameTypeUnary('sign', x, (g) => mul(g, 0));
export const floor = (x: Tensor): Tensor => sameTypeUnary('floor', x, (g) => mul(g, 0));
export const ceil = (x: Tensor): Tensor => sameTypeUnary('ceil', x, (g) => mul(g, 0));
export const round = (x: Tensor): Tensor => sameTypeUnary('round', x, (g) => mul(g, 0));
export const square = (x: Tensor): Tensor => sameTypeUnary('square', x, (g, x) => mul(g, mul(x, 2)));
export const exp = (x: Tensor): Tensor => floatUnary('exp', x, (g, _x, out) => mul(g, out));
export const log = (x: Tensor): Tensor => floatUnary('log', x, (g, x) => div(g, x));
export const sqrt = (x: Tensor): Tensor => floatUnary('sqrt', x, (g, _x, out) => div(g, mul(out, 2)));
export const rsqrt = (x: Tensor): Tensor => floatUnary('rsqrt', x, (g, _x, out) => mul(g, mul(pow(out, 3), -0.5)));
export const reciprocal = (x: Tensor): Tensor => floatUnary('reciprocal', x, (g, _x, out) => neg(mul(g, square(out))));
export const sin = (x: Tensor): Tensor => floatUnary('sin', x, (g, x) => mul(g, cos(x)));
export const cos = (x: Tensor): Tensor => floatUnary('cos', x, (g, x) => neg(mul(g, sin(x))));
export const tanh = (x: Tensor): Tensor => floatUnary('tanh', x, (g, _x, out) => mul(g, sub(1, square(out))));
export const sigmoid = (x: Tensor): Tensor => floatUnary('sigmoid', x, (g, _x, out) => mul(g, mul(out, sub(1, out))));
/** max(x, 0), NaN kept; the gradient passes where the output is > 0 (or NaN), as PyTorch's threshold_backward. */
export function relu(x: Tensor): Tensor {
  if (x.dtype === 'bool') throw boolRefused('relu');
  if (!isFloat(x.dtype)) return unaryRaw('relu', x, x.dtype);
  return floatUnary('relu', x, (g, _x, out) => reluBackward(g, out));
}

/** @internal relu's gradient in one kernel: g where relu's output `out` is > 0 (or NaN), else 0. Records no graph. */
export function reluBackward(g: Tensor, out: Tensor): Tensor {
  const dtype = resultType(g, out);
  const [tg, tout] = operands('reluBackward', g, out, dtype);
  return binaryRaw('reluBackward', tg, tout, dtype, 'reluBackward');
}
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor =>
  floatUnary('leakyRelu', x, (g, x) => mul(g, where(gt(x, 0), scalar(1, x.dtype, x), scalar(negativeSlope, x.dtype, x))), negativeSlope);
export const elu = (x: Tensor, alpha = 1): Tensor =>
  floatUnary('elu', x, (g, x, out) => mul(g, where(gt(x, 0), 1, add(out, alpha))), alpha);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** Exact GELU, x * Phi(x), as torch's default (approximate='none'). */
export const gelu = (x: Tensor): Tensor =>
  floatUnary('gelu', x, (g, x) => {
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI);
    return mul(g, add(cdf, mul(x, pdf)));
  });
/** log(1 + exp(beta x)) / beta, linear where beta x > threshold (PyTorch's defaults beta 1, threshold 20). */
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor =>
  floatUnary('softplus', x, (g, x) => mul(g, where(gt(mul(x, beta), threshold), 1, sigmoid(mul(x, beta)))), threshold, beta);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
export const erf = (x: Tensor): Tensor => floatUnary('erf', x, (g, x) => mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)));

export const logicalNot = (x: Tensor): Tensor => unaryRaw('logicalNot', x, 'bool');
export const isnan = (x: Tensor): Tensor => unaryRaw('isnan', x, 'bool');
export const isinf = (x: Tensor): Tensor => unaryRaw('isinf', x, 'bool');

/** Limits values to [min, max]; the gradient flows where min <= x <= max (as torch.clamp). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error('clamp: at least one of min and max must be given');
  }
  const lo = min ?? null, hi = max ?? null;
  // both bounds take part in the result type: clamp(int32, 0, 2.5) is float32, as PyTorch
  let dtype: DType = x.dtype === 'bool' ? 'int32' : x.dtype;
  if (lo !== null) dtype = promoteTypes(dtype, resultType(x, lo));
  if (hi !== null) dtype = promoteTypes(dtype, resultType(x, hi));
  let out = x.dtype === dtype ? x : cast(x, dtype);
  // min first, then max: with min > max every element becomes max (as torch.clamp)
  if (lo !== null) out = binaryRaw('maximum', out, scalar(lo, dtype, x), dtype, 'clamp');
  if (hi !== null) out = binaryRaw('minimum', out, scalar(hi, dtype, x), dtype, 'clamp');
  if (out === x) out = unaryRaw('identity', x, dtype);
  return recordOp('clamp', out, [x], (g) => {
    let mask: Tensor | null = null;
    if (lo !== null) mask = ge(x, lo);
    if (hi !== null) mask = mask ? logicalAnd(mask, le(x, hi)) : le(x, hi);
    return [mul(g, mask!.to(g.dtype))];
  }, [x]);
}

/** where(cond, a, b): a where cond is true, else b; cond must be bool. */
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (cond.dtype !== 'bool') throw new TypeError(`where: condition must be a bool tensor, got ${cond.dtype}`);
  const dtype = resultType(a, b);
  const ta = typeof a === 'number' ? scalar(a, dtype, cond) : a;
  const tb = typeof b === 'number' ? scalar(b, dtype, cond) : b;
  assertSameBackend('where', cond, ta, tb);
  const outShape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, 'where'), tb.shape, 'where');
  const out = wrap(cond.backend.kernels.where(cond, ta, tb, outShape, dtype), outShape);
  const needA = ta.requiresGrad, needB = tb.requiresGrad;
  return recordOp('where', out, [null, ta, tb], (g) => {
    const zero = scalar(0, g.dtype, g);
    return [
      null,
      needA ? gradFor(where(cond, g, zero), ta) : null,
      needB ? gradFor(where(cond, zero, g), tb) : null,
    ];
  }, [cond]);
}

/** Converts to dtype; differentiable between float types. */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertDType(dtype, 'cast');
  if (x.dtype === dtype) return x;
  // to bool is "non-zero" (NaN included, as PyTorch), not the wrap-around of a byte store
  if (dtype === 'bool') return binaryRaw('ne', x, scalar(0, x.dtype, x), 'bool', 'cast');
  const out = unaryRaw('identity', x, dtype);
  if (!isFloat(dtype)) return out;
  return recordOp('cast', out, [x], (g) => [cast(g, x.dtype)], []);
}

