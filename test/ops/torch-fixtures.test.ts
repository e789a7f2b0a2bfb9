/**
 * Myelin's core ops against PyTorch 1.13 reference values (test/fixtures/ops.json, made by make_fixtures.py):
 * forward values and the gradient of sum(output * w) for every float input, in float64.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Tensor, type TensorOrScalar,
  add, sub, mul, div, pow, neg, abs, exp, log, sqrt, rsqrt, square, reciprocal, sin, cos, tanh, sigmoid, relu,
  leakyRelu, elu, gelu, softplus, erf, clamp, maximum, minimum, where, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr,
  logicalXor, logicalNot, sum, mean, max, min, prod, var as variance, std, logsumexp, argmax, argmin, all, any,
  matmul, outer, dot, reshape, flatten, squeeze, unsqueeze, transpose, permute, expand, slice, narrow, select, split,
  chunk, cat, stack, pad, repeat, triu, tril, maskedFill, gather, scatterAdd, indexSelect, indexAdd, softmax,
  logSoftmax, embedding, oneHot,
} from '../../src/index.js';
import { F32_TOL, decodeNumber, loadFixtures, runCase, type OpFn, type Tolerance } from '../fixtures/fixtures.js';
import { withBackend } from '../helpers/backend.js';
import { DEVICES } from '../conformance/devices.js';
import '../../src/backend/wasm/index.js';

type Binary = (a: TensorOrScalar, b: TensorOrScalar) => Tensor;
interface BinaryArgs { scalar?: number; scalarFirst?: boolean }
/** A binary op on two inputs, or on one input and a number (on the right, or on the left with scalarFirst). */
const binary = (f: Binary): OpFn => (x, a: BinaryArgs) =>
  a.scalar === undefined ? f(x[0], x[1]) : a.scalarFirst ? f(a.scalar, x[0]) : f(x[0], a.scalar);
const unary = (f: (x: Tensor) => Tensor): OpFn => (x) => f(x[0]);
/** dim null in the fixture means "all dims". */
const dimOf = (d: number | number[] | null): number | number[] | undefined => (d === null ? undefined : d);
interface ReduceArgs { dim: number | number[] | null; keepdim: boolean }
const reduce = (f: (x: Tensor, dim: number | number[] | undefined, keepdim: boolean) => Tensor): OpFn => (x, a: ReduceArgs) =>
  f(x[0], dimOf(a.dim), a.keepdim);

/** Fixture op name -> the Myelin call. */
const OPS: Record<string, OpFn> = {
  add: binary(add), sub: binary(sub), mul: binary(mul), div: binary(div), pow: binary(pow),
  maximum: binary(maximum), minimum: binary(minimum),
  neg: unary(neg), abs: unary(abs), exp: unary(exp), log: unary(log), sqrt: unary(sqrt), rsqrt: unary(rsqrt),
  square: unary(square), reciprocal: unary(reciprocal), sin: unary(sin), cos: unary(cos), tanh: unary(tanh),
  sigmoid: unary(sigmoid), relu: unary(relu), gelu: unary(gelu), erf: unary(erf),
  leakyRelu: (x, a: { slope: number }) => leakyRelu(x[0], a.slope),
  elu: (x, a: { alpha: number }) => elu(x[0], a.alpha),
  softplus: (x, a: { beta: number; threshold: number }) => softplus(x[0], a.beta, a.threshold),
  clamp: (x, a: { min: number | null; max: number | null }) => clamp(x[0], a.min, a.max),
  where: (x, a: { other?: number }) => (a.other === undefined ? where(x[0], x[1], x[2]) : where(x[0], x[1], a.other)),
  eq: binary(eq), ne: binary(ne), lt: binary(lt), le: binary(le), gt: binary(gt), ge: binary(ge),
  logicalAnd: binary(logicalAnd), logicalOr: binary(logicalOr), logicalXor: binary(logicalXor), logicalNot: unary(logicalNot),
  sum: reduce(sum), mean: reduce(mean), max: reduce(max), min: reduce(min), logsumexp: reduce(logsumexp),
  all: reduce(all), any: reduce(any),
  prod: (x, a: { dim: number | null; keepdim: boolean }) => prod(x[0], dimOf(a.dim), a.keepdim),
  var: (x, a: ReduceArgs & { correction: number }) => variance(x[0], dimOf(a.dim), { correction: a.correction, keepdim: a.keepdim }),
  std: (x, a: ReduceArgs & { correction: number }) => std(x[0], dimOf(a.dim), { correction: a.correction, keepdim: a.keepdim }),
  argmax: (x, a: { dim: number | null; keepdim: boolean }) => argmax(x[0], a.dim ?? undefined, a.keepdim),
  argmin: (x, a: { dim: number | null; keepdim: boolean }) => argmin(x[0], a.dim ?? undefined, a.keepdim),
  matmul: (x) => matmul(x[0], x[1]),
  outer: (x) => outer(x[0], x[1]),
  dot: (x) => dot(x[0], x[1]),
  reshape: (x, a: { shape: number[] }) => reshape(x[0], a.shape),
  flatten: (x, a: { startDim: number; endDim: number }) => flatten(x[0], a.startDim, a.endDim),
  squeeze: (x, a: { dim: number }) => squeeze(x[0], a.dim),
  unsqueeze: (x, a: { dim: number }) => unsqueeze(x[0], a.dim),
  transpose: (x, a: { dim0: number; dim1: number }) => transpose(x[0], a.dim0, a.dim1),
  permute: (x, a: { dims: number[] }) => permute(x[0], a.dims),
  expand: (x, a: { shape: number[] }) => expand(x[0], a.shape),
  cat: (x, a: { dim: number }) => cat(x, a.dim),
  stack: (x, a: { dim: number }) => stack(x, a.dim),
  split: (x, a: { splitSize: number | number[]; dim: number }) => split(x[0], a.splitSize, a.dim),
  chunk: (x, a: { chunks: number; dim: number }) => chunk(x[0], a.chunks, a.dim),
  slice: (x, a: { dim: number; start: number | null; end: number | null; step: number }) => slice(x[0], a.dim, a.start, a.end, a.step),
  narrow: (x, a: { dim: number; start: number; length: number }) => narrow(x[0], a.dim, a.start, a.length),
  select: (x, a: { dim: number; index: number }) => select(x[0], a.dim, a.index),
  pad: (x, a: { pad: number[]; value: number }) => pad(x[0], a.pad, a.value),
  repeat: (x, a: { reps: number[] }) => repeat(x[0], a.reps),
  triu: (x, a: { diagonal: number }) => triu(x[0], a.diagonal),
  tril: (x, a: { diagonal: number }) => tril(x[0], a.diagonal),
  gather: (x, a: { dim: number }) => gather(x[0], a.dim, x[1]),
  scatterAdd: (x, a: { dim: number }) => scatterAdd(x[0], a.dim, x[1], x[2]),
  indexSelect: (x, a: { dim: number }) => indexSelect(x[0], a.dim, x[1]),
  indexAdd: (x, a: { dim: number }) => indexAdd(x[0], a.dim, x[1], x[2]),
  maskedFill: (x, a: { value: number | string }) => maskedFill(x[0], x[1], decodeNumber(a.value)),
  softmax: (x, a: { dim: number }) => softmax(x[0], a.dim),
  logSoftmax: (x, a: { dim: number }) => logSoftmax(x[0], a.dim),
  embedding: (x) => embedding(x[0], x[1]),
  oneHot: (x, a: { numClasses: number | null }) => oneHot(x[0], a.numClasses ?? undefined),
};

/**
 * Tolerances: everything is float64 and the fixtures carry 13 significant digits, so agreement should be near
 * rounding error. Ops that chain several transcendental steps get a little more room.
 */
const DEFAULT_TOL: Tolerance = { atol: 1e-10, rtol: 1e-9 };
const TOL: Record<string, Tolerance> = {
  pow: { atol: 1e-9, rtol: 1e-9 },
  logsumexp: { atol: 1e-9, rtol: 1e-9 },
  std: { atol: 1e-9, rtol: 1e-9 },
  var: { atol: 1e-9, rtol: 1e-9 },
  softplus: { atol: 1e-9, rtol: 1e-9 },
  gelu: { atol: 1e-9, rtol: 1e-9 },
  erf: { atol: 1e-9, rtol: 1e-9 },
};

const fixtures = loadFixtures();
const byOp = new Map<string, typeof fixtures.core>();
for (const c of fixtures.core) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

describe(`core ops against PyTorch ${fixtures.torch}`, () => {
  it('has a Myelin call for every op in the fixtures, and fixtures for every op in the table', () => {
    const inFixtures = new Set(fixtures.core.map((c) => c.op));
    const missing = [...inFixtures].filter((op) => !(op in OPS));
    assert.deepEqual(missing, [], `fixture ops without a Myelin mapping: ${missing.join(', ')}`);
    const unused = Object.keys(OPS).filter((op) => !inFixtures.has(op));
    assert.deepEqual(unused, [], `mapped ops without fixtures: ${unused.join(', ')}`);
    assert.ok(fixtures.core.length > 300, `expected the full core set, got ${fixtures.core.length} cases`);
  });

  for (const [op, cases] of byOp) {
    describe(op, () => {
      for (const c of cases) {
        it(c.name, () => {
          const fn = OPS[op];
          assert.ok(fn, `${c.name}: no Myelin mapping for op '${op}'`);
          runCase(c, fn, TOL[op] ?? DEFAULT_TOL);
        });
      }
    });
  }
});

/**
 * The same cases in float32 on every other registered device (wasm: its kernels, and its backward passes, which free
 * what only the engine holds, temporaries and used-up gradients, as they go). float32 rounding sets the tolerance.
 */
for (const device of DEVICES) {
  describe(`core ops in float32 on ${device} against PyTorch ${fixtures.torch}`, () => {
    for (const [op, cases] of byOp) {
      describe(op, () => {
        for (const c of cases) it(c.name, () => withBackend(device, () => runCase(c, OPS[op], F32_TOL, 'float32')));
      });
    }
  });
}
