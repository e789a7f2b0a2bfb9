/**
 * Conformance: elementwise ops (unary, binary with broadcasting, comparisons, logical ops, where, casts) on every
 * registered device against the js reference, for every dtype each op takes. See devices.ts for how a device joins.
 */
import {
  Tensor, type DType, abs, add, cast, ceil, clamp, cos, div, elu, eq, erf, exp, floor, ge, gelu, gt, isinf, isnan, le,
  leakyRelu, log, logicalAnd, logicalNot, logicalOr, logicalXor, lt, maximum, minimum, mul, ne, neg, pow, reciprocal,
  relu, round, rsqrt, sigmoid, sign, sin, softplus, sqrt, square, sub, tanh, where,
} from '../../src/index.js';
import type { Fill } from './compare.js';
import { eachDevice } from './devices.js';

const ALL: DType[] = ['float32', 'float64', 'int32', 'bool'];
const NUMERIC: DType[] = ['float32', 'float64', 'int32'];
const FLOATS: DType[] = ['float32', 'float64'];

/** Values where kernels' edge cases sit: zeros, ties at .5, the ends of exp's range, infinities and NaN. */
const SPECIAL = [0, -0, 1e-30, -1e-30, 1e-8, 0.5, -0.5, 1.5, 2.5, -2.5, 20, -20, 88, -87, -103, 1e30, -1e30, Infinity, -Infinity, NaN];
const special: Fill = (_g, i) => SPECIAL[i % SPECIAL.length];

interface UnaryOp {
  op: string;
  /** The arguments besides the tensor. */
  note?: string;
  f: (x: Tensor) => Tensor;
  dtypes: DType[];
  fill?: Fill;
}

const UNARY: UnaryOp[] = [
  { op: 'neg', f: neg, dtypes: NUMERIC },
  { op: 'abs', f: abs, dtypes: NUMERIC, fill: 'halves' },
  { op: 'sign', f: sign, dtypes: ALL, fill: 'halves' },
  { op: 'floor', f: floor, dtypes: NUMERIC, fill: 'halves' },
  { op: 'ceil', f: ceil, dtypes: NUMERIC, fill: 'halves' },
  { op: 'round', f: round, dtypes: NUMERIC, fill: 'halves' },
  { op: 'square', f: square, dtypes: ALL },
  { op: 'exp', f: exp, dtypes: ALL },
  { op: 'log', f: log, dtypes: ALL, fill: 'positive' },
  { op: 'sqrt', f: sqrt, dtypes: ALL, fill: 'positive' },
  { op: 'rsqrt', f: rsqrt, dtypes: FLOATS, fill: 'positive' },
  { op: 'reciprocal', f: reciprocal, dtypes: FLOATS, fill: 'positive' },
  { op: 'sin', f: sin, dtypes: ALL },
  { op: 'cos', f: cos, dtypes: ALL },
  { op: 'tanh', f: tanh, dtypes: ALL },
  { op: 'sigmoid', f: sigmoid, dtypes: ALL },
  { op: 'relu', f: relu, dtypes: NUMERIC, fill: 'halves' },
  { op: 'leakyRelu', note: 'slope 0.1', f: (x) => leakyRelu(x, 0.1), dtypes: FLOATS, fill: 'halves' },
  { op: 'elu', note: 'alpha 0.7', f: (x) => elu(x, 0.7), dtypes: FLOATS },
  { op: 'gelu', f: gelu, dtypes: FLOATS },
  { op: 'softplus', note: 'beta 1.5, threshold 2', f: (x) => softplus(x, 1.5, 2), dtypes: FLOATS },
  { op: 'erf', f: erf, dtypes: FLOATS },
  { op: 'clamp', note: 'min -1, max 1.5', f: (x) => clamp(x, -1, 1.5), dtypes: NUMERIC, fill: 'halves' },
  { op: 'clamp', note: 'max 0.5', f: (x) => clamp(x, null, 0.5), dtypes: FLOATS, fill: 'halves' },
  { op: 'logicalNot', f: logicalNot, dtypes: ALL, fill: 'halves' },
  { op: 'isnan', f: isnan, dtypes: FLOATS, fill: special },
  { op: 'isinf', f: isinf, dtypes: FLOATS, fill: special },
];

type BinaryFn = (a: Tensor | number, b: Tensor | number) => Tensor;
interface BinaryOp {
  op: string;
  /** What tells this entry from the op's others. */
  note?: string;
  f: BinaryFn;
  dtypes: DType[];
  fillA?: Fill;
  fillB?: Fill;
}

const nonzero: Fill = (g) => (g.integer(1, 7) / 2) * (g.random() < 0.5 ? -1 : 1);

const BINARY: BinaryOp[] = [
  { op: 'add', f: add, dtypes: ALL },
  { op: 'sub', f: sub, dtypes: NUMERIC },
  { op: 'mul', f: mul, dtypes: ALL },
  { op: 'div', f: div, dtypes: NUMERIC, fillB: nonzero },
  { op: 'pow', f: pow, dtypes: FLOATS, fillA: 'positive', fillB: 'halves' },
  { op: 'pow', note: 'integer exponents', f: pow, dtypes: ['int32'], fillB: (g) => g.integer(0, 4) },
  { op: 'maximum', f: maximum, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'minimum', f: minimum, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'eq', f: eq, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'ne', f: ne, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'lt', f: lt, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'le', f: le, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'gt', f: gt, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'ge', f: ge, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'logicalAnd', f: logicalAnd, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'logicalOr', f: logicalOr, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
  { op: 'logicalXor', f: logicalXor, dtypes: ALL, fillA: 'halves', fillB: 'halves' },
];

/**
 * [a, b] shapes: equal, broadcast both ways, a 0-d operand, empty, and small. Most tensors here have more than 64
 * elements: a device may keep smaller ones elsewhere (the wasm device keeps them on the JavaScript heap).
 */
const BROADCASTS: [number[], number[]][] = [
  [[9, 13], [9, 13]],
  [[3, 1, 26], [5, 1]],
  [[33], [3, 2, 33]],
  [[], [7, 11]],
  [[4, 0], [4, 1]],
  [[3], [2, 3]],
];

const joined = (...notes: (string | undefined)[]): string | undefined => notes.filter(Boolean).join(', ') || undefined;
const boolFill = (f: Fill | undefined, dtype: DType): Fill | undefined => (dtype === 'bool' ? undefined : f);

eachDevice('elementwise ops', (suite) => {
  for (const u of UNARY) {
    for (const dtype of u.dtypes) {
      const fill = boolFill(u.fill, dtype);
      for (const shape of [[6, 7, 5], [5], [], [0, 3]]) suite.check({ op: u.op, note: u.note, inputs: [{ shape, dtype, fill }], run: u.f });
    }
    if (u.fill !== 'positive') {
      // special values: NaN, infinities, signed zeros and the ends of float32's range (gradients included)
      suite.check({ op: u.op, note: joined(u.note, 'special values'), inputs: [{ shape: [8, 10], fill: special }], run: u.f });
    }
  }

  for (const b of BINARY) {
    for (const dtype of b.dtypes) {
      const fillA = boolFill(b.fillA, dtype), fillB = boolFill(b.fillB, dtype);
      for (const [sa, sb] of BROADCASTS) {
        suite.check({ op: b.op, note: b.note, inputs: [{ shape: sa, dtype, fill: fillA }, { shape: sb, dtype, fill: fillB }], run: (x, y) => b.f(x, y) });
      }
      // a number on either side
      const number = dtype === 'bool' ? 1 : dtype === 'int32' ? 2 : 1.5;
      suite.check({ op: b.op, note: joined(b.note, `tensor, ${number}`), inputs: [{ shape: [9, 8], dtype, fill: fillA }], run: (x) => b.f(x, number) });
      suite.check({ op: b.op, note: joined(b.note, `${number}, tensor`), inputs: [{ shape: [9, 8], dtype, fill: fillB }], run: (x) => b.f(number, x) });
    }
    // a broadcast view (stride 0) as an operand
    suite.check({
      op: b.op, note: joined(b.note, 'expanded operand'), inputs: [{ shape: [3, 1, 25], fill: b.fillA }, { shape: [3, 4, 25], fill: b.fillB }],
      run: (x, y) => b.f(x.expand(3, 4, 25), y),
    });
  }

  // operands of different dtypes promote as PyTorch does
  const MIXED: [DType, DType][] = [['int32', 'float32'], ['bool', 'int32'], ['float32', 'float64'], ['bool', 'float32'], ['int32', 'float64']];
  for (const [da, db] of MIXED) {
    for (const [op, f] of [['add', add], ['mul', mul], ['div', div], ['maximum', maximum], ['lt', lt]] as [string, BinaryFn][]) {
      suite.check({ op, note: 'mixed dtypes', inputs: [{ shape: [9, 8], dtype: da }, { shape: [8], dtype: db, fill: nonzero }], run: (x, y) => f(x, y) });
    }
  }
  suite.check({ op: 'sub', note: 'bool refused', inputs: [{ shape: [3], dtype: 'bool' }, { shape: [3], dtype: 'bool' }], run: (x, y) => sub(x, y), throws: true });
  suite.check({ op: 'pow', note: 'negative integer power refused', inputs: [{ shape: [3], dtype: 'int32' }], run: (x) => pow(x, -1), throws: true });
  suite.check({ op: 'add', note: 'shapes that do not broadcast', inputs: [{ shape: [3, 4] }, { shape: [5] }], run: (x, y) => add(x, y), throws: true });

  for (const dtype of ALL) {
    for (const [sc, sa, sb] of [[[9, 8], [9, 8], [9, 8]], [[9, 1], [8], [2, 1, 1]], [[], [7, 11], []], [[0, 2], [2], [1]]]) {
      suite.check({
        op: 'where', inputs: [{ shape: sc, dtype: 'bool' }, { shape: sa, dtype }, { shape: sb, dtype }], run: (c, a, b) => where(c, a, b),
      });
    }
    suite.check({ op: 'where', note: 'numbers', inputs: [{ shape: [9, 8], dtype: 'bool' }, { shape: [9, 8], dtype }], run: (c, a) => where(c, a, 0) });
  }

  for (const from of ALL) {
    for (const to of ALL) {
      if (from === to) continue;
      const fill: Fill | undefined = from === 'bool' ? undefined : (g) => (g.random() < 0.2 ? 0 : g.integer(-40, 41) / 4);
      suite.check({ op: 'cast', note: `to ${to}`, inputs: [{ shape: [9, 8], dtype: from, fill }], needs: [to], run: (x) => cast(x, to) });
    }
  }
});
