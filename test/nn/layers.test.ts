/**
 * Every built-in layer against PyTorch 1.13 (test/fixtures/nn.json): the layer is built with Myelin's constructor,
 * converted to float64, loaded with PyTorch's state_dict through loadStateDict (strict, so the names must be
 * PyTorch's), and run on the fixture's inputs. Outputs, the gradients of sum(output * R) for the input and every
 * parameter, and the state after the last step (BatchNorm's running statistics) must all agree.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualSeed, noGrad, randn, type Tensor } from '../../src/index.js';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d, Dropout, ELU, Embedding,
  Flatten, GELU, Identity, LayerNorm, LeakyReLU, Linear, LogSoftmax, MaxPool2d, ReLU, Sigmoid, Softmax, Softplus, Tanh,
  Unflatten, moduleFromConfig, type Module,
} from '../../src/nn/index.js';
import * as nn from '../../src/nn/index.js';
import { toTensor, type Tolerance } from '../fixtures/fixtures.js';
import { expectTensor, loadNnFixtures, stateFromFixture, type LayerCase } from './nn-fixtures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = any;

/** Fixture type -> the Myelin constructor call, arguments as a user would write them. */
const BUILD: Record<string, (a: Args) => Module> = {
  Linear: (a) => new Linear(a.inFeatures, a.outFeatures, { bias: a.bias }),
  Conv1d: (a) => new Conv1d(a.inChannels, a.outChannels, a.kernelSize, a),
  Conv2d: (a) => new Conv2d(a.inChannels, a.outChannels, a.kernelSize, a),
  ConvTranspose2d: (a) => new ConvTranspose2d(a.inChannels, a.outChannels, a.kernelSize, a),
  MaxPool2d: ({ kernelSize, ...o }) => new MaxPool2d(kernelSize, o),
  AvgPool2d: ({ kernelSize, ...o }) => new AvgPool2d(kernelSize, o),
  AdaptiveAvgPool2d: (a) => new AdaptiveAvgPool2d(a.outputSize),
  Flatten: (a) => new Flatten(a.startDim, a.endDim),
  Unflatten: (a) => new Unflatten(a.dim, a.unflattenedSize),
  BatchNorm1d: ({ numFeatures, ...o }) => new BatchNorm1d(numFeatures, o),
  BatchNorm2d: ({ numFeatures, ...o }) => new BatchNorm2d(numFeatures, o),
  LayerNorm: ({ normalizedShape, ...o }) => new LayerNorm(normalizedShape, o),
  Embedding: (a) => new Embedding(a.numEmbeddings, a.embeddingDim),
  Dropout: (a) => new Dropout(a.p),
  ReLU: () => new ReLU(),
  LeakyReLU: (a) => new LeakyReLU(a.negativeSlope),
  Sigmoid: () => new Sigmoid(),
  Tanh: () => new Tanh(),
  GELU: () => new GELU(),
  ELU: (a) => new ELU(a.alpha),
  Softplus: (a) => new Softplus(a.beta, a.threshold),
  Softmax: (a) => new Softmax(a.dim),
  LogSoftmax: (a) => new LogSoftmax(a.dim),
  Identity: () => new Identity(),
};

/** float64 throughout; the largest sums are a few dozen products. */
const TOL: Tolerance = { atol: 1e-10, rtol: 1e-9 };

/** Builds the case's layer in float64 with PyTorch's state loaded. */
export function buildLoaded(c: LayerCase): Module {
  const build = BUILD[c.type];
  assert.ok(build, `${c.name}: no Myelin constructor for '${c.type}'`);
  const m = build(c.args).to('float64');
  m.train(c.mode === 'train');
  const result = m.loadStateDict(stateFromFixture(c.state));
  assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
  return m;
}

/** Runs the case's steps on m, checking outputs, gradients and the final state. */
function runLayerCase(c: LayerCase, m: Module): void {
  const params = new Map(m.namedParameters());
  for (const [k, step] of c.steps.entries()) {
    const what = `${c.name} step ${k}`;
    const x = toTensor(step.input);
    if (x.dtype === 'float64') x.requiresGrad = true;
    m.zeroGrad();
    const out = m.forward(x) as Tensor;
    expectTensor(out, step.output, TOL, `${what}: output`);
    out.mul(toTensor(step.weight)).sum().backward();
    for (const [name, g] of Object.entries(step.grads)) {
      const got = name === 'input' ? x.grad : params.get(name)?.grad;
      expectTensor(got, g, TOL, `${what}: gradient of ${name}`);
    }
  }
  const after = m.stateDict();
  assert.deepEqual([...after.keys()], Object.keys(c.stateAfter), `${c.name}: state-dict keys after the steps`);
  for (const [k, v] of Object.entries(c.stateAfter)) expectTensor(after.get(k), v, TOL, `${c.name}: ${k} after ${c.steps.length} steps`);
}

const fixtures = loadNnFixtures();

describe(`nn layers against PyTorch ${fixtures.torch}`, () => {
  it('has a case for every layer nn exports (containers: module.test; RandomShift, which PyTorch lacks: augment.test; activations from layers.json: activations-fixtures.test)', () => {
    const elsewhere = ['Sequential', 'ModuleList', 'ModuleDict', 'RandomShift', 'SiLU', 'Mish', 'Hardswish', 'Hardsigmoid', 'Hardtanh', 'ReLU6', 'Softsign', 'LogSigmoid'];
    const layers = Object.entries(nn)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof nn.Module)
      .map(([k]) => k)
      .filter((k) => !elsewhere.includes(k));
    assert.deepEqual(layers.sort(), Object.keys(BUILD).sort());
  });

  it('covers every layer type the fixtures have, and has fixtures for every type in the table', () => {
    const inFixtures = new Set(fixtures.layers.map((c) => c.type));
    assert.deepEqual([...inFixtures].filter((t) => !(t in BUILD)), []);
    assert.deepEqual(Object.keys(BUILD).filter((t) => !inFixtures.has(t)), []);
  });

  for (const c of fixtures.layers) {
    it(c.name, () => {
      const m = buildLoaded(c);
      // parameter and buffer names are PyTorch's, in its order
      assert.deepEqual([...m.stateDict().keys()], Object.keys(c.state), `${c.name}: state-dict keys`);
      const gradNames = Object.keys(c.steps[0].grads).filter((n) => n !== 'input');
      assert.deepEqual(m.namedParameters().map(([n]) => n), gradNames, `${c.name}: parameter names`);
      runLayerCase(c, m);
    });
  }

  describe('config() and moduleFromConfig rebuild each layer with the same behaviour', () => {
    for (const c of fixtures.layers) {
      it(c.name, () => {
        const original = buildLoaded(c);
        const config = JSON.parse(JSON.stringify(original.config())) as ReturnType<Module['config']>;
        assert.equal(config.type, c.type);
        const rebuilt = moduleFromConfig(config).to('float64');
        assert.equal(rebuilt.constructor, original.constructor);
        assert.deepEqual(rebuilt.config(), config, `${c.name}: the rebuilt layer describes itself the same way`);
        rebuilt.train(c.mode === 'train');
        rebuilt.loadStateDict(noGrad(() => new Map([...original.stateDict()].map(([k, v]) => [k, v.clone()]))));
        runLayerCase(c, rebuilt);
      });
    }
  });
});

describe('Sequential runs Linear + ReLU as one fused op', () => {
  it('gives the same outputs and gradients as the layers called in turn, bit for bit', () => {
    manualSeed(3);
    const net = new nn.Sequential(new nn.Linear(7, 5), new nn.ReLU(), new nn.Linear(5, 3), new nn.ReLU());
    const x = randn([4, 7]);
    const fused = net.forward(x);
    fused.sum().backward();
    const fusedGrads = net.parameters().map((p) => p.grad!.data());
    net.zeroGrad();
    let h: Tensor = x;
    for (const m of net.children()) h = m.forward(h) as Tensor;
    assert.deepEqual(fused.data(), h.data());
    h.sum().backward();
    net.parameters().forEach((p, i) => assert.deepEqual(p.grad!.data(), fusedGrads[i]));
    // some units are off, so the ReLU's gradient mask matters
    assert.ok(fused.data().some((v) => v === 0));
  });

  it('leaves a ReLU subclass, or a Linear not followed by a ReLU, to its own forward', () => {
    let calls = 0;
    class CountingReLU extends nn.ReLU {
      override forward(x: Tensor): Tensor {
        calls++;
        return super.forward(x);
      }
    }
    const net = new nn.Sequential(new nn.Linear(3, 2), new CountingReLU(), new nn.Linear(2, 2), new nn.Sigmoid());
    net.forward(randn([2, 3]));
    assert.equal(calls, 1);
  });
});
