/**
 * Learning-rate schedules against PyTorch 1.13 (test/fixtures/optim.json): an SGD optimiser with two groups (lr 0.1 and
 * 0.05), 30 epochs of optimizer.step() then scheduler.step(); every lr must agree with PyTorch's to 1e-12.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, zeros } from '../../src/index.js';
import {
  SGD, Adam, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, ConstantLR, LambdaLR, ReduceLROnPlateau,
  type LRScheduler, type SchedulerStateDict,
} from '../../src/optim/index.js';
import { loadOptimFixtures, worstRatio, type SchedulerCase } from './optim-fixtures.js';

const fx = loadOptimFixtures();

function twoGroupSGD(): SGD {
  const p = zeros([2], { dtype: 'float64', requiresGrad: true });
  const q = zeros([1], { dtype: 'float64', requiresGrad: true });
  return new SGD([{ params: [p] }, { params: [q], lr: 0.05 }], { lr: 0.1 });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function makeScheduler(opt: SGD, name: string, options: any): LRScheduler | ReduceLROnPlateau {
  switch (name) {
    case 'StepLR': return new StepLR(opt, options);
    case 'MultiStepLR': return new MultiStepLR(opt, options);
    case 'ExponentialLR': return new ExponentialLR(opt, options);
    case 'CosineAnnealingLR': return new CosineAnnealingLR(opt, options);
    case 'LinearLR': return new LinearLR(opt, options);
    case 'ConstantLR': return new ConstantLR(opt, options);
    case 'LambdaLR': return new LambdaLR(opt, { lrLambda: (epoch) => 0.95 ** epoch });
    case 'ReduceLROnPlateau': return new ReduceLROnPlateau(opt, options);
  }
  throw new Error(`no scheduler ${name}`);
}

function stepOnce(s: LRScheduler | ReduceLROnPlateau, epoch: number): void {
  if (s instanceof ReduceLROnPlateau) s.step(fx.metrics[epoch]);
  else s.step();
}

function assertLrs(actual: number[], expected: number[], what: string): void {
  const r = worstRatio(actual, expected, 1e-15, 1e-12);
  assert.ok(r <= 1, `${what}: lr ${JSON.stringify(actual)} differs from PyTorch's ${JSON.stringify(expected)}`);
}

function label(c: SchedulerCase): string {
  return `${c.scheduler} ${JSON.stringify(c.options)}`;
}

describe(`lr schedulers against PyTorch ${fx.torch}`, () => {
  for (const c of fx.schedulers) {
    it(`gives PyTorch's lr sequence: ${label(c)}`, () => {
      const opt = twoGroupSGD();
      const s = makeScheduler(opt, c.scheduler, c.options);
      assertLrs(opt.paramGroups.map((g) => g.lr), c.lrs[0], `${label(c)} after construction`);
      for (let t = 0; t < c.lrs.length - 1; t++) {
        opt.step();
        stepOnce(s, t);
        assertLrs(s.getLastLr(), c.lrs[t + 1], `${label(c)} after step ${t + 1}`);
        assert.deepEqual(s.getLastLr(), opt.paramGroups.map((g) => g.lr));
      }
    });

    it(`resumes from a JSON state dict (optimizer and scheduler) at epoch 12: ${label(c)}`, () => {
      const opt = twoGroupSGD();
      const s = makeScheduler(opt, c.scheduler, c.options);
      for (let t = 0; t < 12; t++) stepOnce(s, t);
      const optState = JSON.parse(JSON.stringify(opt.stateDict()));
      const schedState = JSON.parse(JSON.stringify(s.stateDict())) as SchedulerStateDict;
      // as in PyTorch: build both, then load both (building a scheduler takes its first step, changing lr)
      const opt2 = twoGroupSGD();
      const s2 = makeScheduler(opt2, c.scheduler, c.options);
      opt2.loadStateDict(optState);
      s2.loadStateDict(schedState);
      assert.deepEqual(s2.getLastLr(), s.getLastLr());
      for (let t = 12; t < c.lrs.length - 1; t++) {
        stepOnce(s2, t);
        assertLrs(s2.getLastLr(), c.lrs[t + 1], `resumed ${label(c)} after step ${t + 1}`);
      }
    });
  }

  it('lets two chainable schedulers share an optimiser (warm-up on top of exponential decay)', () => {
    const opt = twoGroupSGD();
    const warm = new LinearLR(opt, { startFactor: 0.25, totalIters: 4 });
    const decay = new ExponentialLR(opt, { gamma: 0.9 });
    const lrs = fx.chained.lrs;
    assertLrs(opt.paramGroups.map((g) => g.lr), lrs[0], 'chained, after construction');
    for (let t = 1; t < lrs.length; t++) {
      opt.step();
      warm.step();
      decay.step();
      assertLrs(decay.getLastLr(), lrs[t], `chained, step ${t}`);
    }
  });
});

describe('lr scheduler details', () => {
  it('sets initialLr on the groups and keeps baseLrs', () => {
    const opt = twoGroupSGD();
    opt.paramGroups[0].lr = 0.2;
    const s = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    assert.deepEqual(s.baseLrs, [0.2, 0.05]);
    assert.equal(opt.paramGroups[0].initialLr, 0.2);
    s.step();
    s.step();
    assert.deepEqual(s.getLastLr(), [0.1, 0.025]);
    assert.equal(s.lastEpoch, 2);
    // resuming with lastEpoch needs initialLr on every group
    const fresh = twoGroupSGD();
    assert.throws(() => new StepLR(fresh, { stepSize: 2, lastEpoch: 5 }), /StepLR: param 'initialLr' is not set in paramGroups\[0\]/);
  });

  it('excludes the lambdas from a LambdaLR state dict', () => {
    const opt = twoGroupSGD();
    const s = new LambdaLR(opt, { lrLambda: [(e) => 1 / (e + 1), (e) => 0.5 ** e] });
    s.step();
    s.step();
    assert.deepEqual(s.getLastLr(), [0.1 / 3, 0.05 * 0.25]);
    const sd = s.stateDict();
    assert.ok(!('lrLambdas' in sd));
    assert.equal(sd.lastEpoch, 2);
    assert.throws(() => new LambdaLR(opt, { lrLambda: [(e) => e] }), /LambdaLR: expected 2 lrLambda functions/);
  });

  it('ReduceLROnPlateau accepts one-element tensors and restores an infinite best through JSON', () => {
    const opt = twoGroupSGD();
    const s = new ReduceLROnPlateau(opt, { patience: 0, mode: 'max' });
    const sd = JSON.parse(JSON.stringify(s.stateDict())) as SchedulerStateDict;
    assert.equal(sd.best, null);
    const s2 = new ReduceLROnPlateau(opt, { patience: 0, mode: 'max' });
    s2.loadStateDict(sd);
    assert.equal(s2.best, -Infinity);
    s2.step(tensor([0.5]) as Tensor);
    assert.equal(s2.best, 0.5);
    s2.step(0.4);
    assert.deepEqual(s2.getLastLr(), [0.1 * 0.1, 0.05 * 0.1]);
  });

  it('works with any optimiser', () => {
    const w = zeros([3], { requiresGrad: true });
    const opt = new Adam([w], { lr: 0.01 });
    const s = new CosineAnnealingLR(opt, { tMax: 4 });
    for (let i = 0; i < 4; i++) s.step();
    assert.ok(Math.abs(opt.paramGroups[0].lr) < 1e-15);
  });

  it('rejects bad settings with clear errors', () => {
    const opt = twoGroupSGD();
    assert.throws(() => new StepLR(opt, { stepSize: 0 }), /StepLR: stepSize must be a positive integer, got 0/);
    assert.throws(() => new StepLR(opt, { stepSize: 1.5 }), /StepLR: stepSize must be a positive integer/);
    assert.throws(() => new MultiStepLR(opt, { milestones: [1, 2.5] }), /MultiStepLR: milestones must be a list of integers/);
    assert.throws(() => new CosineAnnealingLR(opt, { tMax: 0 }), /CosineAnnealingLR: tMax must be a positive number/);
    assert.throws(() => new LinearLR(opt, { startFactor: 0 }), /LinearLR: startFactor must be in \(0, 1\]/);
    assert.throws(() => new LinearLR(opt, { endFactor: 1.5 }), /LinearLR: endFactor must be in \[0, 1\]/);
    assert.throws(() => new ConstantLR(opt, { factor: 2 }), /ConstantLR: factor must be in \(0, 1\]/);
    assert.throws(() => new ExponentialLR(opt, { gamma: NaN }), /ExponentialLR: gamma must be a finite number/);
    assert.throws(() => new ReduceLROnPlateau(opt, { factor: 1 }), /ReduceLROnPlateau: factor must be in \[0, 1\)/);
    assert.throws(() => new ReduceLROnPlateau(opt, { mode: 'up' as 'min' }), /ReduceLROnPlateau: mode must be 'min' or 'max'/);
    assert.throws(() => new ReduceLROnPlateau(opt, { thresholdMode: 'x' as 'abs' }), /thresholdMode must be 'rel' or 'abs'/);
    assert.throws(() => new ReduceLROnPlateau(opt, { minLr: [0.1] }), /expected 2 minLr values/);
    assert.throws(() => new StepLR({} as SGD, { stepSize: 1 }), /StepLR: expected an Optimizer/);
    assert.throws(() => new StepLR(opt, { stepSize: 2, gama: 0.5 } as never), /StepLR: unknown option 'gama' \(known: stepSize, gamma, lastEpoch\)/);
    assert.throws(() => new ReduceLROnPlateau(opt, { min_lr: 0.1 } as never), /ReduceLROnPlateau: unknown option 'min_lr'/);
  });
});
