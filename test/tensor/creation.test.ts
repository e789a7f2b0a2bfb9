/**
 * Creation functions (from data, filled, ranges, identity, random and the *Like variants), seeded reproducibility of
 * every random function, and PyTorch-style printing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  Generator, Tensor, arange, dropout, eye, full, fullLike, linspace, manualSeed, normal, ones, onesLike,
  rand, randLike, randint, randintLike, randn, randnLike, randperm, registerBackend, tensor, uniform, zeros,
  zerosLike,
} from '../../src/index.js';
import { JsDevice } from '../../src/backend/js/index.js';
import * as Creation from '../../src/tensor/creation.js';
import { withBackend } from '../helpers/backend.js';

const desc = (t: Tensor) => ({ dtype: t.dtype, shape: [...t.shape], values: t.toArray() });
const values = (t: Tensor) => Array.from(t.data());

test('this file covers every function src/tensor/creation.ts exports', () => {
  const covered = [
    'tensor', 'full', 'zeros', 'ones', 'zerosLike', 'onesLike', 'fullLike', 'arange', 'linspace', 'eye', 'rand', 'randn',
    'uniform', 'normal', 'randint', 'randLike', 'randnLike', 'randintLike', 'randperm',
  ];
  const exported = Object.entries(Creation).filter(([, v]) => typeof v === 'function').map(([k]) => k);
  assert.deepEqual(exported.sort(), covered.sort(), 'a new creation function needs tests here');
});

describe('tensor()', () => {
  test('nested arrays: shape inferred, float32 by default, bool for booleans', () => {
    assert.deepEqual(desc(tensor([[1, 2, 3], [4, 5, 6]])), { dtype: 'float32', shape: [2, 3], values: [[1, 2, 3], [4, 5, 6]] });
    assert.deepEqual(desc(tensor([true, false])), { dtype: 'bool', shape: [2], values: [true, false] });
    assert.deepEqual(desc(tensor(5)), { dtype: 'float32', shape: [], values: 5 });
    assert.deepEqual(desc(tensor(true)), { dtype: 'bool', shape: [], values: true });
    assert.deepEqual(desc(tensor([])), { dtype: 'float32', shape: [0], values: [] });
    assert.deepEqual(tensor([[]]).shape, [1, 0]);
    assert.deepEqual(tensor([[[1], [2]]]).shape, [1, 2, 1]);
  });

  test('typed arrays keep their type, are copied, and take a shape', () => {
    assert.equal(tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.equal(tensor(new Uint8Array([1, 0])).dtype, 'bool');
    assert.equal(tensor(new Float32Array([1, 2])).dtype, 'float32');
    assert.deepEqual(desc(tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] })), { dtype: 'float32', shape: [2, 2], values: [[1, 2], [3, 4]] });
    assert.equal(tensor(new Int32Array([1, 2]), { dtype: 'float64' }).dtype, 'float64');
    const src = new Float32Array([1, 2]);
    const t = tensor(src);
    src[0] = 99;
    assert.deepEqual(t.toArray(), [1, 2], 'the tensor owns a copy');
  });

  test('a dtype option converts the values (truncation for int32, non-zero for bool, rounding for float32)', () => {
    assert.deepEqual(desc(tensor([1.7, -1.7], { dtype: 'int32' })), { dtype: 'int32', shape: [2], values: [1, -1] });
    assert.deepEqual(desc(tensor([0, 2, -0.5], { dtype: 'bool' })), { dtype: 'bool', shape: [3], values: [false, true, true] });
    assert.equal(tensor([0.1]).item(), Math.fround(0.1));
    assert.equal(tensor([0.1], { dtype: 'float64' }).item(), 0.1);
    assert.deepEqual(desc(tensor([true, false], { dtype: 'float32' })), { dtype: 'float32', shape: [2], values: [1, 0] });
  });

  test('shape option for flat data, requiresGrad option', () => {
    assert.deepEqual(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }).toArray(), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(tensor([[1, 2], [3, 4]], { shape: [4] }).shape, [4]);
    const w = tensor([1, 2], { requiresGrad: true });
    assert.equal(w.requiresGrad, true);
    assert.equal(w.isLeaf, true);
  });

  test('bad data is refused with messages naming tensor()', () => {
    assert.throws(() => tensor([[1, 2], [3]]), { message: 'tensor: ragged nested array: expected length 2 at depth 1, got 1' });
    assert.throws(() => tensor([[1, 2], 3] as never), { message: 'tensor: ragged nested array: expected length 2 at depth 1, got a scalar' });
    assert.throws(() => tensor(['a'] as never), { name: 'TypeError', message: 'tensor: elements must be numbers or booleans, got string' });
    assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), { message: 'tensor: shape [2,2] needs 4 values, got 3' });
    assert.throws(() => tensor([1], { dtype: 'int8' as never }), { message: "tensor: unknown dtype 'int8' (expected one of float32, float64, int32, bool)" });
    assert.throws(() => tensor([1], { shape: [-1] }), { message: 'tensor: shape must be a list of non-negative integers, got [-1]' });
  });
});

describe('filled tensors', () => {
  test('zeros, ones, full: float32 by default, other dtypes on request', () => {
    assert.deepEqual(desc(zeros([2, 2])), { dtype: 'float32', shape: [2, 2], values: [[0, 0], [0, 0]] });
    assert.deepEqual(desc(ones([3], { dtype: 'int32' })), { dtype: 'int32', shape: [3], values: [1, 1, 1] });
    assert.deepEqual(desc(ones([2], { dtype: 'bool' })), { dtype: 'bool', shape: [2], values: [true, true] });
    assert.deepEqual(desc(full([2], 3.7, { dtype: 'int32' })), { dtype: 'int32', shape: [2], values: [3, 3] });
    assert.deepEqual(desc(full([2], 2.5, { dtype: 'float64' })), { dtype: 'float64', shape: [2], values: [2.5, 2.5] });
    assert.deepEqual(desc(full([], 7)), { dtype: 'float32', shape: [], values: 7 });
    assert.ok(values(full([2], NaN)).every(Number.isNaN));
    assert.deepEqual(zeros([0, 3]).shape, [0, 3]);
    assert.equal(zeros([2], { requiresGrad: true }).requiresGrad, true);
  });

  test('bad shapes are refused', () => {
    assert.throws(() => zeros([-1]), { message: 'zeros: shape must be a list of non-negative integers, got [-1]' });
    assert.throws(() => ones([1.5]), { message: 'ones: shape must be a list of non-negative integers, got [1.5]' });
    assert.throws(() => full([2], 1, { dtype: 'int32', requiresGrad: true }), { message: 'requiresGrad: only floating point tensors can require gradients (got int32)' });
  });

  test('zerosLike, onesLike, fullLike take shape and dtype from the input, not requiresGrad', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64', requiresGrad: true });
    assert.deepEqual(desc(zerosLike(x)), { dtype: 'float64', shape: [2, 3], values: [[0, 0, 0], [0, 0, 0]] });
    assert.deepEqual(desc(onesLike(x.t())), { dtype: 'float64', shape: [3, 2], values: [[1, 1], [1, 1], [1, 1]] });
    assert.deepEqual(desc(fullLike(x, 7, { dtype: 'int32' })), { dtype: 'int32', shape: [2, 3], values: [[7, 7, 7], [7, 7, 7]] });
    assert.equal(zerosLike(x).requiresGrad, false, 'as torch.zeros_like');
    assert.equal(onesLike(x, { requiresGrad: true }).requiresGrad, true);
    assert.equal(zerosLike(x.t()).isContiguous(), true);
    assert.deepEqual(desc(zerosLike(tensor([true]))), { dtype: 'bool', shape: [1], values: [false] });
  });
});

describe('ranges and identity', () => {
  test('arange: end; start, end; start, end, step; int32 for integers, float32 otherwise', () => {
    assert.deepEqual(desc(arange(5)), { dtype: 'int32', shape: [5], values: [0, 1, 2, 3, 4] });
    assert.deepEqual(desc(arange(2, 5)), { dtype: 'int32', shape: [3], values: [2, 3, 4] });
    assert.deepEqual(desc(arange(5, 0, -2)), { dtype: 'int32', shape: [3], values: [5, 3, 1] });
    assert.deepEqual(desc(arange(1, 2.5, 0.5)), { dtype: 'float32', shape: [3], values: [1, 1.5, 2] });
    assert.deepEqual(values(arange(0, 1, 0.3)), [0, 0.3, 0.6, 0.9].map(Math.fround));
    assert.equal(arange(0, 1, 0.1).size, 10, 'as torch.arange(0, 1, 0.1)');
    assert.deepEqual(arange(5, 0).shape, [0]);
    assert.deepEqual(desc(arange(3, { dtype: 'float64' })), { dtype: 'float64', shape: [3], values: [0, 1, 2] });
    assert.equal(arange(0, 3, 1, { dtype: 'float32', requiresGrad: true }).requiresGrad, true);
    assert.throws(() => arange(0, 5, 0), { message: 'arange: step must be a non-zero finite number, got 0' });
  });

  test('linspace: both ends included, symmetric like PyTorch', () => {
    assert.deepEqual(desc(linspace(0, 1, 5)), { dtype: 'float32', shape: [5], values: [0, 0.25, 0.5, 0.75, 1] });
    // torch.linspace(-1, 1, 4, dtype=torch.float64).tolist()
    assert.deepEqual(values(linspace(-1, 1, 4, { dtype: 'float64' })), [-1.0, -0.33333333333333337, 0.33333333333333337, 1.0]);
    assert.deepEqual(linspace(0, 1, 0).shape, [0]);
    assert.throws(() => linspace(0, 1, -1), { message: 'linspace: steps must be a non-negative integer, got -1' });
    assert.throws(() => linspace(0, 1, 2.5), { message: 'linspace: steps must be a non-negative integer, got 2.5' });
  });

  test('linspace with one step gives the start (as PyTorch)', () => {
    assert.deepEqual(values(linspace(2, 5, 1)), [2]);
  });

  test('eye: square, rectangular, dtype', () => {
    assert.deepEqual(desc(eye(2)), { dtype: 'float32', shape: [2, 2], values: [[1, 0], [0, 1]] });
    assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.deepEqual(eye(3, 2).toArray(), [[1, 0], [0, 1], [0, 0]]);
    assert.deepEqual(desc(eye(2, 2, { dtype: 'int32' })), { dtype: 'int32', shape: [2, 2], values: [[1, 0], [0, 1]] });
    assert.deepEqual(eye(0).shape, [0, 0]);
    assert.throws(() => eye(-1), { message: 'eye: shape must be a list of non-negative integers, got [-1,-1]' });
  });
});

describe('creation argument checks', () => {
  test('an unknown dtype is refused by name in every creation function', () => {
    const bad = { dtype: 'int8' as never };
    for (const [name, f] of [
      ['zeros', () => zeros([2], bad)], ['full', () => full([2], 1, bad)], ['arange', () => arange(3, bad)],
      ['linspace', () => linspace(0, 1, 3, bad)], ['eye', () => eye(2, 2, bad)], ['randint', () => randint(0, 3, [2], bad)],
      ['ones', () => ones([2], bad)], ['zerosLike', () => zerosLike(ones([2]), bad)], ['rand', () => rand([2], bad)],
      ['uniform', () => uniform([2], 0, 1, bad)], ['randnLike', () => randnLike(ones([2]), bad)], ['randperm', () => randperm(3, bad)],
    ] as [string, () => unknown][]) {
      assert.throws(f, { message: new RegExp(`^${name}: unknown dtype 'int8'`) }, name);
    }
  });

  test('randperm and arange refuse bad sizes with messages naming them', () => {
    assert.throws(() => randperm(1.5), { message: /^randperm: / });
    assert.throws(() => randperm(-1), { message: /^randperm: / });
    assert.throws(() => arange(0, Infinity), { message: /^arange: / });
  });

  test('normal refuses a negative std and uniform an empty range (as PyTorch)', () => {
    assert.throws(() => normal([3], 0, -1), { message: /^normal: / });
    assert.throws(() => normal([3], 0, NaN), { message: /^normal: / });
    assert.throws(() => uniform([3], 2, 1), { message: /^uniform: / });
    assert.throws(() => uniform([3], 0, Infinity), { message: /^uniform: / });
    // equal bounds are allowed and give the bound, std 0 gives the mean (as torch)
    assert.deepEqual(values(uniform([2], 2, 2)), [2, 2]);
    assert.deepEqual(values(normal([2], 3, 0)), [3, 3]);
  });

  test('random functions refuse bad arguments', () => {
    assert.throws(() => rand([2], { dtype: 'int32' }), { message: 'rand: dtype must be float32 or float64, got int32' });
    assert.throws(() => randn([-2]), { message: 'randn: shape must be a list of non-negative integers, got [-2]' });
    assert.throws(() => randint(3, 3, [2]), { message: 'randint: need integers low < high, got 3 and 3' });
    assert.throws(() => randint(0, 2.5, [2]), { message: 'randint: need integers low < high, got 0 and 2.5' });
    assert.throws(() => randLike(tensor([1], { dtype: 'int32' })), { message: 'randLike: dtype must be float32 or float64, got int32' });
  });
});

describe('random functions', () => {
  /** Every random function, drawing from the generator it is given (or the global one). */
  const draws: [string, (g?: Generator) => Tensor][] = [
    ['rand', (g) => rand([50], { generator: g })],
    ['randn', (g) => randn([51], { generator: g })],
    ['uniform', (g) => uniform([50], -2, 3, { generator: g })],
    ['normal', (g) => normal([50], 5, 2, { generator: g })],
    ['randint', (g) => randint(-3, 4, [50], { generator: g })],
    ['randperm', (g) => randperm(50, { generator: g })],
    ['randLike', (g) => randLike(zeros([5, 10], { dtype: 'float64' }), { generator: g })],
    ['randnLike', (g) => randnLike(zeros([5, 10]), { generator: g })],
    ['randintLike', (g) => randintLike(zeros([50], { dtype: 'int32' }), 0, 10, { generator: g })],
    ['dropout', (g) => dropout(ones([50]), { p: 0.5, generator: g })],
  ];

  for (const [name, draw] of draws) {
    test(`${name}: manualSeed makes it reproducible; another seed changes it; a Generator of the same seed matches`, () => {
      manualSeed(42);
      const a = values(draw());
      const a2 = values(draw());
      manualSeed(42);
      const b = values(draw());
      const b2 = values(draw());
      assert.deepEqual(b, a);
      assert.deepEqual(b2, a2, 'the second draw after the seed repeats too');
      assert.notDeepEqual(a2, a, 'consecutive draws differ');
      manualSeed(43);
      assert.notDeepEqual(values(draw()), a);
      assert.deepEqual(values(draw(new Generator(42))), a, 'new Generator(42) gives the stream of manualSeed(42)');
    });
  }

  test('a private generator does not advance the global one', () => {
    manualSeed(7);
    const expected = values(rand([5]));
    manualSeed(7);
    const g = new Generator(1);
    for (const [, draw] of draws) draw(g);
    assert.deepEqual(values(rand([5])), expected);
  });

  test('distributions: ranges, means and spreads', () => {
    const g = new Generator(2024);
    const n = 20000;
    const stats = (t: Tensor) => {
      const v = values(t);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      return { mean, sd, min: Math.min(...v), max: Math.max(...v) };
    };
    const u = stats(rand([n], { generator: g, dtype: 'float64' }));
    assert.ok(u.min >= 0 && u.max < 1);
    assert.ok(Math.abs(u.mean - 0.5) < 0.01 && Math.abs(u.sd - Math.sqrt(1 / 12)) < 0.01, JSON.stringify(u));
    const z = stats(randn([n], { generator: g }));
    assert.ok(Math.abs(z.mean) < 0.03 && Math.abs(z.sd - 1) < 0.03, JSON.stringify(z));
    const w = stats(uniform([n], -2, 3, { generator: g }));
    assert.ok(w.min >= -2 && w.max < 3 && Math.abs(w.mean - 0.5) < 0.05, JSON.stringify(w));
    const m = stats(normal([n], 5, 2, { generator: g, dtype: 'float64' }));
    assert.ok(Math.abs(m.mean - 5) < 0.06 && Math.abs(m.sd - 2) < 0.06, JSON.stringify(m));
    const ints = randint(-3, 4, [7000], { generator: g });
    assert.equal(ints.dtype, 'int32');
    const counts = new Map<number, number>();
    for (const v of values(ints)) counts.set(v, (counts.get(v) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) assert.ok(c > 850 && c < 1150, `randint bucket count ${c}`);
    const p = randperm(100, { generator: g });
    assert.equal(p.dtype, 'int32');
    assert.deepEqual(values(p).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
    assert.notDeepEqual(values(p), Array.from({ length: 100 }, (_, i) => i));
    const kept = values(dropout(ones([n]), { p: 0.25, generator: g }));
    assert.ok(kept.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
    assert.ok(Math.abs(kept.filter((v) => v === 0).length / n - 0.25) < 0.02);
  });

  test('dtypes and options of random functions', () => {
    assert.equal(rand([2]).dtype, 'float32');
    assert.equal(randn([2], { dtype: 'float64' }).dtype, 'float64');
    assert.equal(randint(0, 5, [2], { dtype: 'float32' }).dtype, 'float32');
    assert.equal(randnLike(zeros([2], { dtype: 'float64' })).dtype, 'float64');
    assert.equal(randintLike(zeros([2]), 0, 3).dtype, 'float32', 'as torch.randint_like of a float tensor');
    assert.deepEqual(randLike(zeros([2, 3])).shape, [2, 3]);
    assert.equal(rand([2], { requiresGrad: true }).requiresGrad, true);
    assert.deepEqual(randperm(0).shape, [0]);
    assert.deepEqual(rand([0, 3]).shape, [0, 3]);
  });

  test('Generator: integer(), random() and a seed that does not fit in 32 bits', () => {
    const g = new Generator(5);
    for (let i = 0; i < 1000; i++) {
      const k = g.integer(2, 5);
      assert.ok(Number.isInteger(k) && k >= 2 && k < 5);
      const r = g.random();
      assert.ok(r >= 0 && r < 1);
    }
    const big = values(rand([4], { generator: new Generator(2 ** 40 + 3) }));
    assert.notDeepEqual(big, values(rand([4], { generator: new Generator(3) })), 'high bits of a seed matter');
  });

  test('Generator getState/setState restores a stream', () => {
    const g = new Generator(9);
    rand([3], { generator: g });
    const state = g.getState();
    const a = values(rand([5], { generator: g }));
    g.setState(state);
    assert.deepEqual(values(rand([5], { generator: g })), a);
  });

  test('Generator getState/setState restores a normal stream after an odd number of normals', () => {
    const g = new Generator(5);
    randn([3], { generator: g });
    const state = g.getState();
    const a = values(randn([4], { generator: g }));
    g.setState(state);
    assert.deepEqual(values(randn([4], { generator: g })), a);
    assert.throws(() => g.setState([1, 2, 3]), { message: /^Generator.setState: expected 4 integer state words/ });
    assert.throws(() => g.setState([0, 0, 0, 0]), { message: 'Generator.setState: the state words must not all be zero' });
    assert.deepEqual(values(randn([4], { generator: g })), values(randn([4], { generator: (() => { const h = new Generator(0); h.setState(state); randn([4], { generator: h }); return h; })() })),
      'a refused state leaves the generator as it was');
  });

  test('rand in float32 stays below 1 (as torch.rand)', () => {
    const g = new Generator(0);
    const state = [-1115417317, 1007378614, 1808613994, 2023892001];
    g.setState(state);
    const r = rand([1], { generator: g }).item();
    assert.ok(r < 1 && r > 0.9999999, String(r));
    // the same draw scaled into [-2, 3) would round up to 3 in float32; uniform stays below its upper bound too
    g.setState(state);
    const u = uniform([1], -2, 3, { generator: g }).item();
    assert.ok(u < 3 && u > 2.9999997, String(u));
    g.setState(state);
    assert.ok(rand([1], { generator: g, dtype: 'float64' }).item() < 1);
  });
});

describe('creation on the backend of the input', () => {
  registerBackend('js-creation', () => {
    const b = new JsDevice();
    Object.defineProperty(b, 'name', { value: 'js-creation' });
    return b;
  });
  test('*Like functions create on the input\'s backend, not the current one', () => {
    const x = withBackend('js-creation', () => ones([2]));
    for (const made of [zerosLike(x), onesLike(x), fullLike(x, 3), randLike(x), randnLike(x), randintLike(x, 0, 3)]) {
      assert.equal(made.device, 'js-creation');
    }
  });
});

describe('printing', () => {
  // expected strings are PyTorch 1.13's, with Myelin's spelling of dtype=, size= and requiresGrad=
  const cases: [string, Tensor, string][] = [
    ['mixed signs', tensor([1.5, 2, -3]), 'tensor([ 1.5000,  2.0000, -3.0000])'],
    ['integral floats', tensor([[1, 2], [3, 4]]), 'tensor([[1., 2.],\n        [3., 4.]])'],
    ['aligned columns', tensor([[1.123456, 2], [3, 400]]), 'tensor([[  1.1235,   2.0000],\n        [  3.0000, 400.0000]])'],
    ['small values go scientific', tensor([1e-5, 1]), 'tensor([1.0000e-05, 1.0000e+00])'],
    ['large values go scientific', tensor([1e10, 1]), 'tensor([1.0000e+10, 1.0000e+00])'],
    ['a wide range goes scientific', tensor([0.001, 1000]), 'tensor([1.0000e-03, 1.0000e+03])'],
    ['1e8 and up goes scientific', tensor([123456789]), 'tensor([1.2346e+08])'],
    ['fractions', tensor([0.1, 0.25]), 'tensor([0.1000, 0.2500])'],
    ['negative fraction', tensor([-1.5, 2.25]), 'tensor([-1.5000,  2.2500])'],
    ['non-finite', tensor([NaN, Infinity, -Infinity, 1.5]), 'tensor([   nan,    inf,   -inf, 1.5000])'],
    ['int32', tensor([1, 2], { dtype: 'int32' }), 'tensor([1, 2], dtype=int32)'],
    ['bool', tensor([true, false]), 'tensor([ True, False])'],
    ['0-d', tensor(3.5), 'tensor(3.5000)'],
    ['float64', tensor([1, 2], { dtype: 'float64' }), 'tensor([1., 2.], dtype=float64)'],
    ['empty 1-D', zeros([0]), 'tensor([])'],
    ['empty 2-D', zeros([2, 0]), 'tensor([], size=[2, 0])'],
    ['a transposed view prints in logical order', tensor([[1, 2], [3, 4]]).t(), 'tensor([[1., 3.],\n        [2., 4.]])'],
    ['3-D int32', arange(24).reshape(2, 3, 4),
      'tensor([[[ 0,  1,  2,  3],\n         [ 4,  5,  6,  7],\n         [ 8,  9, 10, 11]],\n\n        [[12, 13, 14, 15],\n         [16, 17, 18, 19],\n         [20, 21, 22, 23]]], dtype=int32)'],
    ['requiresGrad', tensor([1, 2], { requiresGrad: true }), 'tensor([1., 2.], requiresGrad=true)'],
    ['gradFn', tensor([1, 2], { requiresGrad: true }).mul(2), 'tensor([2., 4.], gradFn=<mul>)'],
    ['integral floats over a wide range go scientific', tensor([1, 2000]), 'tensor([1.0000e+00, 2.0000e+03])'],
    ['width from the finite non-zero values only', tensor([NaN, 1]), 'tensor([nan, 1.])'],
    ['negative zero keeps its sign', tensor([-0, 1.5]), 'tensor([-0.0000, 1.5000])'],
    ['ties round half to even', tensor([0.03125, 0.09375, 1]), 'tensor([0.0312, 0.0938, 1.0000])'],
    ['long rows wrap at 80 columns', arange(30).float(),
      'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n' +
      '        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n        28., 29.])'],
    ['wrapped rows of a matrix', arange(30).float().reshape(2, 15),
      'tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n         14.],\n' +
      '        [15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27., 28.,\n         29.]])'],
    ['empty int32', zeros([0], { dtype: 'int32' }), 'tensor([], dtype=int32)'],
    ['empty 3-D float64', zeros([2, 0, 3], { dtype: 'float64' }), 'tensor([], size=[2, 0, 3], dtype=float64)'],
  ];
  for (const [what, t, expected] of cases) {
    test(`small tensors: ${what}`, () => assert.equal(t.toString(), expected));
  }

  test('util.inspect (console.log) prints the same', () => {
    assert.equal(inspect(tensor([1, 2])), 'tensor([1., 2.])');
  });

  test('tensors over 1000 elements are summarized with the first and last 3 per dim', () => {
    assert.ok(!arange(1000).toString().includes('...'), '1000 elements are printed in full');
    const s1 = arange(2000).toString();
    assert.match(s1, /^tensor\(\[ {3}0, {4}1, {4}2, +\.\.\., 1997, 1998, 1999\], dtype=int32\)$/);
    assert.ok(arange(1001).toString().includes('...'));
    const s2 = arange(2000).reshape(40, 50).toString();
    const lines = s2.split('\n');
    assert.equal(lines.length, 7, s2);
    assert.match(lines[0], /^tensor\(\[\[ {3}0, {4}1, {4}2, +\.\.\., {3}47, {3}48, {3}49\],$/);
    assert.equal(lines[3].trim(), '...,');
    assert.match(lines[6], /^ {8}\[1950, 1951, 1952, +\.\.\., 1997, 1998, 1999\]\], dtype=int32\)$/);
    const s3 = zeros([10, 10, 30]).toString();
    assert.equal(s3.split('\n\n').length, 7, 'six blocks and an ellipsis block along dim 0');
    assert.ok(s3.length < 3000, `summary of 3000 elements is short (${s3.length} chars)`);
  });

  test('summaries match PyTorch: "  ..." and formatting chosen from the shown values only', () => {
    assert.equal(arange(2000).toString(), 'tensor([   0,    1,    2,  ..., 1997, 1998, 1999], dtype=int32)');
    const x = zeros([2000]);
    x.narrow(0, 1000, 1).fill_(12345.678);
    assert.equal(x.toString(), 'tensor([0., 0., 0.,  ..., 0., 0., 0.])');
    // torch.arange(2000.).reshape(40, 50) * 1.5: scientific from the shown values, rows wrapped at 80 columns
    const y = arange(2000).float().reshape(40, 50).mul(1.5);
    assert.equal(y.toString().split('\n').slice(0, 3).join('\n'),
      'tensor([[0.0000e+00, 1.5000e+00, 3.0000e+00,  ..., 7.0500e+01, 7.2000e+01,\n         7.3500e+01],\n' +
      '        [7.5000e+01, 7.6500e+01, 7.8000e+01,  ..., 1.4550e+02, 1.4700e+02,');
  });
});

test('tensor() copies a typed array: later writes to the array do not reach the tensor', () => {
  for (const src of [new Float32Array(300).fill(1), new Int32Array([1, 2, 3]), new Float64Array([0.5, 1.5])]) {
    const t = tensor(src);
    src[0] = 42;
    assert.notEqual(t.data()[0], 42);
    assert.equal(t.dtype, src instanceof Float32Array ? 'float32' : src instanceof Int32Array ? 'int32' : 'float64');
  }
});
