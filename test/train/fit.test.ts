import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DataLoader, LambdaCallback, NonFiniteLossError, TensorDataset, evaluate, fit, manualSeed, noGrad, predict, tensor, Tensor,
} from '../../src/index.js';
import { Linear, Module, Sequential, ReLU } from '../../src/nn/index.js';
import { crossEntropy, mseLoss } from '../../src/nn/losses.js';
import { Adam, ReduceLROnPlateau, SGD, StepLR, clipGradNorm } from '../../src/optim/index.js';
import { blobs, classifier, linearData, weights } from './data.js';

const quiet = { verbose: false } as const;

test('fit learns separable blobs: the loss falls and accuracy reaches 1', async () => {
  const [x, y] = blobs(128);
  const model = classifier(0);
  const h = await fit(model, [x, y], { ...quiet, epochs: 8, batchSize: 16, lr: 0.05, metrics: ['accuracy'], seed: 3 });
  assert.deepEqual(h.epoch, [1, 2, 3, 4, 5, 6, 7, 8]);
  const loss = h.history.loss;
  assert.equal(loss.length, 8);
  assert.ok(loss[7] < loss[0] / 4, `loss should fall a lot: ${loss.join(', ')}`);
  assert.equal(h.history.accuracy[7], 1);
  // the history's final figures describe the model: evaluate agrees on accuracy, and the loss is in the same range
  const ev = evaluate(model, [x, y], { metrics: ['accuracy'] });
  assert.equal(ev.accuracy, 1);
  assert.ok(ev.loss < loss[0]);
});

test('fit returns every logged quantity per epoch: loss, metrics, valLoss, valMetrics, lr, samplesPerSecond', async () => {
  const [x, y] = blobs(64);
  const [vx, vy] = blobs(32, 9);
  const model = classifier(1);
  const h = await fit(model, [x, y], { ...quiet, epochs: 3, batchSize: 16, lr: 0.01, metrics: ['accuracy'], validationData: [vx, vy] });
  assert.deepEqual(Object.keys(h.history), ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'lr', 'samplesPerSecond']);
  for (const [k, v] of Object.entries(h.history)) {
    assert.equal(v.length, 3, k);
    assert.ok(v.every(Number.isFinite), `${k}: ${v.join(', ')}`);
  }
  assert.deepEqual(h.history.lr, [0.01, 0.01, 0.01]);
  assert.ok(h.history.samplesPerSecond.every((r) => r > 0));
  // the last epoch's validation figures are those of the final model on the validation data
  const ev = evaluate(model, [vx, vy], { metrics: ['accuracy'] });
  assert.ok(Math.abs(ev.loss - h.history.valLoss[2]) < 1e-6, `${ev.loss} vs ${h.history.valLoss[2]}`);
  assert.equal(ev.accuracy, h.history.valAccuracy[2]);
});

test('fit accepts [x, y], a TensorDataset and a DataLoader, with the same result for the same order', async () => {
  const [x, y] = blobs(48);
  const opts = { ...quiet, epochs: 2, batchSize: 8, shuffle: false, optimizer: 'sgd' as const, lr: 0.1 };
  const a = classifier(2);
  const ha = await fit(a, [x, y], opts);
  const b = classifier(2);
  const hb = await fit(b, new TensorDataset(x, y), opts);
  const c = classifier(2);
  const hc = await fit(c, new DataLoader(new TensorDataset(x, y), { batchSize: 8 }), opts);
  assert.deepEqual(hb.history.loss, ha.history.loss);
  assert.deepEqual(hc.history.loss, ha.history.loss);
  assert.deepEqual(weights(b), weights(a));
  assert.deepEqual(weights(c), weights(a));
});

test('validationSplit holds out the last fraction (Keras semantics, before shuffling)', async () => {
  const [x, y] = blobs(40);
  const [tx, ty] = [x.narrow(0, 0, 30), y.narrow(0, 0, 30)];
  const [vx, vy] = [x.narrow(0, 30, 10), y.narrow(0, 30, 10)];
  const opts = { ...quiet, epochs: 2, batchSize: 8, seed: 5, lr: 0.02, metrics: ['accuracy' as const] };
  const a = classifier(3);
  const ha = await fit(a, [x, y], { ...opts, validationSplit: 0.25 });
  const b = classifier(3);
  const hb = await fit(b, [tx, ty], { ...opts, validationData: [vx, vy] });
  assert.deepEqual(ha.history.loss, hb.history.loss);
  assert.deepEqual(ha.history.valLoss, hb.history.valLoss);
  assert.deepEqual(ha.history.valAccuracy, hb.history.valAccuracy);
  assert.deepEqual(weights(a), weights(b));
  // 30 training samples in batches of 8: the samples seen per epoch are the first 30 only
  const steps: number[] = [];
  const c = classifier(3);
  await fit(c, [x, y], { ...opts, epochs: 1, validationSplit: 0.25, callbacks: [new LambdaCallback({ onBatchEnd: (s) => { steps.push(s); } })] });
  assert.deepEqual(steps, [1, 2, 3, 4]);
});

test('validation options are checked before training, with clear errors', async () => {
  const [x, y] = blobs(20);
  const model = classifier(4);
  await assert.rejects(fit(model, [x, y], { ...quiet, validationSplit: 0.2, validationData: [x, y] }), /validationData or validationSplit, not both/);
  for (const bad of [0, 1, -0.5, 1.5, NaN]) {
    await assert.rejects(fit(model, [x, y], { ...quiet, validationSplit: bad }), new RegExp(`validationSplit must be in \\(0, 1\\), got ${bad}`));
  }
  await assert.rejects(fit(model, [x, y], { ...quiet, validationSplit: 0.01 }), /validationSplit 0.01 of 20 samples leaves an empty split/);
  await assert.rejects(fit(model, new TensorDataset(x, y), { ...quiet, validationSplit: 0.2 }), /validationSplit needs the data as \[inputs, targets\] tensors/);
  await assert.rejects(fit(model, [[1, 2], [0, 1]] as unknown as [Tensor, Tensor], quiet), /fit: data must be \[inputs, targets\] tensors/);
  await assert.rejects(fit(model, [x, y.narrow(0, 0, 10)], quiet), /fit: inputs \[20,2\] and targets \[10\] must have the same number of samples/);
  // bad validation data fails at once, not after a whole epoch of training
  let batches = 0;
  const counter = new LambdaCallback({ onBatchEnd: () => { batches++; } });
  await assert.rejects(
    fit(model, [x, y], { ...quiet, validationData: [[1], [2]] as unknown as [Tensor, Tensor], callbacks: [counter] }),
    /fit: validationData must be \[inputs, targets\] tensors, a Dataset or a DataLoader/,
  );
  await assert.rejects(fit(model, [x, y], { ...quiet, validationData: [x, y.narrow(0, 0, 5)], callbacks: [counter] }), /fit: validationData inputs \[20,2\] and targets \[5\]/);
  assert.equal(batches, 0);
});

test('loss and optimizer by name and by value; lr with an optimizer instance is an error', async () => {
  const [x, y] = linearData(64);
  const run = async (loss: 'mse' | ((p: Tensor, t: Tensor) => Tensor), optimizer: 'sgd' | 'adam' | ((m: Module) => SGD | Adam), lr?: number) => {
    manualSeed(7);
    const m = new Linear(3, 1);
    const opt = typeof optimizer === 'function' ? optimizer(m) : optimizer;
    const h = await fit(m, [x, y], { ...quiet, epochs: 3, batchSize: 16, shuffle: false, loss, optimizer: opt, lr });
    return { h, w: weights(m) };
  };
  const byName = await run('mse', 'sgd', 0.05);
  const byValue = await run((p, t) => mseLoss(p, t), (m) => new SGD(m.parameters(), { lr: 0.05 }));
  assert.deepEqual(byValue.h.history.loss, byName.h.history.loss);
  assert.deepEqual(byValue.w, byName.w);
  assert.ok(byName.h.history.loss[2] < byName.h.history.loss[0] / 2);
  const adamName = await run('mse', 'adam', 0.01);
  const adamValue = await run('mse', (m) => new Adam(m.parameters(), { lr: 0.01 }));
  assert.deepEqual(adamValue.w, adamName.w);
  assert.notDeepEqual(adamName.w, byName.w);
  // the default SGD lr is 0.01; an optimiser by name without lr uses its own default
  const sgdDefault = await run('mse', 'sgd');
  const sgd001 = await run('mse', 'sgd', 0.01);
  assert.deepEqual(sgdDefault.w, sgd001.w);

  const m = new Linear(3, 1);
  await assert.rejects(fit(m, [x, y], { ...quiet, loss: 'mse', optimizer: new SGD(m.parameters(), { lr: 0.1 }), lr: 0.5 }), /lr applies only to an optimizer given by name/);
  await assert.rejects(fit(m, [x, y], { ...quiet, loss: 'nope' as 'mse' }), /fit: unknown loss 'nope'/);
  await assert.rejects(fit(m, [x, y], { ...quiet, loss: 'mse', optimizer: 'nope' as 'sgd' }), /fit: unknown optimizer 'nope'/);
  await assert.rejects(fit(m, [x, y], { ...quiet, epochs: 1.5 }), /epochs must be a non-negative integer, got 1.5/);
  await assert.rejects(fit(m, [x, y], { ...quiet, batchSize: 0 }), /batchSize must be a positive integer, got 0/);
});

test('the scheduler is stepped once per epoch; history lr is the lr each epoch trained with (StepLR)', async () => {
  const [x, y] = linearData(32);
  manualSeed(8);
  const m = new Linear(3, 1);
  const opt = new SGD(m.parameters(), { lr: 0.1 });
  const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
  const h = await fit(m, [x, y], { ...quiet, epochs: 5, batchSize: 8, loss: 'mse', optimizer: opt, scheduler: sched });
  assert.deepEqual(h.history.lr, [0.1, 0.1, 0.05, 0.05, 0.025]);
  assert.equal(sched.lastEpoch, 5);
  assert.equal(opt.paramGroups[0].lr, 0.025);
});

test('ReduceLROnPlateau is stepped with valLoss (or loss without validation data)', async () => {
  class Recording extends ReduceLROnPlateau {
    seen: number[] = [];
    override step(metric: number | Tensor): void {
      this.seen.push(typeof metric === 'number' ? metric : metric.item());
      super.step(metric);
    }
  }
  const [x, y] = linearData(32);
  const [vx, vy] = linearData(16, 11);
  manualSeed(9);
  const m = new Linear(3, 1);
  const opt = new SGD(m.parameters(), { lr: 0.05 });
  const sched = new Recording(opt, { patience: 0 });
  const h = await fit(m, [x, y], { ...quiet, epochs: 3, batchSize: 8, loss: 'mse', optimizer: opt, scheduler: sched, validationData: [vx, vy] });
  assert.deepEqual(sched.seen, h.history.valLoss);
  assert.notDeepEqual(sched.seen, h.history.loss);

  const m2 = new Linear(3, 1);
  const opt2 = new SGD(m2.parameters(), { lr: 0.05 });
  const sched2 = new Recording(opt2, { patience: 0 });
  const h2 = await fit(m2, [x, y], { ...quiet, epochs: 2, batchSize: 8, loss: 'mse', optimizer: opt2, scheduler: sched2 });
  assert.deepEqual(sched2.seen, h2.history.loss);

  // a loss that cannot improve (constant, zero gradients): with patience 0 the lr halves from the second epoch on
  const m3 = new Linear(3, 1);
  const opt3 = new SGD(m3.parameters(), { lr: 0.1 });
  const sched3 = new ReduceLROnPlateau(opt3, { patience: 0, factor: 0.5 });
  const flat = (p: Tensor) => p.mul(0).sum().add(1);
  const h3 = await fit(m3, [x, y], { ...quiet, epochs: 4, batchSize: 8, loss: flat, optimizer: opt3, scheduler: sched3 });
  assert.deepEqual(h3.history.loss, [1, 1, 1, 1]);
  assert.deepEqual(h3.history.lr, [0.1, 0.1, 0.05, 0.025]);
  assert.equal(opt3.paramGroups[0].lr, 0.0125);
});

test('clipGradNorm clips the global gradient norm before every step', async () => {
  const [x, y] = linearData(16);
  const step = async (clip?: number) => {
    manualSeed(10);
    const m = new Linear(3, 1);
    const before = weights(m);
    await fit(m, [x.mul(10), y.mul(10)], { ...quiet, epochs: 1, batchSize: 16, loss: 'mse', optimizer: 'sgd', lr: 1, clipGradNorm: clip });
    const after = weights(m);
    let sq = 0;
    for (const k of Object.keys(before)) before[k].forEach((v, i) => { sq += (after[k][i] - v) ** 2; });
    return Math.sqrt(sq);
  };
  const free = await step();
  const clipped = await step(1e-3);
  assert.ok(free > 1, `unclipped step ${free}`);
  // one SGD step with lr 1: the weights move by exactly the clipped gradient, of norm maxNorm
  assert.ok(Math.abs(clipped - 1e-3) < 1e-5, `clipped step ${clipped}`);
});

test('shuffling with a seed is reproducible; different seeds give different orders', async () => {
  const [x, y] = blobs(64);
  const run = async (seed: number) => {
    const m = classifier(11, 0);
    const h = await fit(m, [x, y], { ...quiet, epochs: 3, batchSize: 8, lr: 0.01, metrics: ['accuracy'], seed });
    return { loss: h.history.loss, acc: h.history.accuracy, w: weights(m) };
  };
  const a = await run(42);
  const b = await run(42);
  const c = await run(43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.w, c.w);
  // without a seed, manualSeed makes the global generator reproducible
  const viaGlobal = async () => {
    const m = classifier(11, 0);
    manualSeed(99);
    const h = await fit(m, [x, y], { ...quiet, epochs: 2, batchSize: 8, lr: 0.01 });
    return { loss: h.history.loss, w: weights(m) };
  };
  assert.deepEqual(await viaGlobal(), await viaGlobal());
});

test('a NaN or Inf loss throws NonFiniteLossError naming the epoch and step', async () => {
  const [x, y] = linearData(32);
  const xs = x.clone();
  // NaN in sample 13: with batches of 4 in order, step 4 of epoch 2 (injected when epoch 2 begins)
  const inject = new LambdaCallback({
    onEpochBegin: (epoch) => {
      if (epoch === 2) noGrad(() => xs.select(0, 13).fill_(NaN));
    },
  });
  manualSeed(12);
  const m = new Linear(3, 1);
  const err = await fit(m, [xs, y], { ...quiet, epochs: 3, batchSize: 4, shuffle: false, loss: 'mse', optimizer: 'sgd', callbacks: [inject] }).then(
    () => assert.fail('expected a NonFiniteLossError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NonFiniteLossError);
  assert.equal(err.name, 'NonFiniteLossError');
  assert.equal(err.epoch, 2);
  assert.equal(err.step, 4);
  assert.ok(Number.isNaN(err.value));
  assert.match(err.message, /fit: the loss became NaN at epoch 2, step 4/);
  // the weights were not touched by the bad batch
  assert.ok(Object.values(weights(m)).flat().every(Number.isFinite));

  // divergence: SGD with a huge learning rate overflows to Infinity/NaN
  manualSeed(12);
  const d = new Linear(3, 1);
  await assert.rejects(
    fit(d, [x.mul(100), y], { ...quiet, epochs: 50, batchSize: 8, shuffle: false, loss: 'mse', optimizer: 'sgd', lr: 1e3 }),
    (e: unknown) => e instanceof NonFiniteLossError && !Number.isFinite(e.value) && e.epoch >= 1 && e.step >= 1
      && new RegExp(`at epoch ${e.epoch}, step ${e.step};`).test(e.message),
  );
});

test('a loss that is not a scalar (or not a tensor) is an error naming its shape', async () => {
  const [x, y] = linearData(8);
  const m = new Linear(3, 1);
  await assert.rejects(fit(m, [x, y], { ...quiet, loss: (p, t) => p.sub(t).square() }), /fit: the loss must be a scalar, got shape \[8,1\]/);
  await assert.rejects(fit(m, [x, y], { ...quiet, loss: (() => 3) as unknown as (p: Tensor, t: Tensor) => Tensor }), /fit: the loss function must return a Tensor, got number/);
  // a one-element loss of shape [1] is fine
  const h = await fit(m, [x, y], { ...quiet, loss: (p, t) => mseLoss(p, t).reshape([1]) });
  assert.equal(h.history.loss.length, 1);
});

test('fit leaves the model in train mode; evaluate and predict restore the mode they found', async () => {
  const [x, y] = blobs(16);
  const m = classifier(13, 0.5);
  m.eval();
  await fit(m, [x, y], { ...quiet, epochs: 1, batchSize: 8, validationData: [x, y] });
  assert.ok([...m.modules()].every((s) => s.training));

  for (const mode of [true, false]) {
    m.train(mode);
    evaluate(m, [x, y]);
    assert.ok([...m.modules()].every((s) => s.training === mode), `evaluate from ${mode}`);
    predict(m, x, { batchSize: 4 });
    assert.ok([...m.modules()].every((s) => s.training === mode), `predict from ${mode}`);
  }
  // a mixed state (one sub-module frozen in eval mode) comes back as it was
  m.train();
  const frozen = m.at(2);
  frozen.eval();
  evaluate(m, [x, y]);
  predict(m, x);
  assert.equal(frozen.training, false);
  assert.equal(m.training, true);
  assert.equal(m.at(0).training, true);
  // and also after an error inside forward
  const bad = new Sequential(new Linear(3, 2));
  bad.train();
  assert.throws(() => predict(bad, x), /linear|matmul|shape/i);
  assert.equal(bad.training, true);
});

test('predict batches large inputs and equals one big forward', () => {
  manualSeed(14);
  const model = new Sequential(new Linear(5, 16), new ReLU(), new Linear(16, 3));
  const x = tensor(Array.from({ length: 600 * 5 }, (_, i) => Math.sin(i * 0.37)), { shape: [600, 5] });
  let calls = 0;
  const counted = new (class extends Module {
    inner = model;
    forward(t: Tensor): Tensor {
      calls++;
      return this.inner.forward(t) as Tensor;
    }
  })();
  const out = predict(counted, x, { batchSize: 256 });
  assert.equal(calls, 3);
  assert.deepEqual(out.shape, [600, 3]);
  assert.equal(out.requiresGrad, false);
  const whole = noGrad(() => model.forward(x) as Tensor);
  const a = out.data(), b = whole.data();
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff <= 1e-6, `max difference ${maxDiff}`);
  calls = 0;
  predict(counted, x.narrow(0, 0, 100));
  assert.equal(calls, 1);
  assert.throws(() => predict(model, [1, 2] as unknown as Tensor), /predict: inputs must be a Tensor/);
});

test('fit is a thin loop: the same training by hand gives identical weights', async () => {
  const [x, y] = blobs(60);
  const epochs = 3, batchSize = 8, seed = 21;

  const auto = classifier(15, 0.25);
  const autoOpt = new Adam(auto.parameters(), { lr: 0.01 });
  const h = await fit(auto, [x, y], { ...quiet, epochs, batchSize, seed, optimizer: autoOpt, clipGradNorm: 1, metrics: ['accuracy'] });

  const hand = classifier(15, 0.25);
  const opt = new Adam(hand.parameters(), { lr: 0.01 });
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize, shuffle: true, seed });
  const losses: number[] = [];
  for (let e = 0; e < epochs; e++) {
    hand.train();
    let sum = 0, n = 0;
    for (const [bx, by] of loader) {
      opt.zeroGrad();
      const loss = crossEntropy(hand.forward(bx) as Tensor, by);
      loss.backward();
      clipGradNorm(hand.parameters(), 1);
      opt.step();
      sum += loss.item() * bx.shape[0];
      n += bx.shape[0];
    }
    losses.push(sum / n);
  }
  assert.deepEqual(weights(auto), weights(hand));
  assert.deepEqual(h.history.loss, losses);
});

test('evaluate: loss and metrics over batches equal those over the whole data', () => {
  const [x, y] = blobs(50);
  const m = classifier(16);
  const a = evaluate(m, [x, y], { metrics: ['accuracy', 'macroF1'], batchSize: 7 });
  const whole = noGrad(() => crossEntropy(m.forward(x) as Tensor, y).item());
  assert.ok(Math.abs(a.loss - whole) < 1e-6, `${a.loss} vs ${whole}`);
  const b = evaluate(m, [x, y], { metrics: ['accuracy', 'macroF1'], batchSize: 50 });
  assert.ok(Math.abs(a.accuracy - b.accuracy) < 1e-12);
  assert.ok(Math.abs(a.macroF1 - b.macroF1) < 1e-12);
  assert.throws(() => evaluate(m, [1, 2] as unknown as [Tensor, Tensor]), /evaluate: data must be/);
});
