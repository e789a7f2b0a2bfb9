/**
 * Module behaviour: names (PyTorch's dotted snake_case), children, train/eval, state dicts with buffers, strict and
 * non-strict loading, apply, dtype conversion, toString, and config round trips through nested containers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualSeed, noGrad, ones, randn, tensor, zeros, type Tensor } from '../../src/index.js';
import {
  BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, Embedding, Flatten, LayerNorm, Linear, MaxPool2d, Module, ModuleDict,
  ModuleList, Parameter, ReLU, Sequential, moduleFromConfig, registerModule, type ModuleConfig,
} from '../../src/nn/index.js';

class Encoder extends Module {
  fc1 = new Linear(4, 3);
  fc2 = new Linear(3, 2, { bias: false });
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).relu());
  }
}

/** A custom model with camelCase properties, a buffer, a ModuleDict and a Sequential. */
class Net extends Module {
  encoder = new Encoder();
  batchNorm = new BatchNorm1d(2);
  heads = new ModuleDict({ cls: new Linear(2, 5), boxReg: new Sequential(new Linear(2, 2), new ReLU()) });
  scale = new Parameter(ones([1]));
  constructor() {
    super();
    this.registerBuffer('stepCount', zeros([2]));
  }
  forward(x: Tensor): Tensor {
    return (this.heads.get('cls').forward(this.batchNorm.forward(this.encoder.forward(x))) as Tensor).mul(this.scale);
  }
}

/** A Module subclass that can describe itself, so it can sit inside a saved Sequential. */
class Scale extends Module {
  weight: Parameter;
  constructor(readonly n: number) {
    super();
    this.weight = new Parameter(randn([n]));
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.weight);
  }
  override config(): ModuleConfig {
    return { type: 'test.Scale', args: { n: this.n } };
  }
}
registerModule('test.Scale', (c) => new Scale(c.args!.n as number));

describe('Module: names and structure', () => {
  it('namedParameters gives dotted PyTorch names: snake_case properties, ModuleDict keys as given, Sequential indices', () => {
    const net = new Net();
    // as PyTorch, a module's own parameters come before its children's
    assert.deepEqual(net.namedParameters().map(([n]) => n), [
      'scale', 'encoder.fc1.weight', 'encoder.fc1.bias', 'encoder.fc2.weight', 'batch_norm.weight', 'batch_norm.bias',
      'heads.cls.weight', 'heads.cls.bias', 'heads.boxReg.0.weight', 'heads.boxReg.0.bias',
    ]);
    assert.equal(net.parameters().length, 10);
    assert.equal(net.parameters()[0], net.scale);
  });

  it('Sequential children are named 0, 1, ... and nested ones get dotted prefixes', () => {
    const seq = new Sequential(new Linear(2, 3), new ReLU(), new Sequential(new Linear(3, 3), new Linear(3, 1)));
    assert.deepEqual(seq.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '2.0.weight', '2.0.bias', '2.1.weight', '2.1.bias']);
    assert.equal(seq.length, 3);
    assert.ok(seq.at(-1) instanceof Sequential);
    assert.throws(() => seq.at(3), /Sequential: index 3 is out of range for 3 layers/);
    const list = new ModuleList([new Linear(1, 1), new Linear(1, 2)]);
    assert.deepEqual(list.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.weight', '1.bias']);
    assert.deepEqual([...list].map((m) => (m as Linear).outFeatures), [1, 2]);
  });

  it('children() are the direct sub-modules in assignment order; modules() walks depth first', () => {
    const net = new Net();
    assert.deepEqual(net.children(), [net.encoder, net.batchNorm, net.heads]);
    assert.deepEqual(net.namedChildren().map(([k]) => k), ['encoder', 'batchNorm', 'heads']);
    assert.deepEqual(net.namedModules().map(([k]) => k), [
      '', 'encoder', 'encoder.fc1', 'encoder.fc2', 'batch_norm', 'heads', 'heads.cls', 'heads.boxReg', 'heads.boxReg.0', 'heads.boxReg.1',
    ]);
    assert.equal(net.modules().length, 10);
    assert.deepEqual(new ReLU().children(), []);
  });

  it('lists a shared (tied) parameter once, as PyTorch, while the state dict keeps both names', () => {
    const a = new Linear(3, 3), b = new Linear(3, 3);
    b.weight = a.weight;
    const tied = new Sequential(a, b);
    assert.deepEqual(tied.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.bias']);
    assert.deepEqual([...tied.stateDict().keys()], ['0.weight', '0.bias', '1.weight', '1.bias']);
    assert.equal(tied.numParameters(), 9 + 3 + 3);
  });

  it('ModuleDict refuses names that would break state-dict keys or shadow methods', () => {
    assert.throws(() => new ModuleDict({ 'a.b': new ReLU() }), /ModuleDict: key 'a\.b' must be non-empty and contain no '\.'/);
    assert.throws(() => new ModuleDict({ forward: new ReLU() }), /ModuleDict: 'forward' is a reserved name/);
    assert.throws(() => new ModuleDict({ training: new ReLU() }), /reserved/);
    const d = new ModuleDict({ x: new ReLU() });
    assert.deepEqual(d.keys(), ['x']);
    assert.throws(() => d.get('y'), /ModuleDict: no module named 'y'/);
  });
});

describe('Module: train and eval', () => {
  it('train()/eval() reach every descendant and return the module', () => {
    const net = new Net();
    assert.ok(net.modules().every((m) => m.training));
    assert.equal(net.eval(), net);
    assert.ok(net.modules().every((m) => !m.training));
    net.train();
    assert.ok(net.modules().every((m) => m.training));
    net.heads.train(false);
    assert.deepEqual(net.namedModules().filter(([, m]) => !m.training).map(([k]) => k), ['heads', 'heads.cls', 'heads.boxReg', 'heads.boxReg.0', 'heads.boxReg.1']);
  });

  it('Dropout zeroes about p of the elements and scales the rest by 1/(1-p) in training, and is the identity in eval', () => {
    manualSeed(7);
    const drop = new Dropout(0.3);
    const x = ones([200, 100]);
    const y = drop.forward(x).data();
    const zerosCount = y.filter((v) => v === 0).length;
    assert.ok(Math.abs(zerosCount / y.length - 0.3) < 0.015, `zeroed fraction ${zerosCount / y.length}`);
    assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6), 'kept elements are scaled by 1/(1-p)');
    drop.eval();
    assert.deepEqual(Array.from(drop.forward(x).data()), Array.from(x.data()));
    assert.throws(() => new Dropout(1.5), /Dropout: probability must be in \[0, 1\], got 1.5/);
  });

  it('BatchNorm normalises with batch statistics in training and with running ones in eval', () => {
    const bn = new BatchNorm1d(3).to('float64');
    const x = randn([8, 3], { dtype: 'float64' }).mul(3).add(2);
    const yTrain = bn.forward(x);
    // each channel of the training output has mean 0 and (biased) variance ~1
    const m = yTrain.mean(0).data(), v = yTrain.var(0, { correction: 0 }).data();
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(m[c]) < 1e-12);
      assert.ok(Math.abs(v[c] - 1) < 1e-3);
    }
    assert.equal(bn.numBatchesTracked!.item(), 1);
    bn.eval();
    const yEval = bn.forward(x);
    const rm = bn.runningMean!, rv = bn.runningVar!;
    const expected = x.sub(rm).div(rv.add(1e-5).sqrt());
    assert.deepEqual(Array.from(yEval.data(), (a) => a.toFixed(12)), Array.from(expected.data(), (a) => a.toFixed(12)));
    assert.equal(bn.numBatchesTracked!.item(), 1, 'eval does not count batches');
  });
});

describe('Module: state dicts', () => {
  it('includes buffers under PyTorch names, each module own entries before its children', () => {
    const net = new Net();
    const keys = [...net.stateDict().keys()];
    assert.deepEqual(keys, [
      'scale', 'step_count',
      'encoder.fc1.weight', 'encoder.fc1.bias', 'encoder.fc2.weight',
      'batch_norm.weight', 'batch_norm.bias', 'batch_norm.running_mean', 'batch_norm.running_var', 'batch_norm.num_batches_tracked',
      'heads.cls.weight', 'heads.cls.bias', 'heads.boxReg.0.weight', 'heads.boxReg.0.bias',
    ]);
    assert.deepEqual(net.namedBuffers().map(([k]) => k), ['step_count', 'batch_norm.running_mean', 'batch_norm.running_var', 'batch_norm.num_batches_tracked']);
    assert.equal(net.stateDict().get('batch_norm.num_batches_tracked')!.dtype, 'int32');
    assert.deepEqual([...new BatchNorm2d(4, { trackRunningStats: false }).stateDict().keys()], ['weight', 'bias']);
    assert.deepEqual([...new BatchNorm2d(4, { affine: false }).stateDict().keys()], ['running_mean', 'running_var', 'num_batches_tracked']);
  });

  it('state-dict entries are detached views of the live parameters', () => {
    const lin = new Linear(2, 2);
    const w = lin.stateDict().get('weight')!;
    assert.equal(w.requiresGrad, false);
    noGrad(() => lin.weight.add_(1));
    assert.deepEqual(Array.from(w.data()), Array.from(lin.weight.data()));
  });

  it('loadStateDict copies values into another model, from a Map or a plain object', () => {
    const a = new Net(), b = new Net();
    noGrad(() => a.batchNorm.runningMean!.fill_(0.5));
    b.loadStateDict(a.stateDict());
    for (const [k, v] of a.stateDict()) assert.deepEqual(Array.from(b.stateDict().get(k)!.data()), Array.from(v.data()), k);
    assert.notEqual(b.encoder.fc1.weight, a.encoder.fc1.weight, 'values are copied, not shared');
    const c = new Linear(2, 2);
    const result = c.loadStateDict({ weight: tensor([[1, 2], [3, 4]]), bias: tensor([5, 6]) });
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    assert.deepEqual(c.weight.toArray(), [[1, 2], [3, 4]]);
    assert.ok(c.weight.requiresGrad && c.weight.isLeaf, 'parameters stay trainable leaves');
  });

  it('strict loading names every missing and unexpected key and changes nothing', () => {
    const net = new Net();
    const sd = net.stateDict();
    sd.delete('encoder.fc2.weight');
    sd.delete('batch_norm.running_var');
    sd.set('encoder.fc3.weight', zeros([2, 3]));
    const fresh = new Net();
    const before = Array.from(fresh.encoder.fc1.weight.data());
    assert.notDeepEqual(before, Array.from(net.encoder.fc1.weight.data()));
    assert.throws(() => fresh.loadStateDict(sd), (e: Error) => {
      assert.match(e.message, /^loadStateDict: missing keys: encoder\.fc2\.weight, batch_norm\.running_var; unexpected keys: encoder\.fc3\.weight$/);
      return true;
    });
    assert.deepEqual(Array.from(fresh.encoder.fc1.weight.data()), before, 'nothing was loaded');
  });

  it('shape mismatches are errors in strict and non-strict mode, naming the key and both shapes', () => {
    const lin = new Linear(3, 2);
    const bad = { weight: zeros([3, 2]), bias: zeros([2]) };
    assert.throws(() => lin.loadStateDict(bad), /loadStateDict: size mismatch for weight: expected \[2,3\], got \[3,2\]/);
    assert.throws(() => lin.loadStateDict(bad, false), /size mismatch for weight/);
  });

  it('non-strict loading copies what matches and reports the rest', () => {
    const net = new Net();
    const enc = new Encoder();
    noGrad(() => enc.fc1.bias!.fill_(7));
    const prefixed = new Map([...enc.stateDict()].map(([k, v]) => [`encoder.${k}`, v]));
    prefixed.set('decoder.weight', zeros([1]));
    const result = net.loadStateDict(prefixed, false);
    assert.deepEqual(result.unexpectedKeys, ['decoder.weight']);
    assert.deepEqual(result.missingKeys, [...net.stateDict().keys()].filter((k) => !k.startsWith('encoder.')));
    assert.deepEqual(Array.from(net.encoder.fc1.bias!.data()), [7, 7, 7]);
  });
});

describe('Module: apply, zeroGrad, dtype, toString', () => {
  it('apply calls fn on every descendant, children before parents, and returns the module', () => {
    const net = new Net();
    const seen: Module[] = [];
    assert.equal(net.apply((m) => seen.push(m)), net);
    const names = new Map(net.namedModules().map(([k, m]) => [m, k]));
    assert.deepEqual(seen.map((m) => names.get(m)), [
      'encoder.fc1', 'encoder.fc2', 'encoder', 'batch_norm', 'heads.cls', 'heads.boxReg.0', 'heads.boxReg.1', 'heads.boxReg', 'heads', '',
    ]);
    net.apply((m) => {
      if (m instanceof Linear) noGrad(() => m.weight.fill_(0.25));
    });
    assert.ok([net.encoder.fc1, net.encoder.fc2, net.heads.get('cls')].every((l) => (l as Linear).weight.data().every((v) => v === 0.25)));
  });

  it('zeroGrad clears every parameter gradient', () => {
    const net = new Net();
    (net.forward(randn([4, 4])) as Tensor).sum().backward();
    assert.ok(net.encoder.fc1.weight.grad);
    net.zeroGrad();
    assert.ok(net.parameters().every((p) => p.grad === null));
  });

  it('to(dtype) converts floating parameters and buffers, keeps integer buffers, trainability and ties', () => {
    const a = new Linear(3, 3), b = new Linear(3, 3);
    b.weight = a.weight;
    const model = new Sequential(a, b, new BatchNorm1d(3));
    const before = Array.from(a.weight.data());
    model.to('float64');
    const bn = model.at(2) as BatchNorm1d;
    assert.ok(model.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad && p instanceof Parameter));
    assert.equal(bn.runningMean!.dtype, 'float64');
    assert.equal(bn.numBatchesTracked!.dtype, 'int32');
    assert.equal((model.at(1) as Linear).weight, (model.at(0) as Linear).weight, 'tied parameters stay tied');
    assert.deepEqual(Array.from((model.at(0) as Linear).weight.data()), before);
    const y = model.forward(randn([4, 3], { dtype: 'float64' })) as Tensor;
    assert.equal(y.dtype, 'float64');
    assert.equal(model.float().parameters()[0].dtype, 'float32');
  });

  it('toString shows the architecture in PyTorch layout and the parameter count', () => {
    const model = new Sequential(
      new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(),
      new Linear(4 * 7 * 7, 10), new Dropout(0.25),
    );
    const s = model.toString();
    const lines = s.split('\n');
    assert.equal(lines[0], 'Sequential(');
    assert.match(lines[1], /^ {2}\(0\): Conv2d\(1, 4, kernelSize=3, stride=1, padding=1\)$/);
    assert.equal(lines[2], '  (1): BatchNorm2d(4, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)');
    assert.equal(lines[3], '  (2): ReLU()');
    assert.equal(lines[4], '  (3): MaxPool2d(kernelSize=2, stride=2, padding=0)');
    assert.equal(lines[5], '  (4): Flatten(startDim=1, endDim=-1)');
    assert.match(lines[6], /^ {2}\(5\): Linear\(inFeatures=196, outFeatures=10, bias=true\)$/);
    assert.equal(lines[7], '  (6): Dropout(p=0.25)');
    assert.equal(lines[8], ')');
    const count = 4 * 9 + 4 + 4 + 4 + 196 * 10 + 10;
    assert.equal(model.numParameters(), count);
    assert.equal(lines[9], `Parameters: ${count.toLocaleString('en-US')}`);
    assert.equal(new ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: false }).repr(),
      'ConvTranspose2d(4, 2, kernelSize=3, stride=2, padding=1, groups=2, bias=false, outputPadding=1)');
    assert.equal(new Conv2d(3, 6, [3, 5], { dilation: [1, 2] }).repr(), 'Conv2d(3, 6, kernelSize=(3, 5), stride=1, dilation=(1, 2))');
    // nested custom modules indent their children; frozen parameters are counted apart
    const net = new Net();
    net.scale.requiresGrad = false;
    const t = net.toString();
    assert.match(t, /^Net\(\n {2}\(encoder\): Encoder\(\n {4}\(fc1\): Linear\(inFeatures=4, outFeatures=3, bias=true\)\n/);
    assert.match(t, /\n {2}\(heads\): ModuleDict\(\n {4}\(cls\): Linear[^\n]*\n {4}\(boxReg\): Sequential\(\n {6}\(0\): Linear/);
    assert.match(t, new RegExp(`Parameters: ${net.numParameters()} \\(trainable: ${net.numParameters() - 1}\\)$`));
  });
});

describe('Module: config round trips', () => {
  it('rebuilds nested containers and registered custom modules with identical output after loading the state', () => {
    const model = new Sequential(
      new Linear(6, 8), new LayerNorm(8), new ReLU(),
      new ModuleDict({ a: new Linear(8, 4), skip: new Scale(8) }),
      new ModuleList([new Embedding(5, 2)]),
    );
    const config = JSON.parse(JSON.stringify(model.config())) as ModuleConfig;
    const rebuilt = moduleFromConfig(config) as Sequential;
    assert.deepEqual(rebuilt.config(), config);
    assert.deepEqual([...rebuilt.stateDict().keys()], [...model.stateDict().keys()]);
    rebuilt.loadStateDict(model.stateDict());
    const x = randn([3, 6]);
    const run = (m: Sequential) => {
      const h = m.at(2).forward(m.at(1).forward(m.at(0).forward(x))) as Tensor;
      const d = m.at(3) as ModuleDict;
      return [d.get('a').forward(h), d.get('skip').forward(h)] as Tensor[];
    };
    const [p, q] = [run(model), run(rebuilt)];
    p.forEach((t, i) => assert.deepEqual(Array.from(q[i].data()), Array.from(t.data())));
  });

  it('refuses unknown types and modules that cannot describe themselves', () => {
    assert.throws(() => moduleFromConfig({ type: 'NoSuchLayer' }), /moduleFromConfig: unknown module type 'NoSuchLayer'/);
    assert.throws(() => new Net().config(), /Net\.config: this module cannot describe itself/);
  });
});
