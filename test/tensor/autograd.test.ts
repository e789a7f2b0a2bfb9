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
