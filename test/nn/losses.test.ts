/**
 * Losses against PyTorch 1.13 (the 'losses' section of test/fixtures/nn.json): values for reduction mean/sum/none
 * and the gradients for input and (float) target, in float64; then finite-difference gradchecks of each loss.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor, type Tensor } from '../../src/index.js';
import { F } from '../../src/nn/index.js';
import { runCase, type OpFn, type Tolerance } from '../fixtures/fixtures.js';
import { gradcheck, rand64 } from '../helpers/gradcheck.js';
import { loadNnFixtures } from './nn-fixtures.js';

/** The case's tensors after input and target (weight, posWeight) become options, with the case's other options. */
function options(x: Tensor[], args: Record<string, unknown>): Record<string, unknown> {
  const { tensors, ...rest } = args as { tensors: string[] };
  const out: Record<string, unknown> = { ...rest };
  tensors.slice(2).forEach((name, i) => (out[name] = x[i + 2]));
  return out;
}

const OPS: Record<string, OpFn> = {
  mseLoss: (x, a) => F.mseLoss(x[0], x[1], options(x, a)),
  l1Loss: (x, a) => F.l1Loss(x[0], x[1], options(x, a)),
  smoothL1Loss: (x, a) => F.smoothL1Loss(x[0], x[1], options(x, a)),
  huberLoss: (x, a) => F.huberLoss(x[0], x[1], options(x, a)),
  crossEntropy: (x, a) => F.crossEntropy(x[0], x[1], options(x, a)),
  nllLoss: (x, a) => F.nllLoss(x[0], x[1], options(x, a)),
  binaryCrossEntropy: (x, a) => F.binaryCrossEntropy(x[0], x[1], options(x, a)),
  binaryCrossEntropyWithLogits: (x, a) => F.binaryCrossEntropyWithLogits(x[0], x[1], options(x, a)),
};

const TOL: Tolerance = { atol: 1e-10, rtol: 1e-9 };
const fixtures = loadNnFixtures();

describe(`losses against PyTorch ${fixtures.torch}`, () => {
  it('has a Myelin call for every loss in the fixtures, each with all three reductions', () => {
    const ops = new Set(fixtures.losses.map((c) => c.op));
    assert.deepEqual([...ops].sort(), Object.keys(OPS).sort());
    for (const op of ops) {
      const reductions = new Set(fixtures.losses.filter((c) => c.op === op).map((c) => c.args.reduction));
      assert.deepEqual([...reductions].sort(), ['mean', 'none', 'sum'], op);
    }
  });
  for (const c of fixtures.losses) {
    it(c.name, () => runCase(c, OPS[c.op], TOL));
  }
});

describe('loss gradients by finite differences', () => {
  const x = rand64([4, 3]);
  const y = rand64([4, 3]);
  const labels = tensor([2, 0, 1, 2], { dtype: 'int32' });
  const classW = rand64([3], 0.3, 2);
  const posWeight = rand64([3], 0.5, 2);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    it(`regression losses, reduction ${reduction}`, () => {
      gradcheck((a, b) => F.mseLoss(a, b, { reduction }), [x, y]);
      gradcheck((a, b) => F.l1Loss(a, b, { reduction }), [x, y]);
      gradcheck((a, b) => F.smoothL1Loss(a, b, { reduction, beta: 0.6 }), [x, y]);
      gradcheck((a, b) => F.huberLoss(a, b, { reduction, delta: 0.8 }), [x, y]);
    });
    it(`classification losses, reduction ${reduction}`, () => {
      gradcheck((a) => F.crossEntropy(a, labels, { reduction }), [x]);
      gradcheck((a) => F.crossEntropy(a, labels, { reduction, ignoreIndex: 0 }), [x]);
      gradcheck((a) => F.crossEntropy(a, labels, { reduction, weight: classW, labelSmoothing: 0.1, ignoreIndex: 1 }), [x]);
      gradcheck((a, p) => F.crossEntropy(a, p.softmax(1), { reduction, labelSmoothing: 0.2 }), [x, y]);
      gradcheck((a) => F.nllLoss(a.logSoftmax(1), labels, { reduction, weight: classW }), [x]);
      const probs = rand64([4, 3], 0.05, 0.95);
      const t = rand64([4, 3], 0, 1);
      gradcheck((p, q) => F.binaryCrossEntropy(p, q, { reduction, weight: classW }), [probs, t]);
      gradcheck((a, q) => F.binaryCrossEntropyWithLogits(a, q, { reduction, weight: classW, posWeight }), [x, t]);
    });
  }
});

describe('crossEntropy over class indices', () => {
  it('matches nllLoss of logSoftmax (the general path) in value and gradient, with ignored targets, in float64 and float32', () => {
    const labels = tensor([4, -100, 0, 2, 2, -100], { dtype: 'int32' });
    for (const [logits, tol] of [[rand64([6, 5]), 1e-12], [rand64([6, 5]).to('float32'), 1e-6]] as const) {
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const a = logits.detach().requiresGrad_();
        const b = logits.detach().requiresGrad_();
        const fast = F.crossEntropy(a, labels, { reduction });
        const general = F.nllLoss(b.logSoftmax(1), labels, { reduction });
        assert.deepEqual(fast.shape, general.shape);
        const fv = fast.data(), gv = general.data();
        for (let i = 0; i < fv.length; i++) assert.ok(Math.abs(fv[i] - gv[i]) < tol, `${logits.dtype} ${reduction} value ${i}`);
        fast.sum().backward();
        general.sum().backward();
        const ga = a.grad!.data(), gb = b.grad!.data();
        for (let i = 0; i < ga.length; i++) assert.ok(Math.abs(ga[i] - gb[i]) < tol, `${logits.dtype} ${reduction} grad ${i}`);
      }
    }
  });

  it('reads logits through their strides (a transposed input) and refuses a target changed in place before backward', () => {
    const labels = tensor([1, 0, -100, 2], { dtype: 'int32' });
    const logits = rand64([3, 4]).to('float32');
    const a = logits.detach().requiresGrad_();
    const b = logits.detach().requiresGrad_();
    const fast = F.crossEntropy(a.t(), labels);
    const general = F.nllLoss(b.t().logSoftmax(1), labels);
    assert.ok(Math.abs(fast.item() - general.item()) < 1e-6);
    fast.backward();
    general.backward();
    const ga = a.grad!.data(), gb = b.grad!.data();
    for (let i = 0; i < ga.length; i++) assert.ok(Math.abs(ga[i] - gb[i]) < 1e-6, `grad ${i}`);
    const t = labels.clone();
    const loss = F.crossEntropy(rand64([4, 3]).requiresGrad_(), t);
    t.fill_(0);
    assert.throws(() => loss.backward(), /modified by an inplace operation/);
  });

  it("'mean' over targets that are all ignored is NaN, as PyTorch", () => {
    const a = rand64([2, 3]).requiresGrad_();
    const loss = F.crossEntropy(a, tensor([-100, -100], { dtype: 'int32' }));
    assert.ok(Number.isNaN(loss.item()));
  });
});
