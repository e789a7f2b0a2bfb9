/**
 * F.* functional forms: they agree with the layers built over them, their gradients pass finite-difference checks
 * (F.linear, F.batchNorm in training and eval, F.layerNorm), and their errors name the op and the shapes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, manualSeed, noGrad, ones, rand, randn, tensor, zeros, type Tensor } from '../../src/index.js';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d, Dropout, ELU, Embedding, F,
  GELU, LayerNorm, LeakyReLU, Linear, LogSoftmax, MaxPool2d, ReLU, Sigmoid, Softmax, Softplus, Tanh, Unflatten, type Module,
} from '../../src/nn/index.js';
import { gradcheck, rand64 } from '../helpers/gradcheck.js';

const same = (a: Tensor, b: Tensor, what: string) => {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  assert.deepEqual(Array.from(a.data()), Array.from(b.data()), what);
};
const run = (m: Module, x: Tensor) => m.forward(x) as Tensor;

describe('F.* agree with the layers', () => {
  it('linear, convolutions, pooling, embedding', () => {
    const x2 = randn([3, 5]), x3 = randn([2, 4, 9]), x4 = randn([2, 4, 7, 6]);
    const lin = new Linear(5, 2);
    same(F.linear(x2, lin.weight, lin.bias), run(lin, x2), 'linear');
    const linNoBias = new Linear(5, 2, { bias: false });
    same(F.linear(x2, linNoBias.weight), run(linNoBias, x2), 'linear without bias');
    const c1 = new Conv1d(4, 6, 3, { stride: 2, padding: 1, groups: 2 });
    same(F.conv1d(x3, c1.weight, c1.bias, { stride: 2, padding: 1, groups: 2 }), run(c1, x3), 'conv1d');
    const c2 = new Conv2d(4, 3, [3, 2], { padding: [1, 0], dilation: 2 });
    same(F.conv2d(x4, c2.weight, c2.bias, { padding: [1, 0], dilation: 2 }), run(c2, x4), 'conv2d');
    const ct = new ConvTranspose2d(4, 2, 3, { stride: 2, outputPadding: 1 });
    same(F.convTranspose2d(x4, ct.weight, ct.bias, { stride: 2, outputPadding: 1 }), run(ct, x4), 'convTranspose2d');
    const ctDilated = new ConvTranspose2d(4, 2, [2, 3], { dilation: [2, 3], outputPadding: [1, 2] });
    same(F.convTranspose2d(x4, ctDilated.weight, ctDilated.bias, { dilation: [2, 3], outputPadding: [1, 2] }), run(ctDilated, x4),
      'convTranspose2d with outputPadding reaching the stride, below the dilation');
    same(F.maxPool2d(x4, 3, { stride: 2, padding: 1 }), run(new MaxPool2d(3, { stride: 2, padding: 1 }), x4), 'maxPool2d');
    same(F.avgPool2d(x4, 2, { ceilMode: true }), run(new AvgPool2d(2, { ceilMode: true }), x4), 'avgPool2d');
    same(F.adaptiveAvgPool2d(x4, [2, 3]), run(new AdaptiveAvgPool2d([2, 3]), x4), 'adaptiveAvgPool2d');
    const emb = new Embedding(6, 3);
    const idx = tensor([[0, 5], [2, 2]], { dtype: 'int32' });
    same(F.embedding(idx, emb.weight), run(emb, idx), 'embedding');
  });

  it('activations and softmax', () => {
    const x = randn([3, 4]).mul(3);
    const pairs: [Module, Tensor][] = [
      [new ReLU(), F.relu(x)], [new LeakyReLU(0.3), F.leakyRelu(x, 0.3)], [new Sigmoid(), F.sigmoid(x)], [new Tanh(), F.tanh(x)],
      [new GELU(), F.gelu(x)], [new ELU(0.5), F.elu(x, 0.5)], [new Softplus(2, 3), F.softplus(x, 2, 3)],
      [new Softmax(0), F.softmax(x, 0)], [new LogSoftmax(1), F.logSoftmax(x, 1)],
    ];
    for (const [m, expected] of pairs) same(run(m, x), expected, m.constructor.name);
  });

  it('dropout: the same mask from the same seed, identity outside training', () => {
    const x = randn([20, 10]);
    manualSeed(3);
    const a = run(new Dropout(0.4), x);
    manualSeed(3);
    same(F.dropout(x, { p: 0.4 }), a, 'dropout in training');
    same(F.dropout(x, { p: 0.4, training: false }), x, 'dropout outside training');
    same(run(new Dropout(0.4).eval(), x), x, 'Dropout in eval');
  });

  it('dropout keeps x / (1-p) where a uniform draw is below 1-p and zeroes the rest, in float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const p of [0.1, 0.3, 0.7]) {
        const x = randn([5, 9], { dtype });
        const got = F.dropout(x, { p, generator: new Generator(11) }).data();
        const draws = rand([5, 9], { dtype, generator: new Generator(11) });
        const expected = x.mul(draws.lt(1 - p).to(dtype).div(1 - p)).data();
        assert.deepEqual(Array.from(got), Array.from(expected), `${dtype} p ${p}`);
        assert.ok(Array.from(got).some((v) => v === 0) && Array.from(got).some((v) => v !== 0), `${dtype} p ${p}: some kept, some dropped`);
      }
    }
  });

  it('batchNorm: training output and running statistics, then eval, as BatchNorm1d/2d', () => {
    for (const [m, x] of [[new BatchNorm1d(3, { momentum: 0.2 }), randn([5, 3, 4])], [new BatchNorm2d(3, { momentum: 0.2 }), randn([2, 3, 3, 2])]] as const) {
      noGrad(() => {
        m.weight!.copy_(randn([3]));
        m.bias!.copy_(randn([3]));
      });
      const rm = zeros([3]), rv = ones([3]);
      const opts = { runningMean: rm, runningVar: rv, weight: m.weight, bias: m.bias, momentum: 0.2 };
      for (let step = 0; step < 2; step++) {
        const y = F.batchNorm(x.mul(step + 1), { ...opts, training: true });
        same(run(m, x.mul(step + 1)), y, `${m.constructor.name} training step ${step}`);
      }
      same(m.runningMean!, rm, 'running mean');
      same(m.runningVar!, rv, 'running variance');
      same(run(m.eval(), x), F.batchNorm(x, { ...opts, training: false }), `${m.constructor.name} eval`);
    }
  });

  it('batchNorm defaults as PyTorch: eval with running statistics, batch statistics without them', () => {
    const x = randn([6, 3]);
    const rm = randn([3]), rv = randn([3]).abs().add(0.5);
    const before = Array.from(rm.data());
    same(F.batchNorm(x, { runningMean: rm, runningVar: rv }), F.batchNorm(x, { runningMean: rm, runningVar: rv, training: false }), 'with running statistics');
    assert.deepEqual(Array.from(rm.data()), before, 'eval leaves the running statistics alone');
    same(F.batchNorm(x), F.batchNorm(x, { training: true }), 'without running statistics');
  });

  it('layerNorm, as LayerNorm', () => {
    const ln = new LayerNorm([3, 4], { eps: 1e-3 });
    noGrad(() => ln.weight!.copy_(randn([3, 4])));
    const x = randn([2, 3, 4]);
    same(run(ln, x), F.layerNorm(x, [3, 4], ln.weight, ln.bias, 1e-3), 'layerNorm');
  });
});

describe('F.* gradients by finite differences', () => {
  it('linear: input (also a transposed view), weight and bias; 3-D input', () => {
    gradcheck((x, w, b) => F.linear(x, w, b), [rand64([3, 4]), rand64([2, 4]), rand64([2])]);
    gradcheck((x, w, b) => F.linear(x, w, b), [rand64([4, 3]).t(), rand64([4, 2]).t(), rand64([2])]);
    gradcheck((x, w) => F.linear(x, w), [rand64([2, 3, 4]), rand64([5, 4])]);
  });

  it('batchNorm in training: input, weight and bias, for [N, C] and [N, C, H, W]', () => {
    for (const shape of [[5, 3], [2, 3, 2, 3]]) {
      const runningMean = zeros([3], { dtype: 'float64' }), runningVar = ones([3], { dtype: 'float64' });
      gradcheck((x, w, b) => F.batchNorm(x, { weight: w, bias: b, runningMean, runningVar, training: true }), [rand64(shape), rand64([3]), rand64([3])]);
      gradcheck((x) => F.batchNorm(x, { training: true, eps: 1e-3 }), [rand64(shape)]);
    }
  });

  it('batchNorm in eval: input, weight and bias', () => {
    const runningMean = rand64([3]), runningVar = rand64([3], 0.5, 2);
    gradcheck((x, w, b) => F.batchNorm(x, { weight: w, bias: b, runningMean, runningVar, training: false }), [rand64([4, 3, 2]), rand64([3]), rand64([3])]);
  });

  it('layerNorm: input, weight and bias over one and two trailing dims', () => {
    gradcheck((x, w, b) => F.layerNorm(x, [4], w, b), [rand64([3, 4]), rand64([4]), rand64([4])]);
    gradcheck((x, w, b) => F.layerNorm(x, [2, 3], w, b, 1e-3), [rand64([2, 2, 3]), rand64([2, 3]), rand64([2, 3])]);
    gradcheck((x) => F.layerNorm(x, [5]), [rand64([2, 5])]);
  });
});

describe('F.* and layer errors name the op and the shapes', () => {
  it('linear', () => {
    assert.throws(() => F.linear(zeros([2, 3]), zeros([4, 5])), /linear: input of shape \[2,3\] does not end in 5 features \(weight \[4,5\]\)/);
    assert.throws(() => new Linear(0, 3), /Linear: inFeatures must be a positive integer, got 0/);
    assert.throws(() => F.linear(zeros([2, 3]), zeros([3])), /linear: weight must be 2-D \[outFeatures, inFeatures\], got shape \[3\]/);
  });
  it('batchNorm', () => {
    assert.throws(() => F.batchNorm(zeros([1, 3])), /batchNorm: expected more than 1 value per channel when training, got input \[1,3\]/);
    assert.throws(() => F.batchNorm(zeros([4, 3]), { weight: ones([2]) }), /batchNorm: weight of shape \[2\] does not match 3 channels of input \[4,3\]/);
    assert.throws(() => F.batchNorm(zeros([4, 3]), { training: false }), /batchNorm: eval mode needs running statistics/);
    assert.throws(() => new BatchNorm2d(3).forward(zeros([2, 3, 4])), /BatchNorm2d: expected input with 4 dims and 3 channels in dim 1, got shape \[2,3,4\]/);
    assert.throws(() => new BatchNorm1d(3).forward(zeros([2, 4])), /BatchNorm1d: expected input with 2 or 3 dims and 3 channels in dim 1, got shape \[2,4\]/);
  });
  it('Unflatten and Embedding', () => {
    assert.throws(() => new Unflatten(1, [2, 4]).forward(zeros([3, 6])), /Unflatten: sizes \[2,4\] do not multiply up to dim 1 of input \[3,6\]/);
    assert.throws(() => new Unflatten(2, [2, 3]).forward(zeros([3, 6])), /Unflatten: sizes \[2,3\] do not multiply up to dim 2 of input \[3,6\]/);
    assert.deepEqual(new Unflatten(-1, [2, -1]).forward(zeros([3, 6])).shape, [3, 2, 3]);
    assert.throws(() => new Embedding(3, 2).forward(tensor([0, 3], { dtype: 'int32' })), /index 3 is out of bounds for dimension of size 3/);
    assert.throws(() => new Embedding(3, 2).forward(tensor([0, 1])), /embedding: indices must be int32, got float32/);
  });
  it('layerNorm', () => {
    assert.throws(() => F.layerNorm(zeros([2, 3]), [4]), /layerNorm: input of shape \[2,3\] does not end in normalizedShape \[4\]/);
  });
  it('losses', () => {
    assert.throws(() => F.mseLoss(zeros([2, 3]), zeros([3, 2])), /mseLoss: input of shape \[2,3\] and target of shape \[3,2\] must have the same shape/);
    assert.throws(() => F.crossEntropy(zeros([4, 3]), tensor([0, 1, 2], { dtype: 'int32' })), /crossEntropy: input of shape \[4,3\] needs class-index target of shape \[4\], got \[3\]/);
    assert.throws(() => F.crossEntropy(zeros([2, 3]), tensor([0, 3], { dtype: 'int32' })), /crossEntropy: target 3 is out of bounds for 3 classes/);
    assert.throws(() => F.nllLoss(zeros([2, 3]), tensor([0, 1])),
      { name: 'TypeError', message: 'nllLoss: target must be int32 class indices of shape [2]; got a float32 target of shape [2] for a float32 input of shape [2,3]' });
    // float labels [N]: both readings named, with both shapes and dtypes (a TypeError: the shape fits class indices)
    assert.throws(() => F.crossEntropy(zeros([4, 6]), tensor([0, 1, 2, 5])),
      { name: 'TypeError', message: "crossEntropy: target must be int32 class indices of shape [4] or class probabilities of the input's shape [4,6]; got a float32 target of shape [4] for a float32 input of shape [4,6]" });
    // a float target that fits neither reading is a RangeError
    assert.throws(() => F.crossEntropy(zeros([4, 6]), zeros([4, 5])),
      { name: 'RangeError', message: "crossEntropy: target must be int32 class indices of shape [4] or class probabilities of the input's shape [4,6]; got a float32 target of shape [4,5] for a float32 input of shape [4,6]" });
    // probability targets of the input's shape work (PyTorch 1.10+): uniform q over 6 classes of zero logits gives log 6
    assert.ok(Math.abs((F.crossEntropy(zeros([4, 6]), ones([4, 6]).div(6)).item() as number) - Math.log(6)) < 1e-6);
    assert.throws(() => F.nllLoss(zeros([2, 3]), tensor([0, 1], { dtype: 'int32' }), { weight: ones([2]) }), /nllLoss: weight of shape \[2\] must be \[3\]/);
    assert.throws(() => F.binaryCrossEntropy(tensor([0.5, 1.5]), tensor([0, 1])), /binaryCrossEntropy: input must be probabilities in \[0, 1\], got values from 0.5 to 1.5/);
    for (const [name, f] of [
      ['mseLoss', () => F.mseLoss(zeros([2]), zeros([2]), { reduction: 'avg' as 'mean' })],
      ['nllLoss', () => F.nllLoss(zeros([2, 3]), tensor([0, 1], { dtype: 'int32' }), { reduction: 'avg' as 'mean' })],
      ['crossEntropy', () => F.crossEntropy(zeros([2, 3]), tensor([0, 1], { dtype: 'int32' }), { reduction: 'avg' as 'mean', labelSmoothing: 0.1 })],
      ['crossEntropy', () => F.crossEntropy(zeros([2, 3]), zeros([2, 3]), { reduction: 'avg' as 'mean' })],
    ] as const) {
      assert.throws(f, new RegExp(`${name}: reduction must be 'mean', 'sum' or 'none', got 'avg'`));
    }
    assert.throws(() => F.smoothL1Loss(zeros([2]), zeros([2]), { beta: -1 }), /smoothL1Loss: beta must be >= 0, got -1/);
    assert.throws(() => F.huberLoss(zeros([2]), zeros([2]), { delta: 0 }), /huberLoss: delta must be > 0, got 0/);
    assert.throws(() => F.crossEntropy(zeros([2, 3]), zeros([2, 3]), { weight: ones([4]) }), /crossEntropy: weight of shape \[4\] must be \[3\]/);
  });
});
