/** Elementwise ops with NumPy/PyTorch broadcasting, each with its backward rule. */
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { NO_ATTRS, type OpRecord, defineOp, runOp } from './op.js';
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

/** A binary arithmetic op's attributes: the result dtype (the kernel computes in it). */
interface ArithAttrs {
  readonly dtype: DType;
}

/** The kernel of a binary arithmetic op for a result dtype: bool with bool stays bool, + is logical or, * logical and. */
function arithKernel(op: BinaryOp, dtype: DType): BinaryOp {
  if (dtype !== 'bool') return op;
  return op === 'add' ? 'logicalOr' : op === 'mul' ? 'logicalAnd' : op;
}

type Pair = [Tensor | null, Tensor | null];

/**
 * A binary arithmetic record. `rule` gives the gradients before broadcasting is undone; `saved` holds what `saves`
 * listed, `needs` which operands needed a gradient when the op ran.
 */
function arithOp(op: BinaryOp, rule: (g: Tensor, saved: readonly (Tensor | null)[], needs: readonly boolean[]) => Pair,
  saves?: (ta: Tensor, tb: Tensor, out: Tensor, needs: readonly boolean[]) => (Tensor | null)[]) {
  return defineOp<ArithAttrs>({
    name: op,
    forward: (inputs, { dtype }) => binaryRaw(arithKernel(op, dtype), inputs[0]!, inputs[1]!, dtype, op),
    backward: (g, saved, _attrs, needs, inputs) => {
      const [ga, gb] = rule(g, saved, needs);
      return [ga && needs[0] ? gradFor(ga, inputs[0]!) : null, gb && needs[1] ? gradFor(gb, inputs[1]!) : null];
    },
    saves: saves && ((inputs, out, needs) => saves(inputs[0]!, inputs[1]!, out, needs)),
  });
}

const ADD = arithOp('add', (g) => [g, g]);
const SUB = arithOp('sub', (g) => [g, neg(g)]);
const MUL = arithOp('mul', (g, [tb, ta], needs) => [needs[0] ? mul(g, tb!) : null, needs[1] ? mul(g, ta!) : null],
  (ta, tb, _out, needs) => [needs[0] ? tb : null, needs[1] ? ta : null]);
const DIV = arithOp('div', (g, [tb, ta], needs) => [
  needs[0] ? div(g, tb!) : null,
  // -g a / b^2 from the inputs (as PyTorch), so the quotient itself may be changed in place
  needs[1] ? neg(mul(g, div(div(ta!, tb!), tb!))) : null,
], (ta, tb, _out, needs) => [tb, needs[1] ? ta : null]);
const POW = arithOp('pow', (g, [ta, tb, out], needs) => [
  // 0 where the exponent is 0 (as PyTorch), so x^0 has gradient 0 even at x = 0 where b x^(b-1) is 0 * inf
  needs[0] ? where(eq(tb!, 0), 0, mul(g, mul(tb!, pow(ta!, sub(tb!, 1))))) : null,
  // d/db a^b = a^b log a; 0 where a == 0 and b >= 0 (as PyTorch), so 0^b does not produce NaN gradients
  needs[1] ? mul(g, where(logicalAnd(eq(ta!, 0), ge(tb!, 0)), 0, mul(out!, log(ta!)))) : null,
], (ta, tb, out, needs) => [ta, tb, needs[1] ? out : null]);
const MAXIMUM = arithOp('maximum', (g, [ta, tb]) => tieSplit(g, ta!, tb!, gt), (ta, tb) => [ta, tb]);
const MINIMUM = arithOp('minimum', (g, [ta, tb]) => tieSplit(g, ta!, tb!, lt), (ta, tb) => [ta, tb]);

function arith(op: OpRecord<ArithAttrs>, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const name = op.name as BinaryOp;
  let dtype = resultType(a, b);
  if (name === 'div' && !isFloat(dtype)) dtype = 'float32'; // true division, as torch.div
  const boolA = typeof a !== 'number' && a.dtype === 'bool', boolB = typeof b !== 'number' && b.dtype === 'bool';
  if (name === 'sub' && (boolA || boolB)) {
    // as PyTorch, which refuses both rather than guess between xor and integer arithmetic
    throw new TypeError(boolA && boolB
      ? 'sub: subtraction of two bool tensors is not supported; use logicalXor() instead'
      : 'sub: subtraction with a bool tensor is not supported; to invert a mask use logicalNot(), or convert with .int() first');
  }
  if (dtype === 'bool' && name === 'pow') throw new TypeError('pow: not supported for two bool tensors; convert with .int() or .float() first');
  return runOp(op, operands(name, a, b, dtype), { dtype });
}

/** An input's gradient: summed over the dims it was broadcast along, in the input's own dtype (as PyTorch). */
function gradFor(g: Tensor, input: Tensor): Tensor {
  const summed = sumToShape(g, input.shape);
  return summed.dtype === input.dtype ? summed : cast(summed, input.dtype);
}

export function add(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith(ADD, a, b);
}
export function sub(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith(SUB, a, b);
}
export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith(MUL, a, b);
}
export function div(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith(DIV, a, b);
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
  return arith(POW, a, b);
}
export function maximum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith(MAXIMUM, a, b);
}
export function minimum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return arith(MINIMUM, a, b);
}

/** Gradient of max/min of two: all to the winner, split evenly on ties (as PyTorch). */
function tieSplit(g: Tensor, ta: Tensor, tb: Tensor, wins: (x: Tensor, y: Tensor) => Tensor): [Tensor, Tensor] {
  const tie = mul(eq(ta, tb).to(g.dtype), 0.5);
  return [mul(g, add(wins(ta, tb).to(g.dtype), tie)), mul(g, add(wins(tb, ta).to(g.dtype), tie))];
}

/** Comparisons and logical ops give bool and record nothing; they are records so listOps() is the whole op set. */
const COMPARISONS = Object.fromEntries((['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor'] as const).map((op) =>
  [op, defineOp({ name: op, forward: (inputs) => binaryRaw(op, inputs[0]!, inputs[1]!, 'bool', op) })])) as Record<BinaryOp, OpRecord>;

function compare(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return runOp(COMPARISONS[op], operands(op, a, b, resultType(a, b)), NO_ATTRS);
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

/** The result dtype of a float unary op: int/bool inputs are computed in float32 (as torch.exp(int_tensor) gives float). */
const floatType = (d: DType): DType => (isFloat(d) ? d : 'float32');
/** The result dtype of an op that keeps the input's dtype (neg, abs, ...); bool (square only) becomes int32. */
const sameType = (d: DType): DType => (d === 'bool' ? 'int32' : d);

/**
 * A unary record: `saves` says whether its backward reads its input, its output or both; `rule` gets those (the
 * others undefined). `params` gives the kernel's alpha and beta from the attributes.
 */
function unaryOp<A extends object = object>(op: UnaryOp, outType: (d: DType) => DType, saves: 'x' | 'out' | 'both' | null,
  rule: ((g: Tensor, x: Tensor, out: Tensor, attrs: A) => Tensor) | null, params?: (attrs: A) => [number, number?]) {
  return defineOp<A>({
    name: op,
    forward: params
      ? (inputs, attrs) => { const [alpha, beta] = params(attrs); return unaryRaw(op, inputs[0]!, outType(inputs[0]!.dtype), alpha, beta); }
      : (inputs) => unaryRaw(op, inputs[0]!, outType(inputs[0]!.dtype)),
    backward: rule ? (g, saved, attrs) => {
      const x = saves === 'out' ? undefined : saved[0], out = saves === 'out' ? saved[0] : saves === 'both' ? saved[1] : undefined;
      return [rule(g, x!, out!, attrs)];
    } : undefined,
    saves: saves === 'x' ? (inputs) => [inputs[0]] : saves === 'out' ? (_inputs, out) => [out] : saves === 'both' ? (inputs, out) => [inputs[0], out] : undefined,
  });
}

/** A float unary op's record and the function running it (int/bool inputs give float32). */
function floatUnary(rec: OpRecord, x: Tensor, attrs: object = NO_ATTRS): Tensor {
  return runOp(rec, [x], attrs);
}

/** An op that keeps the input's dtype; bool inputs are refused as PyTorch does, or become int32. */
function sameTypeUnary(rec: OpRecord, x: Tensor): Tensor {
  const op = rec.name as UnaryOp;
  if (x.dtype === 'bool') {
    if (op === 'sign') return unaryRaw('identity', x, 'bool');
    if (op !== 'square') throw boolRefused(op);
  }
  return runOp(rec, [x], NO_ATTRS);
}

function boolRefused(op: string): TypeError {
  if (op === 'neg') return new TypeError('neg: negation of a bool tensor is not supported; to invert a mask use logicalNot()');
  return new TypeError(`${op}: not supported for bool tensors; convert with .int() or .float() first`);
}

const NEG = unaryOp('neg', sameType, null, (g) => neg(g));
const ABS = unaryOp('abs', sameType, 'x', (g, x) => mul(g, sign(x)));
const SIGN = unaryOp('sign', sameType, null, (g) => mul(g, 0));
const FLOOR = unaryOp('floor', sameType, null, (g) => mul(g, 0));
const CEIL = unaryOp('ceil', sameType, null, (g) => mul(g, 0));
const ROUND = unaryOp('round', sameType, null, (g) => mul(g, 0));
const SQUARE = unaryOp('square', sameType, 'x', (g, x) => mul(g, mul(x, 2)));
const EXP = unaryOp('exp', floatType, 'out', (g, _x, out) => mul(g, out));
const LOG = unaryOp('log', floatType, 'x', (g, x) => div(g, x));
const SQRT = unaryOp('sqrt', floatType, 'out', (g, _x, out) => div(g, mul(out, 2)));
const RSQRT = unaryOp('rsqrt', floatType, 'out', (g, _x, out) => mul(g, mul(pow(out, 3), -0.5)));
const RECIPROCAL = unaryOp('reciprocal', floatType, 'out', (g, _x, out) => neg(mul(g, square(out))));
const SIN = unaryOp('sin', floatType, 'x', (g, x) => mul(g, cos(x)));
const COS = unaryOp('cos', floatType, 'x', (g, x) => neg(mul(g, sin(x))));
const TANH = unaryOp('tanh', floatType, 'out', (g, _x, out) => mul(g, sub(1, square(out))));
const SIGMOID = unaryOp('sigmoid', floatType, 'out', (g, _x, out) => mul(g, mul(out, sub(1, out))));
const RELU = unaryOp('relu', floatType, 'out', (g, _x, out) => reluBackward(g, out));
const LEAKY_RELU = unaryOp<{ negativeSlope: number }>('leakyRelu', floatType, 'x',
  (g, x, _out, { negativeSlope }) => mul(g, where(gt(x, 0), scalar(1, x.dtype, x), scalar(negativeSlope, x.dtype, x))), (a) => [a.negativeSlope]);
const ELU = unaryOp<{ alpha: number }>('elu', floatType, 'both', (g, x, out, { alpha }) => mul(g, where(gt(x, 0), 1, add(out, alpha))), (a) => [a.alpha]);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU = unaryOp('gelu', floatType, 'x', (g, x) => {
  const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
  const pdf = mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI);
  return mul(g, add(cdf, mul(x, pdf)));
});
const SOFTPLUS = unaryOp<{ beta: number; threshold: number }>('softplus', floatType, 'x',
  (g, x, _out, { beta, threshold }) => mul(g, where(gt(mul(x, beta), threshold), 1, sigmoid(mul(x, beta)))), (a) => [a.threshold, a.beta]);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ERF = unaryOp('erf', floatType, 'x', (g, x) => mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)));

export const neg = (x: Tensor): Tensor => sameTypeUnary(NEG, x);
export const abs = (x: Tensor): Tensor => sameTypeUnary(ABS, x);
export const sign = (x: Tensor): Tensor => sameTypeUnary(SIGN, x);
export const floor = (x: Tensor): Tensor => sameTypeUnary(FLOOR, x);
export const ceil = (x: Tensor): Tensor => sameTypeUnary(CEIL, x);
export const round = (x: Tensor): Tensor => sameTypeUnary(ROUND, x);
export const square = (x: Tensor): Tensor => sameTypeUnary(SQUARE, x);
export const exp = (x: Tensor): Tensor => floatUnary(EXP, x);
export const log = (x: Tensor): Tensor => floatUnary(LOG, x);
export const sqrt = (x: Tensor): Tensor => floatUnary(SQRT, x);
export const rsqrt = (x: Tensor): Tensor => floatUnary(RSQRT, x);
export const reciprocal = (x: Tensor): Tensor => floatUnary(RECIPROCAL, x);
export const sin = (x: Tensor): Tensor => floatUnary(SIN, x);
export const cos = (x: Tensor): Tensor => floatUnary(COS, x);
export const tanh = (x: Tensor): Tensor => floatUnary(TANH, x);
export const sigmoid = (x: Tensor): Tensor => floatUnary(SIGMOID, x);
/** max(x, 0), NaN kept; the gradient passes where the output is > 0 (or NaN), as PyTorch's threshold_backward. */
export function relu(x: Tensor): Tensor {
  if (x.dtype === 'bool') throw boolRefused('relu');
  if (!isFloat(x.dtype)) return unaryRaw('relu', x, x.dtype);
  return floatUnary(RELU, x);
}

/** @internal relu's gradient in one kernel: g where relu's output `out` is > 0 (or NaN), else 0. Records no graph. */
export function reluBackward(g: Tensor, out: Tensor): Tensor {
  const dtype = resultType(g, out);
  const [tg, tout] = operands('reluBackward', g, out, dtype);
  return binaryRaw('reluBackward', tg, tout, dtype, 'reluBackward');
}
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => floatUnary(LEAKY_RELU as OpRecord, x, { negativeSlope });
export const elu = (x: Tensor, alpha = 1): Tensor => floatUnary(ELU as OpRecord, x, { alpha });
/** Exact GELU, x * Phi(x), as torch's default (approximate='none'). */
export const gelu = (x: Tensor): Tensor => floatUnary(GELU, x);
/** log(1 + exp(beta x)) / beta, linear where beta x > threshold (PyTorch's defaults beta 1, threshold 20). */
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor => floatUnary(SOFTPLUS as OpRecord, x, { beta, threshold });
export const erf = (x: Tensor): Tensor => floatUnary(ERF, x);

const LOGICAL_NOT = unaryOp('logicalNot', () => 'bool', null, null);
const ISNAN = unaryOp('isnan', () => 'bool', null, null);
const ISINF = unaryOp('isinf', () => 'bool', null, null);
export const logicalNot = (x: Tensor): Tensor => runOp(LOGICAL_NOT, [x], NO_ATTRS);
export const isnan = (x: Tensor): Tensor => runOp(ISNAN, [x], NO_ATTRS);
export const isinf = (x: Tensor): Tensor => runOp(ISINF, [x], NO_ATTRS);

interface ClampAttrs {
  readonly min: number | null;
  readonly max: number | null;
}

const CLAMP = defineOp<ClampAttrs>({
  name: 'clamp',
  forward: ([x], { min: lo, max: hi }) => {
    // both bounds take part in the result type: clamp(int32, 0, 2.5) is float32, as PyTorch
    let dtype: DType = x!.dtype === 'bool' ? 'int32' : x!.dtype;
    if (lo !== null) dtype = promoteTypes(dtype, resultType(x!, lo));
    if (hi !== null) dtype = promoteTypes(dtype, resultType(x!, hi));
    let out = x!.dtype === dtype ? x! : cast(x!, dtype);
    // min first, then max: with min > max every element becomes max (as torch.clamp)
    if (lo !== null) out = binaryRaw('maximum', out, scalar(lo, dtype, x!), dtype, 'clamp');
    if (hi !== null) out = binaryRaw('minimum', out, scalar(hi, dtype, x!), dtype, 'clamp');
    if (out === x) out = unaryRaw('identity', x, dtype);
    return out;
  },
  backward: (g, [x], { min: lo, max: hi }) => {
    let mask: Tensor | null = null;
    if (lo !== null) mask = ge(x!, lo);
    if (hi !== null) mask = mask ? logicalAnd(mask, le(x!, hi)) : le(x!, hi);
    return [mul(g, mask!.to(g.dtype))];
  },
  saves: (inputs) => inputs,
});

/** Limits values to [min, max]; the gradient flows where min <= x <= max (as torch.clamp). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new Error('clamp: at least one of min and max must be given');
  }
  return runOp(CLAMP, [x], { min: min ?? null, max: max ?? null });
}

const WHERE = defineOp<{ dtype: DType }>({
  name: 'where',
  forward: ([cond, ta, tb], attrs) => {
    const outShape = broadcastShapes(broadcastShapes(cond!.shape, ta!.shape, 'where'), tb!.shape, 'where');
    return wrap(cond!.backend.kernels.where(cond!, ta!, tb!, outShape, attrs.dtype), outShape);
  },
  // the condition is an input that never needs a gradient
  backward: (g, [cond], _attrs, needs, [, ta, tb]) => {
    const zero = scalar(0, g.dtype, g);
    return [
      null,
      needs[1] ? gradFor(where(cond!, g, zero), ta!) : null,
      needs[2] ? gradFor(where(cond!, zero, g), tb!) : null,
    ];
  },
  saves: (inputs) => [inputs[0]],
});

/** where(cond, a, b): a where cond is true, else b; cond must be bool. */
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (cond.dtype !== 'bool') throw new TypeError(`where: condition must be a bool tensor, got ${cond.dtype}`);
  const dtype = resultType(a, b);
  const ta = typeof a === 'number' ? scalar(a, dtype, cond) : a;
  const tb = typeof b === 'number' ? scalar(b, dtype, cond) : b;
  assertSameBackend('where', cond, ta, tb);
  return runOp(WHERE, [cond, ta, tb], { dtype });
}

/** A cast between dtypes; only one to a float type records a node. */
const CAST = defineOp<{ dtype: DType }>({
  name: 'cast',
  forward: ([x], { dtype }) => unaryRaw('identity', x!, dtype),
  backward: (g, _saved, _attrs, _needs, [x]) => [cast(g, x!.dtype)],
});

/** Converts to dtype; differentiable between float types. */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertDType(dtype, 'cast');
  if (x.dtype === dtype) return x;
  // to bool is "non-zero" (NaN included, as PyTorch), not the wrap-around of a byte store
  if (dtype === 'bool') return binaryRaw('ne', x, scalar(0, x.dtype, x), 'bool', 'cast');
  if (!isFloat(dtype)) return unaryRaw('identity', x, dtype);
  return runOp(CAST, [x], { dtype });
}

