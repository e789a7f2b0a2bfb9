/**
 * Weight initialisation against torch.nn.init (the 'init' section of test/fixtures/nn.json): gains and fans exactly,
 * the samplers' bounds and spread on a 300x200 tensor, and the layers' default initialisation (kaiming_uniform with
 * a = sqrt(5), so weights and biases lie within 1/sqrt(fanIn)).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, manualSeed, zeros, type Tensor } from '../../src/index.js';
import { BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d, Embedding, LayerNorm, Linear, Parameter, init, type Module } from '../../src/nn/index.js';
import { loadNnFixtures } from './nn-fixtures.js';

interface InitFixtures {
  gains: [init.Nonlinearity, number | null, number][];
  fans: { shape: number[]; fanIn: number; fanOut: number }[];
  samplers: { fn: 'xavierUniform' | 'xavierNormal' | 'kaimingUniform' | 'kaimingNormal'; args: Record<string, unknown>; shape: number[]; std: number; absMax: number }[];
  layers: { type: string; args: Record<string, number>; weightShape: number[]; fanIn: number; weightStd: number; weightAbsMax: number; biasAbsMax: number }[];
}

const fx = (loadNnFixtures() as unknown as { init: InitFixtures }).init;

function stats(t: Tensor): { mean: number; std: number; absMax: number } {
  const d = t.data();
  let s = 0, s2 = 0, m = 0;
  for (const v of d) {
    s += v;
    s2 += v * v;
    m = Math.max(m, Math.abs(v));
  }
  const mean = s / d.length;
  return { mean, std: Math.sqrt(s2 / d.length - mean * mean), absMax: m };
}

const near = (a: number, e: number, rel: number, what: string) => assert.ok(Math.abs(a - e) <= rel * Math.abs(e), `${what}: ${a} is not within ${rel * 100}% of ${e}`);

describe('init against torch.nn.init', () => {
  it('calculateGain gives PyTorch gain for every nonlinearity', () => {
    for (const [name, param, gain] of fx.gains) {
      assert.ok(Math.abs(init.calculateGain(name, param ?? undefined) - gain) < 1e-15, `${name}(${param}): ${init.calculateGain(name, param ?? undefined)} != ${gain}`);
    }
  });

  it('calculateFans gives PyTorch fan in and fan out, and refuses tensors with fewer than 2 dims', () => {
    for (const { shape, fanIn, fanOut } of fx.fans) assert.deepEqual(init.calculateFans(zeros(shape)), { fanIn, fanOut }, `[${shape}]`);
    assert.throws(() => init.calculateFans(zeros([5])), /init: fan in and fan out need a tensor with at least 2 dims, got shape \[5\]/);
  });

  for (const s of fx.samplers) {
    it(`${s.fn}(${JSON.stringify(s.args)}): same spread as PyTorch, uniform ones within the same bound`, () => {
      manualSeed(11);
      const t = zeros(s.shape, { dtype: 'float64' });
      const a = s.args as { gain?: number } & init.KaimingOptions;
      const out = s.fn === 'xavierUniform' || s.fn === 'xavierNormal' ? init[s.fn](t, a.gain) : init[s.fn](t, a);
      assert.equal(out, t, 'fills in place and returns the tensor');
      const got = stats(t);
      assert.ok(Math.abs(got.mean) < 0.02 * s.std, `mean ${got.mean}`);
      near(got.std, s.std, 0.02, 'standard deviation');
      if (s.fn.endsWith('Uniform')) {
        // torch's largest of 60,000 draws is within 0.01% of the bound; Myelin's must reach it and not pass it
        assert.ok(got.absMax <= s.absMax * 1.001, `largest |w| ${got.absMax} exceeds PyTorch's bound ${s.absMax}`);
        assert.ok(got.absMax >= s.absMax * 0.999, `largest |w| ${got.absMax} falls short of PyTorch's ${s.absMax}`);
      }
    });
  }

  for (const l of fx.layers) {
    it(`${l.type}: default weights and bias as PyTorch's reset_parameters (kaiming_uniform, a = sqrt(5))`, () => {
      manualSeed(3);
      const a = l.args;
      const layers: Record<string, () => Module & { weight: Parameter; bias: Parameter | null }> = {
        Linear: () => new Linear(a.inFeatures, a.outFeatures),
        Conv1d: () => new Conv1d(a.inChannels, a.outChannels, a.kernelSize),
        Conv2d: () => new Conv2d(a.inChannels, a.outChannels, a.kernelSize),
        ConvTranspose2d: () => new ConvTranspose2d(a.inChannels, a.outChannels, a.kernelSize),
      };
      const m = layers[l.type]();
      assert.deepEqual(m.weight.shape, l.weightShape);
      assert.equal(init.calculateFans(m.weight).fanIn, l.fanIn);
      const bound = Math.sqrt(3) * init.calculateGain('leaky_relu', Math.sqrt(5)) / Math.sqrt(l.fanIn);
      near(bound, 1 / Math.sqrt(l.fanIn), 1e-12, 'kaiming_uniform(a=sqrt(5)) bound');
      const w = stats(m.weight);
      near(w.std, l.weightStd, 0.03, 'weight standard deviation');
      assert.ok(w.absMax <= bound * (1 + 1e-6) && w.absMax >= l.weightAbsMax * 0.99, `largest |w| ${w.absMax}, bound ${bound}`);
      const b = stats(m.bias!);
      assert.ok(b.absMax <= bound * (1 + 1e-6) && b.absMax >= 0.8 * bound, `largest |b| ${b.absMax}, bound ${bound}`);
      assert.ok(l.biasAbsMax <= bound * (1 + 1e-6), 'PyTorch bias obeys the same bound');
      assert.ok(m.weight.requiresGrad && m.weight.isLeaf);
    });
  }
});

describe('init: other defaults and helpers', () => {
  it('Embedding draws N(0, 1); norm layers start at weight 1, bias 0, running variance 1', () => {
    manualSeed(5);
    const e = stats(new Embedding(1000, 64).weight);
    assert.ok(Math.abs(e.mean) < 0.02 && Math.abs(e.std - 1) < 0.02, `mean ${e.mean}, std ${e.std}`);
    const ln = new LayerNorm([3, 4]);
    assert.ok(ln.weight!.data().every((v) => v === 1) && ln.bias!.data().every((v) => v === 0));
    const bn = new BatchNorm2d(3);
    assert.deepEqual([bn.weight, bn.bias, bn.runningMean, bn.runningVar].map((t) => Array.from(t!.data())), [[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
  });

  it('uniform, normal, constant, zeros and ones fill in place, also a Parameter that requires grad', () => {
    const p = new Parameter(zeros([50, 40]));
    init.uniform(p, -0.5, 2);
    const u = stats(p);
    assert.ok(u.absMax <= 2 && p.data().every((v) => v >= -0.5 && v < 2));
    near(u.mean, 0.75, 0.05, 'uniform mean');
    init.normal(p, 3, 0.5);
    near(stats(p).mean, 3, 0.01, 'normal mean');
    near(stats(p).std, 0.5, 0.05, 'normal std');
    assert.ok(init.constant(p, 0.3).data().every((v) => Math.abs(v - 0.3) < 1e-7));
    assert.ok(init.zeros(p).data().every((v) => v === 0));
    assert.ok(init.ones(p).data().every((v) => v === 1));
    assert.ok(p.requiresGrad && p.isLeaf && p.gradFn === null);
  });

  it('draws from a given generator reproducibly, and refuses integer tensors', () => {
    const a = init.kaimingNormal(zeros([4, 5]), { generator: new Generator(9) });
    const b = init.kaimingNormal(zeros([4, 5]), { generator: new Generator(9) });
    assert.deepEqual(Array.from(a.data()), Array.from(b.data()));
    const c = init.xavierUniform(zeros([4, 5]), 1, new Generator(9));
    const d = init.xavierUniform(zeros([4, 5]), 1, new Generator(9));
    assert.deepEqual(Array.from(c.data()), Array.from(d.data()));
    assert.throws(() => init.normal(zeros([3], { dtype: 'int32' })), /init: needs a floating point tensor, got int32/);
  });
});
