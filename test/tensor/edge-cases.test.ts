/**
 * Edge cases, each checked against what PyTorch 1.13 does: size-0 and size-1 dims, 0-d scalars, dtype promotion,
 * views sharing storage, and the autograd rules around leaves, retained graphs, accumulation, noGrad and detach.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertClose, gradcheck, rand64 } from '../helpers/gradcheck.js';
import {
  Tensor, arange, cat, clamp, enableGrad, optim, isGradEnabled, matmul, noGrad, ones, pow, resultType, setGradEnabled, tensor,
  where, zeroGrad, zeros,
} from '../../src/index.js';

const i32 = (data: number[] | number[][]) => tensor(data, { dtype: 'int32' });
const f64 = (data: number[] | number[][]) => tensor(data, { dtype: 'float64' });
/** dtype, shape and values in one comparable object. */
const desc = (t: Tensor) => ({ dtype: t.dtype, shape: [...t.shape], values: t.toArray() });

describe('size-0 dims', () => {
  test('sum of an empty tensor is 0, over an empty dim gives zeros', () => {
    assert.deepEqual(desc(zeros([0]).sum()), { dtype: 'float32', shape: [], values: 0 });
    assert.deepEqual(desc(zeros([2, 0]).sum(1)), { dtype: 'float32', shape: [2], values: [0, 0] });
    assert.deepEqual(desc(zeros([0, 3]).sum(0, true)), { dtype: 'float32', shape: [1, 3], values: [[0, 0, 0]] });
    assert.deepEqual(desc(zeros([0, 3]).sum(1)), { dtype: 'float32', shape: [0], values: [] });
    assert.deepEqual(desc(zeros([0], { dtype: 'int32' }).sum()), { dtype: 'int32', shape: [], values: 0 });
  });

  test('mean of an empty tensor is NaN (as PyTorch), prod is 1', () => {
    assert.ok(Number.isNaN(zeros([0]).mean().item()));
    const m = zeros([2, 0]).mean(1);
    assert.deepEqual(m.shape, [2]);
    assert.ok(Array.from(m.data()).every(Number.isNaN));
    assert.deepEqual(desc(zeros([0, 3]).prod(0)), { dtype: 'float32', shape: [3], values: [1, 1, 1] });
    assert.ok(Number.isNaN(zeros([0]).var().item()));
  });

  test('logsumexp over an empty dim is -inf (as PyTorch)', () => {
    assert.deepEqual(Array.from(zeros([2, 0]).logsumexp(1).data()), [-Infinity, -Infinity]);
    assert.equal(zeros([0]).logsumexp(0).item(), -Infinity);
    assert.deepEqual(zeros([2, 0]).logsumexp(1, true).shape, [2, 1]);
    const x = zeros([2, 0], { requiresGrad: true });
    x.logsumexp(1).sum().backward();
    assert.deepEqual(x.grad!.shape, [2, 0]);
  });

  test('cat with empty pieces', () => {
    const x = arange(6).reshape(2, 3).float();
    assert.deepEqual(desc(cat([zeros([0, 3]), x, zeros([0, 3])])), desc(x));
    assert.deepEqual(desc(cat([x, zeros([2, 0])], 1)), desc(x));
    assert.deepEqual(cat([zeros([0, 3]), zeros([0, 3])]).shape, [0, 3]);
    assert.deepEqual(desc(cat([zeros([0]), tensor([1, 2])])), { dtype: 'float32', shape: [2], values: [1, 2] });
    // gradients flow to the non-empty piece and the empty one gets an empty gradient
    const a = zeros([0, 3], { requiresGrad: true });
    const b = ones([2, 3], { requiresGrad: true });
    cat([a, b]).mul(tensor([1, 2, 3])).sum().backward();
    assert.deepEqual(a.grad!.shape, [0, 3]);
    assert.deepEqual(b.grad!.toArray(), [[1, 2, 3], [1, 2, 3]]);
  });

  test('matmul with a zero dim', () => {
    // contracting over 0 gives zeros, as an empty sum
    assert.deepEqual(desc(matmul(zeros([3, 0]), zeros([0, 4]))), desc(zeros([3, 4])));
    assert.deepEqual(matmul(zeros([0, 3]), ones([3, 4])).shape, [0, 4]);
    assert.deepEqual(matmul(zeros([0, 2, 3]), ones([3, 4])).shape, [0, 2, 4]);
    assert.deepEqual(matmul(ones([2, 3]), zeros([3, 0])).shape, [2, 0]);
    assert.deepEqual(desc(matmul(zeros([0]), zeros([0]))), { dtype: 'float32', shape: [], values: 0 });
    const a = ones([3, 0], { requiresGrad: true });
    const b = ones([0, 4], { requiresGrad: true });
    matmul(a, b).sum().backward();
    assert.deepEqual([a.grad!.shape, b.grad!.shape], [[3, 0], [0, 4]]);
  });

  test('shape ops, elementwise ops and softmax on empty tensors', () => {
    const e = zeros([0, 3]);
    assert.deepEqual(e.reshape(3, 0).shape, [3, 0]);
    assert.deepEqual(e.reshape(-1, 3).shape, [0, 3]);
    assert.deepEqual(e.t().shape, [3, 0]);
    assert.deepEqual(zeros([1, 3]).expand(0, 3).shape, [0, 3]);
    assert.deepEqual(tensor([1, 2, 3]).slice(0, 2, 1).shape, [0]);
    assert.deepEqual(e.split(1).map((t) => t.shape), [[0, 3]]);
    assert.deepEqual(e.exp().add(1).shape, [0, 3]);
    assert.deepEqual(e.add(ones([3])).shape, [0, 3]);
    assert.deepEqual(e.softmax(1).shape, [0, 3]);
    assert.deepEqual(e.argmax(1).shape, [0]);
    assert.deepEqual(zeros([2, 0]).max(0).shape, [0]);
    assert.deepEqual(e.toArray(), []);
    assert.equal(e.size, 0);
  });

  test('backward through an empty tensor gives an empty gradient', () => {
    const x = zeros([0, 3], { requiresGrad: true });
    x.mul(2).sum().backward();
    assert.deepEqual(x.grad!.shape, [0, 3]);
  });
});

describe('size-1 dims and broadcasting', () => {
  test('[3,1] + [1,4] and [4] + [2,3,4] broadcast as NumPy', () => {
    const col = tensor([[0], [10], [20]]);
    const row = tensor([[1, 2, 3, 4]]);
    assert.deepEqual(col.add(row).toArray(), [[1, 2, 3, 4], [11, 12, 13, 14], [21, 22, 23, 24]]);
    assert.deepEqual(tensor([1, 2]).mul(ones([2, 3, 2])).shape, [2, 3, 2]);
    assert.deepEqual(ones([1]).add(ones([2, 3])).shape, [2, 3]);
    assert.deepEqual(ones([1, 1]).add(ones([3])).shape, [1, 3]);
  });

  test('gradients of broadcast inputs are summed back to their shapes', () => {
    const col = tensor([[1], [2], [3]], { requiresGrad: true });
    const row = tensor([[1, 2, 3, 4]], { requiresGrad: true });
    const s = tensor(2, { requiresGrad: true });
    col.mul(row).mul(s).sum().backward();
    assert.deepEqual(col.grad!.toArray(), [[20], [20], [20]]);
    assert.deepEqual(row.grad!.toArray(), [[12, 12, 12, 12]]);
    assert.deepEqual(s.grad!.shape, []);
    assert.equal(s.grad!.item(), 60);
  });

  test('size-1 dims: squeeze, expand, keepdim reductions', () => {
    const x = tensor([[[1], [2]]]);
    assert.deepEqual(x.shape, [1, 2, 1]);
    assert.deepEqual(x.squeeze().toArray(), [1, 2]);
    assert.deepEqual(x.squeeze(0).shape, [2, 1]);
    assert.deepEqual(x.squeeze(1).shape, [1, 2, 1], 'squeezing a dim that is not 1 keeps it (as PyTorch)');
    assert.deepEqual(x.sum(2, true).shape, [1, 2, 1]);
    assert.deepEqual(x.sum(0).toArray(), [[1], [2]]);
    assert.deepEqual(x.expand(3, 2, 4).shape, [3, 2, 4]);
    assert.deepEqual(tensor([5]).expand(3).toArray(), [5, 5, 5]);
    assert.deepEqual(x.softmax(2).toArray(), [[[1], [1]]]);
  });
});

describe('0-d scalars', () => {
  test('item, shape, size and toArray', () => {
    const s = tensor(3.5);
    assert.deepEqual([s.shape, s.ndim, s.size], [[], 0, 1]);
    assert.equal(s.item(), 3.5);
    assert.equal(s.toArray(), 3.5);
    assert.equal(tensor([1, 2]).select(0, 1).ndim, 0);
    assert.equal(tensor([1, 2]).select(0, 1).item(), 2);
    assert.equal(tensor([[7]]).item(), 7, 'item() works on any one-element tensor');
  });

  test('ops on 0-d tensors stay 0-d; reductions accept dim 0 and -1', () => {
    const s = tensor(3);
    assert.deepEqual(desc(s.mul(tensor(2)).add(1)), { dtype: 'float32', shape: [], values: 7 });
    assert.deepEqual(s.exp().shape, []);
    assert.deepEqual(s.sum().shape, []);
    assert.deepEqual(s.sum(0).shape, []);
    assert.deepEqual(s.mean(-1).shape, []);
    assert.equal(s.max().item(), 3);
    assert.deepEqual(s.unsqueeze(0).shape, [1]);
    assert.deepEqual(s.reshape(1, 1).shape, [1, 1]);
    assert.deepEqual(s.expand(2, 2).toArray(), [[3, 3], [3, 3]]);
    assert.deepEqual(s.flatten().shape, [1]);
    assert.deepEqual(tensor([3]).squeeze().shape, []);
    assert.equal(s.softmax(0).item(), 1);
    assert.equal(s.t().item(), 3);
  });

  test('backward from a 0-d tensor and into a 0-d leaf', () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.mul(x);
    assert.deepEqual(y.shape, []);
    y.backward();
    assert.deepEqual(x.grad!.shape, []);
    assert.equal(x.grad!.item(), 6);
    // a one-element tensor of any shape is a valid loss, and its gradient keeps its shape
    const w = tensor([[2]], { requiresGrad: true });
    w.mul(w).mul(w).backward();
    assert.deepEqual(w.grad!.toArray(), [[12]]);
    // a leaf can be the root itself
    const leaf = tensor([2], { requiresGrad: true });
    leaf.backward();
    assert.deepEqual(leaf.grad!.toArray(), [1]);
  });
});

describe('dtype rules', () => {
  test('int32 with int32 stays int32; integer numbers keep int32', () => {
    assert.deepEqual(desc(i32([1, 2]).add(i32([3, 4]))), { dtype: 'int32', shape: [2], values: [4, 6] });
    assert.deepEqual(desc(i32([1, 2]).mul(3)), { dtype: 'int32', shape: [2], values: [3, 6] });
    assert.deepEqual(desc(i32([5, 2]).sub(7)), { dtype: 'int32', shape: [2], values: [-2, -5] });
    assert.deepEqual(desc(i32([3, 2]).pow(2)), { dtype: 'int32', shape: [2], values: [9, 4] });
    assert.deepEqual(desc(i32([[1, 2], [3, 4]]).matmul(i32([[1, 2], [3, 4]]))), { dtype: 'int32', shape: [2, 2], values: [[7, 10], [15, 22]] });
  });

  test('int32 with a float number or float tensor becomes float', () => {
    assert.deepEqual(desc(i32([1, 2]).add(1.5)), { dtype: 'float32', shape: [2], values: [2.5, 3.5] });
    assert.deepEqual(desc(i32([1, 2]).mul(tensor([0.5, 0.5]))), { dtype: 'float32', shape: [2], values: [0.5, 1] });
    assert.equal(i32([1, 2]).pow(0.5).dtype, 'float32');
    // a 0-d tensor of a higher category decides the dtype (int32 * float64 0-d -> float64, as PyTorch)
    assert.equal(i32([1, 2]).mul(tensor(2.5, { dtype: 'float64' })).dtype, 'float64');
    assert.equal(tensor(2.5).add(i32([1, 2])).dtype, 'float32');
    // but a 0-d tensor of the same category does not widen: float32 + float64 0-d -> float32
    assert.equal(tensor([1, 2]).add(tensor(1, { dtype: 'float64' })).dtype, 'float32');
    assert.equal(tensor([1, 2]).add(f64([1, 2])).dtype, 'float64');
    assert.equal(resultType(i32([1]), 2), 'int32');
    assert.equal(resultType(i32([1]), 2.5), 'float32');
    assert.equal(resultType(2, 3), 'int32');
  });

  test('division of ints is true division, giving float32 (inf and nan for 0)', () => {
    assert.deepEqual(desc(i32([1, 2]).div(i32([2, 2]))), { dtype: 'float32', shape: [2], values: [0.5, 1] });
    assert.deepEqual(Array.from(i32([1, -1, 0]).div(0).data()), [Infinity, -Infinity, NaN]);
    assert.equal(i32([3]).div(2).item(), 1.5);
  });

  test('int32 arithmetic wraps around like PyTorch int32', () => {
    assert.deepEqual(i32([2147483647]).add(1).toArray(), [-2147483648]);
    assert.deepEqual(i32([65536]).mul(65536).toArray(), [0]);
  });

  test('float unary ops on int32/bool compute in float32; abs/neg/relu/sign keep int32', () => {
    assert.deepEqual(desc(i32([1, 4]).sqrt()), { dtype: 'float32', shape: [2], values: [1, 2] });
    assert.equal(i32([1]).exp().dtype, 'float32');
    assert.equal(tensor([true, false]).exp().dtype, 'float32');
    assert.equal(i32([1]).sigmoid().dtype, 'float32');
    assert.deepEqual(desc(i32([-7, 7]).abs()), { dtype: 'int32', shape: [2], values: [7, 7] });
    assert.deepEqual(desc(i32([1, -2]).neg()), { dtype: 'int32', shape: [2], values: [-1, 2] });
    assert.deepEqual(desc(i32([-3, 3]).relu()), { dtype: 'int32', shape: [2], values: [0, 3] });
    assert.deepEqual(desc(i32([-3, 0, 3]).sign()), { dtype: 'int32', shape: [3], values: [-1, 0, 1] });
    assert.deepEqual(desc(i32([5, -5]).clamp(0, 2)), { dtype: 'int32', shape: [2], values: [2, 0] });
  });

  test('clamp of int32 with a float bound gives float32 (as PyTorch)', () => {
    assert.deepEqual(desc(clamp(i32([5, -1]), 0, 2.5)), { dtype: 'float32', shape: [2], values: [2.5, 0] });
    assert.deepEqual(desc(clamp(i32([5, -1]), 0.5, 2)), { dtype: 'float32', shape: [2], values: [2, 0.5] });
    assert.deepEqual(desc(clamp(i32([5, -1]), null, 2.5)), { dtype: 'float32', shape: [2], values: [2.5, -1] });
    assert.deepEqual(desc(clamp(tensor([true, false]), 0, 2)), { dtype: 'int32', shape: [2], values: [1, 0] });
    // min above max gives max everywhere (torch.clamp's documented rule)
    assert.deepEqual(desc(clamp(tensor([0, 5]), 2, 1)), { dtype: 'float32', shape: [2], values: [1, 1] });
  });

  test('reductions: int and bool sums are int32; max keeps the dtype', () => {
    assert.deepEqual(desc(i32([1, 2]).sum()), { dtype: 'int32', shape: [], values: 3 });
    assert.deepEqual(desc(i32([3, 2]).prod()), { dtype: 'int32', shape: [], values: 6 });
    assert.deepEqual(desc(tensor([true, false, true]).sum()), { dtype: 'int32', shape: [], values: 2 });
    assert.deepEqual(desc(i32([3, 4]).max()), { dtype: 'int32', shape: [], values: 4 });
    assert.deepEqual(desc(tensor([true, false]).max()), { dtype: 'bool', shape: [], values: true });
  });

  test('bool with numbers: arithmetic promotes to int32 or float32', () => {
    assert.deepEqual(desc(tensor([true, false]).add(1)), { dtype: 'int32', shape: [2], values: [2, 1] });
    assert.deepEqual(desc(tensor([true, false]).mul(3)), { dtype: 'int32', shape: [2], values: [3, 0] });
    assert.deepEqual(desc(tensor([true, false]).add(1.5)), { dtype: 'float32', shape: [2], values: [2.5, 1.5] });
    assert.deepEqual(desc(tensor([true, false]).mul(i32([2, 2]))), { dtype: 'int32', shape: [2], values: [2, 0] });
    assert.equal(tensor([true]).div(tensor([true])).dtype, 'float32');
  });

  test('bool with bool follows PyTorch: + and * are logical, - and unary - are refused', () => {
    const a = tensor([true, false]), b = tensor([true, true]);
    assert.deepEqual(desc(a.add(b)), { dtype: 'bool', shape: [2], values: [true, true] });
    assert.deepEqual(desc(a.mul(b)), { dtype: 'bool', shape: [2], values: [true, false] });
    assert.throws(() => a.sub(b), /sub/);
    assert.throws(() => a.neg(), /neg/);
    assert.throws(() => a.sub(1), { message: /^sub: / }, 'a bool tensor minus a number is refused too');
    assert.throws(() => a.pow(b), { message: /^pow: / });
    assert.throws(() => a.abs(), { message: /^abs: / });
    assert.throws(() => a.relu(), { message: /^relu: / });
    assert.deepEqual(desc(a.maximum(b)), { dtype: 'bool', shape: [2], values: [true, true] });
    assert.deepEqual(desc(a.sign()), { dtype: 'bool', shape: [2], values: [true, false] });
    assert.deepEqual(desc(a.square()), { dtype: 'int32', shape: [2], values: [1, 0] });
    assert.deepEqual(desc(a.pow(2)), { dtype: 'int32', shape: [2], values: [1, 0] });
  });

  test('comparisons and logical ops give bool for every input dtype', () => {
    assert.deepEqual(desc(i32([1, 2]).lt(1.5)), { dtype: 'bool', shape: [2], values: [true, false] });
    assert.deepEqual(desc(tensor([1, 2]).eq(tensor([1, 3]))), { dtype: 'bool', shape: [2], values: [true, false] });
    assert.deepEqual(desc(i32([1, 2]).ge(tensor([1.5, 1.5]))), { dtype: 'bool', shape: [2], values: [false, true] });
    assert.deepEqual(desc(tensor([true, false]).ne(tensor([true, true]))), { dtype: 'bool', shape: [2], values: [false, true] });
    assert.deepEqual(desc(f64([0, 2]).logicalAnd(i32([3, 3]))), { dtype: 'bool', shape: [2], values: [false, true] });
    assert.deepEqual(desc(tensor([0, 1]).logicalNot()), { dtype: 'bool', shape: [2], values: [true, false] });
    assert.deepEqual(desc(tensor([NaN, 1, Infinity]).isnan()), { dtype: 'bool', shape: [3], values: [true, false, false] });
    assert.deepEqual(desc(tensor([NaN, 1, -Infinity]).isinf()), { dtype: 'bool', shape: [3], values: [false, false, true] });
  });

  test('conversions: float to int truncates toward zero, anything to bool is "non-zero"', () => {
    assert.deepEqual(tensor([-1.7, -0.5, 2.9]).int().toArray(), [-1, 0, 2]);
    assert.deepEqual(i32([0, 3, -2]).bool().toArray(), [false, true, true]);
    assert.deepEqual(desc(tensor([true, false]).float()), { dtype: 'float32', shape: [2], values: [1, 0] });
    assert.equal(tensor([0.1]).item(), Math.fround(0.1), 'float32 storage rounds');
    assert.equal(f64([0.1]).item(), 0.1);
    const x = tensor([1, 2]);
    assert.equal(x.to('float32'), x, 'to() the same dtype returns the tensor itself');
  });

  test('conversion to bool is "non-zero" for every value (as PyTorch)', () => {
    assert.deepEqual(tensor([0.5, 256, -0.5, NaN, 2, 0]).bool().toArray(), [true, true, true, true, true, false]);
    assert.deepEqual(i32([256, 512, 0]).bool().toArray(), [true, true, false]);
    assert.deepEqual(tensor([0.5]).to('bool').toArray(), [true]);
    const b = zeros([1], { dtype: 'bool' });
    b.copy_(tensor([NaN]));
    assert.deepEqual(b.toArray(), [true]);
  });

  test('int32 to a negative integer power is refused (as PyTorch)', () => {
    assert.throws(() => i32([2]).pow(-1), { message: /^pow: / });
    assert.throws(() => tensor([true]).pow(-1), { message: /^pow: / });
    assert.throws(() => pow(2, i32([1, -1])), { message: /^pow: / });
    // a float exponent or an int tensor of exponents is computed (as PyTorch: 2^-1 truncates to 0)
    assert.deepEqual(desc(i32([2]).pow(-1.5)), { dtype: 'float32', shape: [1], values: [Math.fround(2 ** -1.5)] });
    assert.deepEqual(desc(i32([2, 2]).pow(i32([1, -1]))), { dtype: 'int32', shape: [2], values: [2, 0] });
  });

  test('a leaf gets a gradient of its own dtype when float32 and float64 mix', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    a.add(b).sum().backward();
    assert.equal(a.grad!.dtype, 'float32');
    assert.equal(b.grad!.dtype, 'float64');
    const c = tensor(3, { dtype: 'float64', requiresGrad: true });
    const d = tensor([1, 2], { requiresGrad: true });
    c.mul(d).sum().backward();
    assert.equal(c.grad!.dtype, 'float64');
    assert.equal(d.grad!.dtype, 'float32');
    const e = tensor([1, 2], { requiresGrad: true });
    const f = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
    where(tensor([true, false]), e, f).sum().backward();
    assert.deepEqual(desc(e.grad!), { dtype: 'float32', shape: [2], values: [1, 0] });
    assert.deepEqual(desc(f.grad!), { dtype: 'float64', shape: [2], values: [0, 1] });
  });

  test('pow: the gradient of x**0 and x**x at x = 0 is 0, not NaN (as PyTorch)', () => {
    const x = tensor([0, 4], { requiresGrad: true });
    x.pow(0).sum().backward();
    assert.deepEqual(Array.from(x.grad!.data()), [0, 0]);
    const y = tensor([0, 2], { requiresGrad: true });
    y.pow(y).sum().backward();
    assert.equal(y.grad!.data()[0], 0);
    // torch: d/db 0^b is 0 for b >= 0 but -inf for b < 0 (0^b log 0 = inf * -inf)
    const b = tensor([0, -1], { requiresGrad: true });
    pow(zeros([2]), b).sum().backward();
    assert.deepEqual(Array.from(b.grad!.data()), [0, -Infinity]);
  });
});

describe('non-finite and extreme values', () => {
  test('NaN propagates through max, min, maximum, minimum and clamp; argmax points at it', () => {
    assert.ok(Number.isNaN(tensor([1, NaN, 3]).max().item()));
    assert.ok(Number.isNaN(tensor([1, NaN, 3]).min().item()));
    assert.ok(Number.isNaN(tensor([[1, NaN, 3]]).max(1).item()));
    assert.ok(Array.from(tensor([NaN, 1]).maximum(tensor([1, NaN])).data()).every(Number.isNaN));
    assert.ok(Array.from(tensor([NaN, 1]).minimum(tensor([1, NaN])).data()).every(Number.isNaN));
    assert.ok(Number.isNaN(tensor([NaN]).clamp(0, 1).item()));
    assert.equal(tensor([1, NaN, 3]).argmax().item(), 1);
  });

  test('relu of NaN is NaN (as PyTorch)', () => {
    assert.ok(Number.isNaN(tensor([NaN]).relu().item()));
    // the gradient passes at NaN and stops at 0 and below (torch.relu's threshold backward)
    const x = tensor([NaN, 1, -1, 0], { requiresGrad: true });
    x.relu().sum().backward();
    assert.deepEqual(Array.from(x.grad!.data()), [1, 1, 0, 0]);
    // the other activations propagate NaN as PyTorch does
    for (const f of [(t: Tensor) => t.sigmoid(), (t: Tensor) => t.tanh(), (t: Tensor) => t.gelu(), (t: Tensor) => t.elu(),
      (t: Tensor) => t.leakyRelu(), (t: Tensor) => t.softplus(), (t: Tensor) => t.clamp(0, 1)]) {
      assert.ok(Number.isNaN(f(tensor([NaN])).item()), String(f));
    }
  });

  test('ties: argmax/argmin give the first index; round goes half to even', () => {
    assert.equal(tensor([1, 3, 3, 2]).argmax().item(), 1);
    assert.equal(tensor([1, 0, 0, 2]).argmin().item(), 1);
    assert.deepEqual(Array.from(tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5]).round().data()), [0, 2, 2, -0, -2, -2]);
  });

  test('softmax, logSoftmax and logsumexp are stable for large inputs and handle -inf', () => {
    assert.deepEqual(Array.from(tensor([1000, 1001]).softmax(0).data()), [0.2689414322376251, 0.7310585975646973].map(Math.fround));
    const ls = Array.from(tensor([1000, 1001, -1000]).logSoftmax(0).data());
    assert.ok(Math.abs(ls[0] + 1.3132617) < 1e-5 && Math.abs(ls[2] + 2001.3132617) < 1e-2, String(ls));
    assert.ok(Math.abs(tensor([1000, 1001]).logsumexp(0).item() - 1001.3132617) < 1e-3);
    assert.equal(tensor([-Infinity, 0]).logsumexp(0).item(), 0);
    assert.deepEqual(Array.from(tensor([-Infinity, 0, 0]).softmax(0).data()), [0, 0.5, 0.5]);
    const grad = (f: (x: Tensor) => Tensor, v: number[]) => {
      const x = tensor(v, { requiresGrad: true });
      f(x).backward();
      return Array.from(x.grad!.data());
    };
    // torch: [0, 1], [-0, -0.25, 0.25], [0, -0.5, 0.5]
    assert.deepEqual(grad((x) => x.logsumexp(0), [-Infinity, 0]), [0, 1]);
    assert.deepEqual(grad((x) => x.softmax(0).mul(tensor([1, 2, 3])).sum(), [-Infinity, 0, 0]).map((v) => v + 0), [0, -0.25, 0.25]);
    assert.deepEqual(grad((x) => x.logSoftmax(0).mul(tensor([0, 2, 3])).sum(), [-Infinity, 0, 0]), [0, -0.5, 0.5]);
  });

  test('activations saturate without NaN at +-1000, values and gradients as PyTorch', () => {
    const run = (f: (x: Tensor) => Tensor) => {
      const x = tensor([-1000, 1000], { requiresGrad: true });
      const y = f(x);
      y.sum().backward();
      return [Array.from(y.data()), Array.from(x.grad!.data())];
    };
    assert.deepEqual(run((x) => x.sigmoid()), [[0, 1], [0, 0]]);
    assert.deepEqual(run((x) => x.tanh()), [[-1, 1], [0, 0]]);
    assert.deepEqual(run((x) => x.softplus()), [[0, 1000], [0, 1]]);
    assert.deepEqual(run((x) => x.gelu()).map((a) => a.map((v) => v + 0)), [[0, 1000], [0, 1]], 'gelu (-0 counted as 0)');
    assert.deepEqual(run((x) => x.elu()), [[-1, 1000], [0, 1]]);
    assert.deepEqual(Array.from(tensor([0, -1]).log().data()), [-Infinity, NaN]);
    assert.deepEqual(Array.from(tensor([0, -0]).reciprocal().data()), [Infinity, -Infinity]);
    assert.deepEqual(Array.from(tensor([100]).exp().data()), [Infinity]);
  });
});

describe('indexSelect over layouts', () => {
  test('whole contiguous blocks and strided ones select the same values, in every dtype', () => {
    const values = arange(24).reshape(2, 3, 4);
    const flags = tensor(Array.from({ length: 24 }, (_, i) => i % 3 === 0), { dtype: 'bool' }).reshape(2, 3, 4);
    for (const dtype of ['float32', 'int32', 'bool', 'float64'] as const) {
      const x = dtype === 'bool' ? flags : values.to(dtype);
      // the same values behind a transposed layout (no dim's block is contiguous), and at an offset into a larger storage
      const strided = x.permute(2, 1, 0).contiguous().permute(2, 1, 0);
      const offset = cat([x, x], 0).narrow(0, 2, 2);
      for (const dim of [0, 1, 2]) {
        const sel = i32([2, 0, 2].map((k) => k % x.shape[dim]));
        const expected = cat(Array.from(sel.data(), (k) => x.narrow(dim, Number(k), 1)), dim);
        assert.deepEqual(desc(x.indexSelect(dim, sel)), desc(expected), `${dtype} dim ${dim}, contiguous`);
        assert.deepEqual(desc(strided.indexSelect(dim, sel)), desc(expected), `${dtype} dim ${dim}, strided`);
        assert.deepEqual(desc(offset.indexSelect(dim, sel)), desc(expected), `${dtype} dim ${dim}, at an offset`);
      }
    }
  });
});

describe('views share storage', () => {
  test('writes through a strided slice are visible in the base', () => {
    const base = arange(12).reshape(3, 4).float();
    base.slice(1, 1, null, 2).fill_(-1);
    assert.deepEqual(base.toArray(), [[0, -1, 2, -1], [4, -1, 6, -1], [8, -1, 10, -1]]);
  });

  test('copy_ into a transpose writes the base in transposed order', () => {
    const base = zeros([3, 4]);
    base.transpose(0, 1).copy_(arange(12).reshape(4, 3).float());
    assert.deepEqual(base.toArray(), [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]);
  });

  test('select, narrow, view, unsqueeze, permute and a view of a view all write through', () => {
    const base = zeros([2, 3]);
    base.select(0, 1).add_(5);
    base.narrow(1, 0, 1).mul_(2);
    assert.deepEqual(base.toArray(), [[0, 0, 0], [10, 5, 5]]);
    base.view(6).slice(0, 0, 2).fill_(7);
    base.unsqueeze(0).select(2, 2).fill_(1);
    assert.deepEqual(base.toArray(), [[7, 7, 1], [10, 5, 1]]);
    base.permute(1, 0).select(0, 1).sub_(7);
    assert.deepEqual(base.toArray(), [[7, 0, 1], [10, -2, 1]]);
    base.t().slice(0, 0, null, 2).zero_();
    assert.deepEqual(base.toArray(), [[0, 0, 0], [0, -2, 0]]);
  });

  test('views, expand and detach share storage; clone and reshape of a non-contiguous tensor copy', () => {
    const base = arange(6).reshape(2, 3).float();
    for (const v of [base.t(), base.reshape(3, 2), base.expand(2, 2, 3), base.detach(), base.unsqueeze(1), base.slice(1, 1)]) {
      assert.equal(v.storage, base.storage);
    }
    assert.notEqual(base.clone().storage, base.storage);
    assert.equal(base.contiguous(), base);
    const copy = base.t().reshape(6);
    assert.equal(base.t().isContiguous(), false);
    assert.notEqual(copy.storage, base.storage);
    copy.fill_(0);
    assert.deepEqual(base.toArray(), [[0, 1, 2], [3, 4, 5]], 'the copy made by reshape is independent');
    base.reshape(3, 2).fill_(9);
    assert.deepEqual(base.toArray(), [[9, 9, 9], [9, 9, 9]], 'a reshape that can be a view is one');
  });

  test('copy_ broadcasts its source and converts its dtype', () => {
    const t = zeros([2, 3]);
    t.copy_(tensor([1, 2, 3]));
    assert.deepEqual(t.toArray(), [[1, 2, 3], [1, 2, 3]]);
    const n = zeros([3], { dtype: 'int32' });
    n.copy_(tensor([1.7, -1.7, 2.5]));
    assert.deepEqual(desc(n), { dtype: 'int32', shape: [3], values: [1, -1, 2] });
  });

  test('an in-place write through a view of a leaf that requires grad is refused (as PyTorch)', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    assert.throws(() => x.slice(0, 0, 2).fill_(9), /in place|in-place/);
    assert.deepEqual(x.toArray(), [1, 2, 3]);
  });

  test('in-place ops on non-leaf tensors are part of the gradient (or refused)', () => {
    /** Runs an in-place step; true when it was refused with an in-place error. */
    const refused = (f: () => void): boolean => {
      try {
        f();
        return false;
      } catch (e) {
        assert.match((e as Error).message, /in.place/);
        return true;
      }
    };
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    if (!refused(() => y.mul_(2))) {
      y.sum().backward();
      assert.deepEqual(x.grad!.toArray(), [6, 6]);
    }
    // a saved output changed after use: the backward of exp must not silently use the new values
    const u = tensor([0, 1], { requiresGrad: true });
    const v = u.exp();
    const s = v.sum();
    if (!refused(() => { v.mul_(2); s.backward(); })) {
      assert.deepEqual(Array.from(u.grad!.data()), [1, Math.fround(Math.E)]);
    }
  });
});

describe('in-place ops and autograd (checked against PyTorch 1.13)', () => {
  const grad = (t: Tensor) => Array.from(t.grad!.data());

  test('in-place ops on a non-leaf are recorded, and the tensor takes a node named after the op', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    y.add_(tensor([1, 1])).div_(2).sub_(x);
    assert.equal(y.gradFn!.name, 'sub_');
    assert.equal(y.isLeaf, false);
    y.sum().backward();
    assert.deepEqual(grad(x), [0.5, 0.5], 'd/dx ((3x + 1) / 2 - x)');
    // the other operand's gradient sees the values before the change (torch saves them too)
    const a = tensor([1, 2], { requiresGrad: true }).mul(1);
    const b = tensor([3, 4], { requiresGrad: true });
    a.mul_(b);
    a.sum().backward();
    assert.deepEqual(grad(b), [1, 2]);
    // clamp_ masks with the old values
    const c = tensor([-1, 0.5, 2], { requiresGrad: true });
    c.mul(1).clamp_(0, 1).sum().backward();
    assert.deepEqual(grad(c), [0, 1, 0]);
  });

  test('copy_ and fill_ replace the history: a constant gives zero gradient, a tensor passes it (in its own dtype)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    y.copy_(ones([2]));
    assert.equal(y.requiresGrad, true);
    assert.equal(y.gradFn!.name, 'copy_');
    y.sum().backward();
    assert.deepEqual(grad(x), [0, 0]);
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const z = zeros([2]);
    z.copy_(w);
    assert.equal(z.isLeaf, false, 'a plain tensor that receives a value requiring grad joins the graph');
    z.sum().backward();
    assert.deepEqual(desc(w.grad!), { dtype: 'float64', shape: [2], values: [1, 1] });
    const u = tensor([1, 2, 3], { requiresGrad: true });
    const v = u.mul(1);
    v.slice(0, 1, 2).fill_(0);
    v.sum().backward();
    assert.deepEqual(grad(u), [1, 0, 1]);
  });

  test('in-place writes through views reach the base\'s gradient, and every view of it follows', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(1);
    const v = y.slice(0, 0, 2), w = y.slice(0, 1, 3);
    v.mul_(2);
    assert.equal(y.gradFn!.name, 'copySlices');
    assert.equal(v.gradFn!.name, 'asStrided');
    assert.equal(w.gradFn!.name, 'asStrided', 'a sibling view takes the base\'s new history');
    assert.deepEqual(w.toArray(), [4, 3]);
    w.mul(tensor([1, 10])).sum().backward();
    assert.deepEqual(grad(x), [0, 2, 10]);
    // a view of a view
    const p = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const q = p.mul(1);
    q.select(0, 0).slice(0, 1).mul_(10);
    q.sum().backward();
    assert.deepEqual(p.grad!.toArray(), [[1, 10], [1, 1]]);
    // the base changed after a view was taken: the view's gradient goes through the change
    const r = tensor([1, 2, 3], { requiresGrad: true });
    const s = r.mul(1);
    const t = s.slice(0, 1);
    s.mul_(2);
    t.mul(tensor([1, 10])).sum().backward();
    assert.deepEqual(grad(r), [0, 2, 20]);
    // a plain tensor written through a view with a value that requires grad
    const k = tensor([5, 6], { requiresGrad: true });
    const base = zeros([4]);
    base.slice(0, 1, 3).copy_(k);
    assert.equal(base.gradFn!.name, 'copySlices');
    base.mul(tensor([1, 2, 3, 4])).sum().backward();
    assert.deepEqual(grad(k), [2, 3]);
  });

  test('gradients through in-place ops on views match central differences', () => {
    const f = (a: Tensor, b: Tensor) => {
      const y = a.mul(1);
      y.slice(0, 1, 3).mul_(b.slice(0, 0, 2));
      y.add_(a.exp());
      y.select(0, 0).copy_(b.sum());
      return y.square();
    };
    gradcheck(f, [rand64([4, 3]), rand64([3, 3])]);
  });

  test('a tensor saved for backward and changed in place makes backward fail (as PyTorch)', () => {
    const inplaceError = /modified by an inplace operation/;
    const x = tensor([0, 1], { requiresGrad: true });
    const y = x.exp();
    const s = y.sum();
    assert.equal(y.version, 0);
    y.mul_(2);
    assert.equal(y.version, 1);
    assert.throws(() => s.backward(), inplaceError);
    // through a view, through detach(), and for inputs that do not require grad
    const a = tensor([1, 2], { requiresGrad: true });
    const b = a.sigmoid();
    const l1 = b.sum();
    noGrad(() => b.slice(0, 0, 1).fill_(0));
    assert.throws(() => l1.backward(), inplaceError);
    const w = tensor([3, 4]);
    const l2 = a.mul(w).sum();
    w.detach().add_(1);
    assert.equal(w.version, 1, 'detach() shares the version counter');
    assert.throws(() => l2.backward(), inplaceError);
    // y.mul_(y) reads the old y as the other operand: torch refuses its backward as well
    const c = tensor([1, 2], { requiresGrad: true }).mul(1);
    c.mul_(c);
    assert.throws(() => c.sum().backward(), inplaceError);
    // ops that save nothing do not mind: add's inputs and a view's base may change
    const d = tensor([1, 2], { requiresGrad: true });
    const e = d.mul(1);
    const l3 = e.add(1).sum();
    e.mul_(5);
    l3.backward();
    assert.deepEqual(grad(d), [1, 1]);
  });

  test('an optimiser-style update under noGrad after backward is fine; before a retained backward it is caught', () => {
    const wt = tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
    const inp = tensor([[1, 1]], { dtype: 'float64' });
    for (let step = 0; step < 2; step++) {
      wt.grad = null;
      inp.matmul(wt).sum().backward();
      noGrad(() => wt.sub_(wt.grad!, 0.1));
    }
    assertClose(wt.data(), [0.8, 1.8, 2.8, 3.8], 1e-12, 0, 'weights after two steps');
    // matmul with a constant input keeps only that input; square keeps the weights themselves
    const loss = inp.matmul(wt).sum().add(wt.square().sum());
    loss.backward(undefined, { retainGraph: true });
    noGrad(() => wt.sub_(wt.grad!, 0.1));
    assert.throws(() => loss.backward(), /modified by an inplace operation/);
  });

  test('optimiser steps bump the parameters\' version, the fused js rules included', () => {
    const makers: [string, (p: Tensor) => { step(): void }][] = [
      ['SGD', (p) => new optim.SGD([p], { lr: 0.1 })],
      ['SGD with momentum', (p) => new optim.SGD([p], { lr: 0.1, momentum: 0.9 })],
      ['Adam', (p) => new optim.Adam([p], { lr: 0.1 })],
      ['AdamW', (p) => new optim.AdamW([p], { lr: 0.1 })],
    ];
    for (const [name, make] of makers) {
      const p = tensor([1, 2]).toBackend('js').requiresGrad_();
      const opt = make(p);
      for (let step = 0; step < 2; step++) {
        const loss = p.square().sum();
        loss.backward(undefined, { retainGraph: true });
        const before = p.version;
        opt.step();
        assert.ok(p.version > before, `${name}: version ${p.version} after a step from ${before}`);
        assert.throws(() => loss.backward(), /modified by an inplace operation/, `${name}: the old graph saved the weights`);
        p.grad = null;
      }
    }
  });

  test('refused in-place writes: views made inside noGrad, int tensors receiving gradients, overlapping memory', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(1);
    const v = noGrad(() => y.slice(0, 0, 2));
    assert.throws(() => v.mul_(2), { message: /^mul_: this view was made inside noGrad\(\)/ });
    noGrad(() => v.mul_(2));
    const plain = ones([3]);
    const pv = noGrad(() => plain.slice(0, 0, 2));
    pv.add_(1);
    assert.deepEqual(plain.toArray(), [2, 2, 1], 'nothing requires grad: no restriction');
    assert.throws(() => zeros([2], { dtype: 'int32' }).add_(tensor([1, 1], { requiresGrad: true })), { message: /^add_: the result requires grad/ });
    assert.throws(() => zeros([1]).expand(3).add_(tensor([1, 2, 3])), { message: /^add_: more than one element of the written-to tensor/ });
    assert.deepEqual(zeros([1]).expand(3).fill_(1).toArray(), [1, 1, 1], 'fill_ of an expanded tensor is allowed (as torch)');
  });
});

describe('autograd rules', () => {
  test('retainGraph allows a second backward, and gradients add up', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    assert.equal(y.gradFn!.released, false);
    assert.deepEqual(x.grad!.toArray(), [2, 4]);
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [4, 8]);
    assert.equal(y.gradFn!.released, true, 'the graph is freed after a backward without retainGraph');
  });

  test('gradients accumulate across two separate graphs until cleared', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.square().sum().backward();
    assert.deepEqual(x.grad!.toArray(), [5, 7]);
    zeroGrad([x]);
    assert.equal(x.grad, null);
    x.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [1, 1]);
  });

  test('each leaf gets its own gradient tensor (no aliasing between leaves)', () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    a.add(b).sum().backward();
    assert.notEqual(a.grad!.storage, b.grad!.storage);
    noGrad(() => a.grad!.fill_(5));
    assert.deepEqual(b.grad!.toArray(), [1]);
  });

  test('backward with an explicit gradient for a non-scalar output', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    x.mul(x).backward(tensor([[1, 0], [0, 2]]));
    assert.deepEqual(x.grad!.toArray(), [[2, 0], [0, 16]]);
  });

  test('noGrad records nothing and restores the mode, even after an exception', () => {
    const x = tensor([1], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
    assert.equal(isGradEnabled(), true);
    assert.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
    assert.equal(isGradEnabled(), true);
    assert.equal(noGrad(() => enableGrad(() => x.mul(2)).requiresGrad), true, 'enableGrad inside noGrad records');
    assert.equal(noGrad(() => noGrad(() => isGradEnabled())), false);
    const prev = setGradEnabled(false);
    try {
      assert.equal(prev, true);
      assert.equal(x.mul(2).requiresGrad, false);
    } finally {
      setGradEnabled(prev);
    }
  });

  test('requiresGrad propagates only from inputs that require it', () => {
    const x = tensor([1], { requiresGrad: true });
    const c = tensor([1]);
    assert.equal(c.mul(2).requiresGrad, false);
    assert.equal(c.mul(x).requiresGrad, true);
    assert.equal(c.mul(x).isLeaf, false);
    assert.equal(x.isLeaf, true);
    assert.equal(c.isLeaf, true);
    assert.equal(c.requiresGrad_(), c);
    assert.equal(c.requiresGrad, true);
  });

  test('detach shares storage and stops the gradient', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.isLeaf, true);
    assert.equal(d.storage, x.storage);
    x.detach().mul(x).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [1, 2], 'only the attached factor contributes');
    noGrad(() => d.fill_(9));
    assert.deepEqual(x.toArray(), [9, 9]);
  });

  test('only leaves keep .grad, unless retainGrad() is called on a non-leaf', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    const k = x.mul(3);
    h.retainGrad();
    h.mul(h).add(k).sum().backward();
    assert.deepEqual(h.grad!.toArray(), [4, 8], 'dL/dh = 2h, summed over both uses of h');
    assert.equal(k.grad, null);
    assert.deepEqual(x.grad!.toArray(), [11, 19]);
    // retainGrad on a leaf is harmless
    const leaf = tensor([1], { requiresGrad: true }).retainGrad();
    leaf.sum().backward();
    assert.deepEqual(leaf.grad!.toArray(), [1]);
  });

  test('a retained non-leaf gradient accumulates over retained-graph backwards', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2).retainGrad();
    const y = h.sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assert.deepEqual(h.grad!.toArray(), [2, 2]);
  });

  test('gradients at kinks follow PyTorch: abs and relu give 0 at 0, clamp passes at its bounds, max ties split', () => {
    const grad = (f: (x: Tensor) => Tensor, values: number[]) => {
      const x = tensor(values, { requiresGrad: true });
      f(x).sum().backward();
      return Array.from(x.grad!.data());
    };
    assert.deepEqual(grad((x) => x.abs(), [0, 1, -2]), [0, 1, -1]);
    assert.deepEqual(grad((x) => x.relu(), [0, 1, -2]), [0, 1, 0]);
    assert.deepEqual(grad((x) => x.clamp(0, 1), [0, 1, -2]), [1, 1, 0]);
    assert.deepEqual(grad((x) => x.max(), [1, 3, 3]), [0, 0.5, 0.5]);
    assert.deepEqual(grad((x) => x.maximum(tensor([3, 3, 1])), [1, 3, 3]), [0, 0.5, 1]);
    assert.deepEqual(grad((x) => x.prod(), [0, 2, 3]), [6, 0, 0]);
    assert.deepEqual(grad((x) => x.sqrt(), [0, 4]), [Infinity, 0.25]);
  });
});
