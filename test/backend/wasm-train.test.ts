/**
 * End to end: the same small models, data and seeds trained on the js and the wasm backend give the same losses and
 * parameters, within float32 rounding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, nn, optim, randint, randn, Tensor, type Module } from '../../src/index.js';
import '../../src/backend/wasm/index.js';
import { assertClose } from '../helpers/gradcheck.js';
import { withBackend } from '../helpers/backend.js';

interface Run {
  losses: number[];
  params: Float32Array[];
  device: string;
  /** version counters of the parameters after training (each in-place update bumps them) */
  versions: number[];
}

function train(backend: 'js' | 'wasm', makeModel: () => Module, xShape: number[], classes: number, steps: number, opt: 'sgd' | 'adam'): Run {
  return withBackend(backend, () => {
    manualSeed(7);
    const model = makeModel();
    const x = randn(xShape);
    const y = randint(0, classes, [xShape[0]]);
    const params = model.parameters();
    const o = opt === 'sgd' ? new optim.SGD(params, { lr: 0.1, momentum: 0.9 }) : new optim.Adam(params, { lr: 1e-2 });
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      o.zeroGrad();
      const loss = F.crossEntropy(model.forward(x) as Tensor, y);
      loss.backward();
      o.step();
      losses.push(loss.item());
    }
    return { losses, params: params.map((p) => p.data() as Float32Array), device: x.device, versions: params.map((p) => p.version) };
  });
}

function compare(a: Run, b: Run, what: string, tol: number): void {
  assert.equal(a.device, 'js');
  assert.equal(b.device, 'wasm');
  assertClose(b.losses, a.losses, tol, tol, `${what} losses`);
  assert.ok(a.losses[a.losses.length - 1] < a.losses[0], `${what}: the loss goes down`);
  a.params.forEach((p, i) => assertClose(b.params[i], p, tol, 10 * tol, `${what} parameter ${i}`));
  // the fused updates record their in-place writes like the reference rules do
  assert.deepEqual(b.versions, a.versions, `${what}: parameter versions`);
  assert.ok(b.versions.every((v) => v >= a.losses.length), `${what}: every step bumps the version`);
}

test('an MLP training step gives the same loss and weights on js and wasm', () => {
  const mlp = () => new nn.Sequential(new nn.Linear(37, 29), new nn.ReLU(), new nn.Linear(29, 19), new nn.Tanh(), new nn.Linear(19, 7));
  compare(train('js', mlp, [45, 37], 7, 6, 'sgd'), train('wasm', mlp, [45, 37], 7, 6, 'sgd'), 'MLP/SGD', 2e-5);
  compare(train('js', mlp, [45, 37], 7, 6, 'adam'), train('wasm', mlp, [45, 37], 7, 6, 'adam'), 'MLP/Adam', 2e-5);
});

test('a small CNN training step gives the same loss and weights on js and wasm', () => {
  const cnn = () => new nn.Sequential(
    new nn.Conv2d(2, 6, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 8, 3, { stride: 2 }), new nn.GELU(), new nn.AvgPool2d(2, { padding: 1 }),
    new nn.Flatten(), new nn.Linear(8 * 2 * 2, 5),
  );
  compare(train('js', cnn, [6, 2, 13, 11], 5, 4, 'sgd'), train('wasm', cnn, [6, 2, 13, 11], 5, 4, 'sgd'), 'CNN/SGD', 5e-5);
});
