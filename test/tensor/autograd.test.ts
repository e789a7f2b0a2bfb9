import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, noGrad, ones } from '../../src/index.js';
import { gradcheck, rand64 } from '../helpers/gradcheck.js';

test('backward of a scalar accumulates into leaves', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
  x.mul(3).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [5, 7, 9]);
});

test('a freed graph cannot be walked twice; retainGraph allows it', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.exp().sum();
  y.backward();
  assert.throws(() => y.backward(), /second time/);
  const z = x.exp().sum();
  z.backward(undefined, { retainGraph: true });
  z.backward();
  assert.ok(Math.abs(x.grad!.data()[0] - 3 * Math.E) < 1e-5);
});

test('non-scalar backward needs a gradient of the same shape', () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.mul(2);
  assert.throws(() => y.backward(), /only for a tensor with one element/);
  assert.throws(() => y.backward(ones([3])), /does not match/);
  y.backward(tensor([[1, 0], [0, 1]]));
  assert.deepEqual(x.grad!.toArray(), [[2, 0], [0, 2]]);
});

test('noGrad records nothing; detach cuts the graph', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  const d = x.mul(2).detach();
  assert.equal(d.requiresGrad, false);
});

test('retainGrad keeps a non-leaf gradient; leaves only otherwise', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(3);
  const k = x.mul(2);
  h.retainGrad();
  h.add(k).sum().backward();
  assert.deepEqual(h.grad!.toArray(), [1, 1]);
  assert.equal(k.grad, null);
  assert.equal(h.isLeaf, false);
  assert.equal(x.isLeaf, true);
});

test('int tensors cannot require grad', () => {
  assert.throws(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true }), /floating point/);
});

test('in-place change of a leaf that requires grad is refused while recording', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  assert.throws(() => x.add_(1), /in place/);
  noGrad(() => x.add_(1));
  assert.deepEqual(x.toArray(), [2, 3]);
});

test('a diamond graph sums both paths', () => {
  gradcheck((a) => a.exp().mul(a.sin()).add(a.square()), [rand64([3, 2])]);
});

test('leaf gradients never share storage with each other, the caller\'s gradient or a retained grad', () => {
  // add hands the same gradient tensor to both inputs
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3, 4], { requiresGrad: true });
  a.add(b).sum().backward();
  assert.notEqual(a.grad!.storage, b.grad!.storage);
  a.grad!.mul_(10);
  assert.deepEqual(b.grad!.toArray(), [1, 1]);

  // the caller's gradient passed straight through to a leaf
  const x = tensor([1, 2], { requiresGrad: true });
  const g = tensor([5, 6]);
  x.add(0).backward(g);
  assert.notEqual(x.grad!.storage, g.storage);
  g.fill_(0);
  assert.deepEqual(x.grad!.toArray(), [5, 6]);

  // a retained non-leaf grad that flows on unchanged to a leaf
  const w = tensor([1, 2], { requiresGrad: true });
  const h = w.mul(2);
  h.retainGrad();
  const u = h.add(w);
  u.retainGrad();
  u.sum().backward();
  assert.notEqual(w.grad!.storage, u.grad!.storage);
  assert.deepEqual(w.grad!.toArray(), [3, 3]);
  w.grad!.zero_();
  assert.deepEqual(u.grad!.toArray(), [1, 1]);

  // the same leaf reached twice through one op
  const s = tensor([1, 2], { requiresGrad: true });
  s.add(s).sum().backward();
  assert.deepEqual(s.grad!.toArray(), [2, 2]);
});

test('leaf gradients are contiguous and correct whether or not the engine copies them', () => {
  const w = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const x = tensor([[1, 0, 1], [0, 1, 1]]);
  const y = x.matmul(w.transpose(0, 1));
  y.sum().backward();
  assert.ok(w.grad!.isContiguous());
  assert.deepEqual(w.grad!.toArray(), [[1, 1, 2], [1, 1, 2]]);
  // a transposed gradient is made contiguous
  const v = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  v.transpose(0, 1).mul(tensor([[1, 2], [3, 4]])).sum().backward();
  assert.ok(v.grad!.isContiguous());
  assert.deepEqual(v.grad!.toArray(), [[1, 3], [2, 4]]);
});
