/**
 * The fused linear op (ops/linear.ts): the same values as matmul, add and relu one after the other on every backend,
 * gradients that agree with the unfused ops', F.linear running on it, and the unfused path where it cannot fuse.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { F, Tensor, manualSeed, nn, randn, registerBackend, tensor } from '../../src/index.js';
import { JsDevice } from '../../src/backend/js/index.js';
import { linearAct } from '../../src/ops/linear.js';
import { assertClose } from '../helpers/gradcheck.js';
import { withBackend } from '../helpers/backend.js';

// the reference backend without the optional fused kernel
registerBackend('js-unfused', () => {
  const b = new JsDevice();
  Object.defineProperty(b, 'name', { value: 'js-unfused' });
  Object.defineProperty(b, 'kernels', { value: Object.create(b.kernels, { linear: { value: undefined } }) });
  return b;
});

function unfused(x: Tensor, w: Tensor, b: Tensor | null, act: 'none' | 'relu'): Tensor {
  const y = x.matmul(w.t());
  const z = b ? y.add(b) : y;
  return act === 'relu' ? z.relu() : z;
}

describe('linearAct', () => {
  for (const backend of ['js', 'wasm', 'js-unfused']) {
    test(`${backend}: values equal the unfused ops, gradients agree (3-D, 2-D and 1-D inputs, views, bias or none)`, () => {
      withBackend(backend, () => {
        manualSeed(7);
        const cases: [() => Tensor, number, number][] = [
          [() => randn([2, 5, 9]), 9, 6],
          [() => randn([9, 7]).t(), 9, 13],
          [() => randn([11]), 11, 3],
          [() => randn([33, 70]).slice(1, 0, null, 2), 35, 17],
        ];
        for (const [make, K, N] of cases) {
          for (const act of ['none', 'relu'] as const) {
            for (const withBias of [true, false]) {
              const what = `${backend} K=${K} N=${N} ${act} ${withBias ? 'bias' : 'no bias'}`;
              const x0 = make();
              const w0 = randn([K, N]).t();
              const b0 = randn([N]);
              const leaves = () => [x0, w0, b0].map((t) => t.detach().requiresGrad_());
              const [x1, w1, b1] = leaves();
              const [x2, w2, b2] = leaves();
              const fused = linearAct(x1, w1, withBias ? b1 : null, act);
              const ref = unfused(x2, w2, withBias ? b2 : null, act);
              assert.deepEqual(fused.shape, ref.shape, `${what}: shape`);
              assert.deepEqual(Array.from(fused.data()), Array.from(ref.data()), `${what}: values`);
              // 2-D inputs give the fused node itself; others reshape its result
              const node = x1.ndim === 2 ? fused.gradFn : fused.gradFn?.edges.map((e) => (e && 'node' in e ? e.node : null))[0];
              if (backend !== 'js-unfused') assert.equal(node?.name, 'linearAct', `${what}: one fused node`);
              const g = randn(ref.shape.slice());
              fused.mul(g).sum().backward();
              ref.mul(g).sum().backward();
              assertClose(x1.grad!.data(), x2.grad!.data(), 1e-5, 1e-5, `${what}: grad x`);
              assertClose(w1.grad!.data(), w2.grad!.data(), 1e-5, 1e-5, `${what}: grad w`);
              if (withBias) assertClose(b1.grad!.data(), b2.grad!.data(), 1e-5, 1e-5, `${what}: grad b`);
              else assert.equal(b1.grad, null);
            }
          }
        }
      });
    });
  }

  test('only the inputs that require grad get a gradient; without grad nothing is recorded', () => {
    manualSeed(8);
    const x = randn([4, 3]), w = randn([2, 3]).requiresGrad_(), b = randn([2]);
    linearAct(x, w, b, 'relu').sum().backward();
    assert.deepEqual(w.grad!.shape, [2, 3]);
    assert.equal(x.grad, null);
    assert.equal(b.grad, null);
    assert.equal(linearAct(randn([4, 3]), randn([2, 3]), randn([2])).gradFn, null);
  });

  test('relu gradient is masked where the output is 0', () => {
    // out = [x0 + 1, -x0 - 1] for x0 = 2: [3, 0 after relu]
    const x = tensor([[2]], { requiresGrad: true });
    const w = tensor([[1], [-1]], { requiresGrad: true });
    const b = tensor([1, -1], { requiresGrad: true });
    const y = linearAct(x, w, b, 'relu');
    assert.deepEqual(y.toArray(), [[3, 0]]);
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [[1]]);
    assert.deepEqual(w.grad!.toArray(), [[2], [0]]);
    assert.deepEqual(b.grad!.toArray(), [1, 0]);
  });

  test('mixed dtypes and broadcast biases take the unfused ops', () => {
    const x = tensor([[1, 2]]), w = tensor([[1, 1], [2, 0]]);
    // a [1, N] bias broadcasts through add, as before
    const y = linearAct(x, w, tensor([[10, 20]]));
    assert.deepEqual(y.toArray(), [[13, 22]]);
    assert.notEqual(y.gradFn?.name, 'linearAct');
    assert.throws(() => linearAct(x, w.to('float64')), /^TypeError: matmul: dtypes float32 and float64 differ/);
  });

  test('errors name the op and the shapes', () => {
    assert.throws(() => linearAct(tensor([[1, 2]]), tensor([1, 2])), { message: 'linearAct: weight must be 2-D [outFeatures, inFeatures], got shape [2]' });
    assert.throws(() => linearAct(tensor([[1, 2]]), tensor([[1, 2, 3]])), { message: 'linearAct: input of shape [1,2] does not end in 3 features (weight [1,3])' });
    assert.throws(() => linearAct(tensor([[1]]), tensor([[1]]), null, 'gelu' as 'relu'), { message: "linearAct: unknown activation 'gelu' (use 'none' or 'relu')" });
  });

  test('F.linear and nn.Linear run on the fused op with the same parameters and state dict', () => {
    manualSeed(9);
    const layer = new nn.Linear(5, 3);
    assert.deepEqual([...layer.stateDict().keys()], ['weight', 'bias']);
    const x = randn([4, 5]);
    const y = layer.forward(x);
    assert.equal(y.gradFn?.name, 'linearAct');
    assert.deepEqual(Array.from(y.data()), Array.from(unfused(x, layer.weight, layer.bias, 'none').data()));
    assert.equal(F.linear(x, layer.weight).gradFn?.name, 'linearAct');
  });
});
