/**
 * What layer classes declare about themselves (registerLayer): every exported layer and container declares the name
 * it is exported under and rebuilds from its own config; the loader's hostile-file check and Sequential's early
 * release read the declarations; user-defined modules keep their registerModule path and may declare themselves too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualSeed, noGrad, randn, type Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { keepsTensors, layerDeclaration } from '../../src/nn/registry.js';
import { CONFIG_KEY, decodeSafetensors, encodeSafetensors, modelFromBytes, modelToBytes } from '../../src/io/index.js';

/** One instance of every exported Module class, built with arguments other than the defaults where it has some. */
const SAMPLES: Record<string, () => nn.Module> = {
  Linear: () => new nn.Linear(3, 2, { bias: false }),
  Conv1d: () => new nn.Conv1d(2, 4, 3, { stride: 2, groups: 2 }),
  Conv2d: () => new nn.Conv2d(2, 4, [3, 1], { padding: 'same', dilation: [1, 2] }),
  ConvTranspose2d: () => new nn.ConvTranspose2d(2, 4, 3, { stride: 2, outputPadding: 1 }),
  MaxPool2d: () => new nn.MaxPool2d(2, { stride: 1, ceilMode: true }),
  AvgPool2d: () => new nn.AvgPool2d(3, { padding: 1, countIncludePad: false }),
  AdaptiveAvgPool2d: () => new nn.AdaptiveAvgPool2d([2, 3]),
  Flatten: () => new nn.Flatten(0, 2),
  Unflatten: () => new nn.Unflatten(1, [2, -1]),
  Dropout: () => new nn.Dropout(0.3),
  BatchNorm1d: () => new nn.BatchNorm1d(3, { momentum: null, affine: false }),
  BatchNorm2d: () => new nn.BatchNorm2d(3, { eps: 1e-3, trackRunningStats: false }),
  LayerNorm: () => new nn.LayerNorm([2, 3], { eps: 1e-6 }),
  Embedding: () => new nn.Embedding(5, 2),
  Identity: () => new nn.Identity(),
  ReLU: () => new nn.ReLU(),
  Sigmoid: () => new nn.Sigmoid(),
  Tanh: () => new nn.Tanh(),
  GELU: () => new nn.GELU(),
  LeakyReLU: () => new nn.LeakyReLU(0.2),
  ELU: () => new nn.ELU(0.5),
  Softplus: () => new nn.Softplus(2, 10),
  SiLU: () => new nn.SiLU(),
  Mish: () => new nn.Mish(),
  Hardswish: () => new nn.Hardswish(),
  Hardsigmoid: () => new nn.Hardsigmoid(),
  Hardtanh: () => new nn.Hardtanh(-2, 3),
  ReLU6: () => new nn.ReLU6(),
  Softsign: () => new nn.Softsign(),
  LogSigmoid: () => new nn.LogSigmoid(),
  Softmax: () => new nn.Softmax(1),
  LogSoftmax: () => new nn.LogSoftmax(0),
  RandomShift: () => new nn.RandomShift(2),
  Sequential: () => new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Sequential(new nn.Tanh())),
  ModuleList: () => new nn.ModuleList([new nn.Tanh(), new nn.Linear(1, 1)]),
  ModuleDict: () => new nn.ModuleDict({ head: new nn.Identity(), boxReg: new nn.Linear(2, 1) }),
};

/** Exported classes whose instances may keep references to their tensors (Sequential releases nothing around them). */
const KEEPING = ['ModuleList', 'ModuleDict', 'RandomShift'];

const exported = Object.entries(nn).filter(([, v]) => typeof v === 'function' && v.prototype instanceof nn.Module) as [string, Function][];

describe('layers declare themselves', () => {
  it('has a sample for every Module class nn exports', () => {
    assert.deepEqual(exported.map(([k]) => k).sort(), Object.keys(SAMPLES).sort());
  });

  for (const [name, cls] of exported) {
    it(`${name} declares the name it is exported under and round-trips config -> moduleFromConfig -> config`, () => {
      manualSeed(1);
      const m = SAMPLES[name]();
      assert.equal(m.constructor, cls);
      assert.equal(layerDeclaration(name)?.type, name, 'declared under its exported name');
      assert.equal(nn.moduleTypeName(m), name);
      assert.ok(m.repr().startsWith(`${name}(`), m.repr());
      const config = JSON.parse(JSON.stringify(m.config())) as nn.ModuleConfig;
      assert.equal(config.type, name);
      const rebuilt = nn.moduleFromConfig(config);
      assert.equal(rebuilt.constructor, cls);
      assert.deepEqual(rebuilt.config(), config);
      assert.equal(rebuilt.repr(), m.repr());
      assert.deepEqual([...rebuilt.stateDict().keys()], [...m.stateDict().keys()]);
      assert.equal(keepsTensors(m), KEEPING.includes(name), 'keeps references to its tensors');
    });
  }

  it('a config without the args a layer needs is refused by name', () => {
    assert.throws(() => nn.moduleFromConfig({ type: 'Linear' }), /^Error: moduleFromConfig: Linear needs "args"/);
    // activations' arguments all have defaults
    assert.deepEqual(nn.moduleFromConfig({ type: 'LeakyReLU' }).config(), { type: 'LeakyReLU', args: { negativeSlope: 0.01 } });
  });

  it('a subclass is the user\'s: its own name in toString(), its parent\'s config, and no early release', () => {
    class Traced extends nn.Linear {}
    const t = new Traced(2, 3);
    assert.equal(nn.moduleTypeName(t), 'Traced');
    assert.match(t.repr(), /^Traced\(inFeatures=2/);
    assert.deepEqual(t.config(), new nn.Linear(2, 3).config());
    assert.equal(keepsTensors(t), true);
    assert.equal(keepsTensors(new nn.Sequential(new nn.ReLU(), t)), true);
    // a forward replaced on the instance may keep what it sees, too
    const relu = new nn.ReLU();
    relu.forward = (x: Tensor) => x;
    assert.equal(keepsTensors(relu), true);
  });

  it('registerLayer refuses a class declared twice and a type name another class declared', () => {
    class Twice extends nn.Module {
      forward(x: Tensor): Tensor { return x; }
    }
    nn.registerLayer(Twice, { type: 'test.Twice', config: () => ({}), fromConfig: () => new Twice() });
    assert.throws(() => nn.registerLayer(Twice, { type: 'test.Twice2', config: () => ({}), fromConfig: () => new Twice() }), /this class already declares type 'test\.Twice'/);
    class Other extends nn.Module {
      forward(x: Tensor): Tensor { return x; }
    }
    assert.throws(() => nn.registerLayer(Other, { type: 'Linear', config: () => ({}), fromConfig: () => new Other() }), /type 'Linear' is already declared by another class/);
  });
});

/** A user's layer declared in one call: it prints, saves and loads by its declared name, and Sequential may release around it. */
class Shift extends nn.Module {
  bias: nn.Parameter;
  constructor(readonly n: number) {
    super();
    this.bias = new nn.Parameter(randn([n]));
  }
  forward(x: Tensor): Tensor {
    return x.add(this.bias);
  }
}
nn.registerLayer(Shift, {
  type: 'test.Shift',
  config: (m) => ({ args: { n: m.n } }),
  fromConfig: ({ args }) => new Shift(args.n as number),
  needsArgs: true,
  keepsTensors: false,
  allocates: (a) => (typeof a.n === 'number' ? a.n : 0),
});

describe('a user-defined layer declared with registerLayer', () => {
  it('describes itself, round-trips through a model file and keeps nothing', () => {
    manualSeed(2);
    const model = new nn.Sequential(new nn.Linear(3, 4), new Shift(4), new nn.ReLU());
    assert.match(model.repr(), /\(1\): test\.Shift\(\)/);
    assert.equal(keepsTensors(model), false);
    const loaded = modelFromBytes(modelToBytes(model)).model;
    assert.ok((loaded as nn.Sequential).at(1) instanceof Shift);
    const x = randn([2, 3]);
    assert.deepEqual(Array.from(noGrad(() => loaded.forward(x) as Tensor).data()), Array.from(noGrad(() => model.forward(x)).data()));
  });

  it('its declared allocation bound and needed args guard the loader', () => {
    // the weights of a Shift(3) with another config in the metadata
    const { tensors, metadata } = decodeSafetensors(modelToBytes(new Shift(3)));
    const forged = (config: unknown) => encodeSafetensors(tensors, { ...metadata, [CONFIG_KEY]: JSON.stringify(config) });
    assert.throws(() => modelFromBytes(forged({ type: 'test.Shift', args: { n: 1e9 } })), /at least 1,000,000,000 parameter values, but the file holds only 3/);
    assert.throws(() => modelFromBytes(forged({ type: 'test.Shift' })), /invalid architecture config: the root module \(test\.Shift\) has no "args"/);
    assert.ok(modelFromBytes(forged({ type: 'test.Shift', args: { n: 3 } })).model instanceof Shift);
  });
});
