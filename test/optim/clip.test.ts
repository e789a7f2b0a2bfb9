/** Gradient clipping against PyTorch 1.13's clip_grad_norm_ / clip_grad_value_ (test/fixtures/optim.json). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, zeros } from '../../src/index.js';
import { clipGradNorm, clipGradValue } from '../../src/optim/index.js';
import { loadOptimFixtures, worstRatio } from './optim-fixtures.js';

const fx = loadOptimFixtures();

function paramsWithFixtureGrads(): Tensor[] {
  return fx.clip.grads.map((g) => {
    const p = zeros(g.shape, { dtype: 'float64', requiresGrad: true });
    p.grad = tensor(g.data, { dtype: 'float64', shape: g.shape });
    return p;
  });
}

describe(`gradient clipping against PyTorch ${fx.torch}`, () => {
  for (const c of fx.clip.norm) {
    it(`clipGradNorm(maxNorm ${c.maxNorm}, normType ${c.normType}) returns the total norm and scales like PyTorch`, () => {
      const params = paramsWithFixtureGrads();
      const total = clipGradNorm(params, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
      assert.equal(total.ndim, 0);
      assert.equal(total.dtype, 'float64');
      assert.ok(worstRatio([total.item()], [c.total], 1e-13, 1e-12) <= 1, `total norm ${total.item()} vs PyTorch ${c.total}`);
      params.forEach((p, i) => {
        assert.ok(worstRatio(p.grad!.data(), c.grads[i], 1e-13, 1e-12) <= 1, `grad ${i}: ${Array.from(p.grad!.data())} vs ${c.grads[i]}`);
      });
    });
  }

  for (const c of fx.clip.value) {
    it(`clipGradValue(${c.clipValue}) clamps like PyTorch`, () => {
      const params = paramsWithFixtureGrads();
      clipGradValue(params, c.clipValue);
      params.forEach((p, i) => assert.deepEqual(Array.from(p.grad!.data()), c.grads[i]));
    });
  }
});

describe('gradient clipping details', () => {
  it('clips in place, after which the norm is maxNorm; accepts a single tensor and the string inf', () => {
    const p = zeros([4], { requiresGrad: true });
    const g = tensor([3, 4, 0, 0]);
    p.grad = g;
    const total = clipGradNorm(p, 1);
    assert.ok(Math.abs(total.item() - 5) < 1e-6);
    assert.equal(p.grad, g, 'the same gradient tensor, scaled in place');
    const d = g.data();
    assert.ok(Math.abs(Math.hypot(...d) - 1) < 1e-5);
    assert.equal(g.dtype, 'float32');
    p.grad = tensor([-2, 1, 0.5, 0]);
    assert.equal(clipGradNorm([p], 10, 'inf').item(), 2);
    assert.deepEqual(Array.from(p.grad.data()), [-2, 1, 0.5, 0]);
  });

  it('ignores parameters without gradients and returns 0 when none has one', () => {
    const a = zeros([2], { requiresGrad: true });
    const b = zeros([2], { requiresGrad: true });
    assert.equal(clipGradNorm([a, b], 1).item(), 0);
    b.grad = tensor([6, 8]);
    assert.ok(Math.abs(clipGradNorm([a, b], 1).item() - 10) < 1e-5);
    assert.equal(a.grad, null);
    clipGradValue([a, b], 0.05);
    assert.deepEqual(Array.from(b.grad.data()), [Math.fround(0.05), Math.fround(0.05)]);
  });

  it('can refuse a non-finite norm', () => {
    const p = zeros([2], { requiresGrad: true });
    p.grad = tensor([Infinity, 1]);
    assert.throws(() => clipGradNorm([p], 1, 2, true), /clipGradNorm: the total norm of order 2 of the gradients is non-finite/);
    assert.deepEqual(Array.from(p.grad.data()), [Infinity, 1], 'left unchanged when refused');
  });

  it('rejects bad arguments', () => {
    const p = zeros([2], { requiresGrad: true });
    assert.throws(() => clipGradNorm([p], -1), /clipGradNorm: maxNorm must be a number >= 0/);
    assert.throws(() => clipGradNorm([p], 1, 0), /clipGradNorm: normType must be a positive number or 'inf'/);
    assert.throws(() => clipGradValue([p], -0.5), /clipGradValue: clipValue must be a number >= 0/);
    assert.throws(() => clipGradNorm([p, 3] as unknown as Tensor[], 1), /clipGradNorm: parameters must be Tensors, item 1/);
  });
});
