/**
 * Conformance: reductions (sum, mean, prod, max, min, var, std, logsumexp, all, any) and arg-reductions over all
 * dims, one dim, several dims, with and without keepdim, on every registered device against the js reference.
 * See devices.ts for how a device joins.
 */
import { Tensor, type DType, all, any, argmax, argmin, logsumexp, max, mean, min, prod, std, sum, var as variance } from '../../src/index.js';
import type { Fill } from './compare.js';
import { eachDevice } from './devices.js';

type Dims = number | number[] | undefined;
interface Reduction {
  op: string;
  /** The options besides dim and keepdim. */
  options?: string;
  f: (x: Tensor, dim: Dims, keepdim: boolean) => Tensor;
  dtypes: DType[];
  fill?: Fill;
  /** Takes one dim at most (prod, argmax, argmin). */
  oneDim?: boolean;
  /** Refuses an empty reduction (max, min, argmax, argmin of no elements). */
  needsElements?: boolean;
}

const ALL: DType[] = ['float32', 'float64', 'int32', 'bool'];
const FLOATS: DType[] = ['float32', 'float64'];
/** Values near 1, so products of many stay in range. */
const nearOne: Fill = (g) => 0.6 + 0.8 * g.random();

const REDUCTIONS: Reduction[] = [
  { op: 'sum', f: sum, dtypes: ALL },
  { op: 'mean', f: mean, dtypes: FLOATS },
  { op: 'prod', f: (x, d, k) => prod(x, d as number | undefined, k), dtypes: ['float32', 'float64', 'int32'], fill: nearOne, oneDim: true },
  // halves: many ties, which decide where the gradient goes
  { op: 'max', f: max, dtypes: ALL, fill: 'halves', needsElements: true },
  { op: 'min', f: min, dtypes: ALL, fill: 'halves', needsElements: true },
  { op: 'var', f: (x, d, k) => variance(x, d, { keepdim: k }), dtypes: FLOATS },
  { op: 'var', options: 'correction 0', f: (x, d, k) => variance(x, d, { keepdim: k, correction: 0 }), dtypes: ['float32'] },
  { op: 'std', f: (x, d, k) => std(x, d, { keepdim: k }), dtypes: FLOATS },
  { op: 'logsumexp', f: logsumexp, dtypes: FLOATS },
  { op: 'argmax', f: (x, d, k) => argmax(x, d as number | undefined, k), dtypes: ['float32', 'float64', 'int32'], fill: 'halves', oneDim: true, needsElements: true },
  { op: 'argmin', f: (x, d, k) => argmin(x, d as number | undefined, k), dtypes: ['float32', 'float64', 'int32'], fill: 'halves', oneDim: true, needsElements: true },
  { op: 'all', f: all, dtypes: ALL, fill: (g) => (g.random() < 0.1 ? 0 : 1) },
  { op: 'any', f: any, dtypes: ALL, fill: (g) => (g.random() < 0.1 ? 1 : 0) },
];

const noteOf = (r: Reduction, what: string): string => (r.options ? `${r.options}, ${what}` : what);
const dimsNote = (dim: Dims, keepdim: boolean): string =>
  `${dim === undefined ? 'all dims' : `dim ${JSON.stringify(dim)}`}${keepdim ? ', keepdim' : ''}`;

eachDevice('reductions', (suite) => {
  for (const r of REDUCTIONS) {
    const dimsList: Dims[] = r.oneDim ? [undefined, 0, -1, 1] : [undefined, 0, -1, [0, 2]];
    for (const dtype of r.dtypes) {
      const fill = dtype === 'bool' ? undefined : r.fill;
      for (const dim of dimsList) {
        for (const keepdim of dim === undefined ? [false] : [false, true]) {
          suite.check({ op: r.op, note: noteOf(r, dimsNote(dim, keepdim)), inputs: [{ shape: [4, 5, 6], dtype, fill }], run: (x) => r.f(x, dim, keepdim) });
        }
      }
      // 0-d input; a long row (the vector loop and its tail)
      suite.check({ op: r.op, note: noteOf(r, 'all dims'), inputs: [{ shape: [], dtype, fill }], run: (x) => r.f(x, undefined, false) });
      suite.check({ op: r.op, note: noteOf(r, 'dim 0, keepdim'), inputs: [{ shape: [], dtype, fill }], run: (x) => r.f(x, 0, true) });
      suite.check({ op: r.op, note: noteOf(r, 'dim 1'), inputs: [{ shape: [2, 301], dtype, fill }], run: (x) => r.f(x, 1, false) });
    }
    // empty: reducing over a dim of size 0, and over a non-empty dim of an empty tensor
    suite.check({ op: r.op, note: noteOf(r, 'dim 0 of size 0'), inputs: [{ shape: [0, 3] }], run: (x) => r.f(x, 0, false), throws: r.needsElements });
    suite.check({ op: r.op, note: noteOf(r, 'dim 0, keepdim'), inputs: [{ shape: [4, 0] }], run: (x) => r.f(x, 0, true) });
  }
  // special values: NaN propagates through max/min/sum and wins argmax (as PyTorch)
  const SPECIAL = [1, NaN, -Infinity, 2, Infinity, -0, 0, 3];
  for (const op of ['sum', 'max', 'min', 'argmax', 'argmin', 'logsumexp'] as const) {
    const r = REDUCTIONS.find((x) => x.op === op)!;
    suite.check({ op, note: 'special values, dim 1', inputs: [{ shape: [6, 8], fill: (_g, i) => SPECIAL[(i * 7) % SPECIAL.length] }], run: (x) => r.f(x, 1, false) });
  }
});
