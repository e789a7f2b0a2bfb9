/**
 * The optimisers against PyTorch 1.13 (test/fixtures/optim.json): every case runs the same steps on two float64
 * parameters with the same synthetic gradients and must stay within 1e-10 of PyTorch's parameters after each step.
 * Also: state dicts resume exactly, zeroGrad, option checks, fused-rule registration, and a small fit that converges.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, noGrad, randn, matmul, Generator } from '../../src/index.js';
import {
  SGD, Adam, AdamW, RMSprop, Adagrad, Optimizer, registerUpdateRule, sgdUpdate, type OptimizerStateDict,
} from '../../src/optim/index.js';
import { loadOptimFixtures, worstRatio, type OptimCase } from './optim-fixtures.js';

const fx = loadOptimFixtures();
const ATOL = 1e-10;
const RTOL = 1e-10;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const CTORS: Record<OptimCase['optimizer'], new (params: any, options: any) => Optimizer<any, any>> = { SGD, Adam, AdamW, RMSprop, Adagrad };

function freshParams(values = fx.init.map((p) => p.data)): Tensor[] {
  return fx.init.map((p, i) => tensor(values[i], { dtype: 'float64', shape: p.shape, requiresGrad: true }));
}

/** scale * (sin(3p) + 0.5p - 0.2p^2), written in the fixture script's order. */
function syntheticGrad(p: Tensor, scale: number): Tensor {
  return noGrad(() => p.mul(3).sin().add(p.mul(0.5)).sub(p.mul(0.2).mul(p)).mul(scale));
}

function setGrads(params: Tensor[], c: OptimCase, t: number): void {
  params.forEach((p, i) => {
    p.grad = c.skip.some(([st, pi]) => st === t && pi === i) ? null : syntheticGrad(p.detach(), fx.scales[t]);
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function build(c: OptimCase, params: Tensor[]): Optimizer<any, any> {
  const spec = c.groups ? c.groups.map((g, i) => ({ params: [params[i]], ...g })) : params;
  return new CTORS[c.optimizer](spec, c.options);
}

function label(c: OptimCase): string {
  return `${c.optimizer} ${JSON.stringify(c.options)}${c.groups ? ` groups ${JSON.stringify(c.groups)}` : ''}${c.skip.length ? ` skip ${JSON.stringify(c.skip)}` : ''}`;
}

function assertTrajectoryStep(params: Tensor[], c: OptimCase, t: number, what: string): void {
  params.forEach((p, i) => {
    const r = worstRatio(p.data(), c.trajectory[t][i], ATOL, RTOL);
    assert.ok(r <= 1, `${what}: parameter ${i} after step ${t + 1} differs from PyTorch (worst error ${r.toExponential(2)} x tolerance)\n  got      ${Array.from(p.data()).join(', ')}\n  expected ${c.trajectory[t][i].join(', ')}`);
  });
}

describe(`optimisers against PyTorch ${fx.torch}`, () => {
  it('covers every optimiser with several option sets', () => {
    const names = new Set(fx.optimizers.map((c) => c.optimizer));
    assert.deepEqual([...names].sort(), ['Adagrad', 'Adam', 'AdamW', 'RMSprop', 'SGD']);
    assert.ok(fx.optimizers.length >= 20);
  });

  for (const c of fx.optimizers) {
    it(`follows PyTorch's trajectory: ${label(c)}`, () => {
      const params = freshParams();
      const opt = build(c, params);
      for (let t = 0; t < fx.steps; t++) {
        setGrads(params, c, t);
        opt.step();
        assertTrajectoryStep(params, c, t, label(c));
      }
      // the parameters stay leaves of their dtype, updated in place
      for (const p of params) {
        assert.equal(p.dtype, 'float64');
        assert.ok(p.isLeaf && p.requiresGrad);
      }
    });
  }

  for (const c of fx.optimizers) {
    it(`resumes from a JSON state dict after 3 steps exactly as without interruption: ${label(c)}`, () => {
      const straight = freshParams();
      const optA = build(c, straight);
      let saved: OptimizerStateDict | undefined;
      let savedValues: number[][] = [];
      for (let t = 0; t < fx.steps; t++) {
        setGrads(straight, c, t);
        optA.step();
        if (t === 2) {
          saved = JSON.parse(JSON.stringify(optA.stateDict())) as OptimizerStateDict;
          savedValues = straight.map((p) => Array.from(p.data()));
        }
      }
      const resumed = freshParams(savedValues);
      const optB = build(c, resumed);
      optB.loadStateDict(saved!);
      for (let t = 3; t < fx.steps; t++) {
        setGrads(resumed, c, t);
        optB.step();
        assertTrajectoryStep(resumed, c, t, `resumed ${label(c)}`);
      }
      resumed.forEach((p, i) => assert.deepEqual(Array.from(p.data()), Array.from(straight[i].data()), `parameter ${i}: resumed run differs`));
      assert.deepEqual(optB.stateDict(), optA.stateDict());
    });
  }
});

describe('optimiser state dict', () => {
  it('is plain data: group options with parameter indices, per-parameter state by index', () => {
    const [w, b] = freshParams();
    const opt = new Adam([{ params: [w] }, { params: [b], lr: 0.5, amsgrad: true }], { lr: 0.1, weightDecay: 0.01 });
    w.grad = syntheticGrad(w.detach(), 1);
    b.grad = syntheticGrad(b.detach(), 1);
    opt.step();
    const sd = opt.stateDict();
    assert.deepEqual(sd.paramGroups, [
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: false, maximize: false, params: [0] },
      { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: true, maximize: false, params: [1] },
    ]);
    assert.deepEqual(Object.keys(sd.state), ['0', '1']);
    assert.equal(sd.state['0'].step, 1);
    const expAvg = sd.state['0'].expAvg as { shape: number[]; dtype: string; data: number[] };
    assert.deepEqual(expAvg.shape, [2, 3]);
    assert.equal(expAvg.dtype, 'float64');
    assert.equal(expAvg.data.length, 6);
    assert.ok(!('maxExpAvgSq' in sd.state['0']));
    assert.ok('maxExpAvgSq' in sd.state['1']);
    // a copy: changing it does not change the optimiser
    sd.paramGroups[0].lr = 99;
    assert.equal(opt.paramGroups[0].lr, 0.1);
    assert.equal(JSON.parse(JSON.stringify(sd)).state['1'].step, 1);
  });

  it('loading restores group options such as a scheduled lr', () => {
    const [w] = freshParams();
    const a = new SGD([w], { lr: 0.1, momentum: 0.9 });
    a.paramGroups[0].lr = 0.025;
    const [w2] = freshParams();
    const b = new SGD([w2], { lr: 0.1, momentum: 0.9 });
    b.loadStateDict(a.stateDict());
    assert.equal(b.paramGroups[0].lr, 0.025);
    assert.equal(b.paramGroups[0].params[0], w2);
  });

  it('rejects a state dict that does not fit', () => {
    const [w, b] = freshParams();
    const opt = new Adam([w, b], { lr: 0.1 });
    w.grad = syntheticGrad(w.detach(), 1);
    opt.step();
    const sd = opt.stateDict();
    const [w2, b2] = freshParams();
    assert.throws(() => new Adam([{ params: [w2] }, { params: [b2] }]).loadStateDict(sd), /saved state has 1 parameter groups, this optimizer has 2/);
    assert.throws(() => new Adam([w2]).loadStateDict(sd), /saved parameter group 0 has 2 parameters, this optimizer's has 1/);
    const swapped = new Adam([b2, w2]);
    assert.throws(() => swapped.loadStateDict(sd), /Adam.loadStateDict \(parameter 0, 'expAvg'\): saved state has shape \[2,3\] but the parameter has shape \[3\]/);
    assert.equal(swapped.state.size, 0, 'a failed load leaves the state alone');
    assert.throws(() => new Adam([w2, b2]).loadStateDict({} as OptimizerStateDict), /expected an object \{state, paramGroups\}/);
  });

  it('casts loaded state to the parameters\' dtype (float64 state into float32 parameters)', () => {
    const [w] = freshParams();
    const opt = new RMSprop([w], { momentum: 0.5, centered: true });
    w.grad = syntheticGrad(w.detach(), 1);
    opt.step();
    const w32 = tensor(Array.from(w.data()), { shape: [2, 3], requiresGrad: true });
    const opt32 = new RMSprop([w32], { momentum: 0.5, centered: true });
    opt32.loadStateDict(opt.stateDict());
    const st = opt32.state.get(w32)!;
    assert.equal(st.squareAvg.dtype, 'float32');
    assert.equal(st.momentumBuffer!.dtype, 'float32');
    assert.equal(st.gradAvg!.dtype, 'float32');
    assert.equal(st.step, 1);
  });
});

describe('optimiser behaviour', () => {
  it('zeroGrad sets gradients to null by default, or fills them with zeros', () => {
    const [w, b] = freshParams();
    const opt = new Adam([w, b]);
    w.grad = syntheticGrad(w.detach(), 1);
    b.grad = syntheticGrad(b.detach(), 1);
    opt.zeroGrad();
    assert.equal(w.grad, null);
    assert.equal(b.grad, null);
    w.grad = syntheticGrad(w.detach(), 1);
    const g = w.grad;
    opt.zeroGrad(false);
    assert.equal(w.grad!.storage, g.storage, 'zeroed in place');
    assert.deepEqual(Array.from(w.grad!.data()), [0, 0, 0, 0, 0, 0]);
    assert.equal(b.grad, null);
    // a zero gradient is still a step for Adam (its state advances); a null one is skipped
    const before = Array.from(b.data());
    opt.step();
    assert.equal(opt.state.get(w)!.step, 1);
    assert.equal(opt.state.has(b), false);
    assert.deepEqual(Array.from(b.data()), before);
  });

  it('steps only parameters that have gradients, and reads a group lr changed by hand', () => {
    const [w, b] = freshParams();
    const opt = new SGD([{ params: [w] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
    assert.equal(opt.paramGroups[1].lr, 0.5);
    assert.equal(opt.paramGroups[1].momentum, 0);
    const w0 = Array.from(w.data());
    const b0 = Array.from(b.data());
    b.grad = tensor([1, 2, 3], { dtype: 'float64' });
    opt.step();
    assert.deepEqual(Array.from(w.data()), w0);
    assert.deepEqual(Array.from(b.data()), b0.map((v, i) => v - 0.5 * (i + 1)));
    opt.paramGroups[1].lr = 0;
    opt.step();
    assert.deepEqual(Array.from(b.data()), b0.map((v, i) => v - 0.5 * (i + 1)));
  });

  it('runs a closure with gradients on and returns its loss', () => {
    const x = tensor([3], { dtype: 'float64', requiresGrad: true });
    const opt = new SGD([x], { lr: 0.25 });
    const loss = noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const l = x.mul(x).sum();
        l.backward();
        return l.item();
      }),
    );
    assert.equal(loss, 9);
    assert.equal(x.item(), 3 - 0.25 * 6);
  });

  it('keeps float32 parameters and state in float32', () => {
    const w = tensor([[0.5, -1], [2, 0.25]], { requiresGrad: true });
    const opt = new AdamW([w], { lr: 0.1, amsgrad: true });
    w.grad = tensor([[1, -2], [0.5, 0]]);
    opt.step();
    assert.equal(w.dtype, 'float32');
    const st = opt.state.get(w)!;
    assert.equal(st.expAvg.dtype, 'float32');
    assert.equal(st.maxExpAvgSq!.dtype, 'float32');
    // first Adam step moves each coordinate with a nonzero gradient by about lr against the gradient's sign
    const d = w.data();
    const expected = [0.5 * (1 - 0.1 * 0.01) - 0.1, -1 * (1 - 0.001) + 0.1, 2 * (1 - 0.001) - 0.1, 0.25 * (1 - 0.001)];
    expected.forEach((e, i) => assert.ok(Math.abs(d[i] - e) < 1e-6, `element ${i}: ${d[i]} vs ${e}`));
  });

  it('uses an update rule registered for the parameters\' backend, and the reference one after removal', () => {
    const [w] = freshParams();
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    let calls = 0;
    registerUpdateRule('sgd', w.device, (param, grad, state, options) => {
      calls++;
      sgdUpdate(param, grad, state, options);
    });
    try {
      w.grad = syntheticGrad(w.detach(), 1);
      opt.step();
      opt.step();
      assert.equal(calls, 2);
      assert.ok(opt.state.get(w)!.momentumBuffer);
    } finally {
      registerUpdateRule('sgd', w.device, null);
    }
    opt.step();
    assert.equal(calls, 2);
  });

  it('rejects bad parameters and options with clear errors', () => {
    const [w, b] = freshParams();
    assert.throws(() => new SGD([w], { lr: -0.1 }), /SGD: invalid learning rate -0.1/);
    assert.throws(() => new SGD([w]), /SGD: no learning rate given/);
    assert.throws(() => new SGD([{ params: [w], lr: 0.1 }, { params: [b] }]), /SGD: no learning rate given/);
    assert.doesNotThrow(() => new SGD([{ params: [w], lr: 0.1 }, { params: [b], lr: 0.2 }]));
    assert.throws(() => new SGD([w], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum > 0 and zero dampening/);
    assert.throws(() => new SGD([w], { lr: 0.1, momentum: -1 }), /invalid momentum value -1/);
    assert.throws(() => new Adam([w], { betas: [0.9, 1] }), /Adam: invalid beta parameter at index 1: 1 \(must be in \[0, 1\)\)/);
    assert.throws(() => new AdamW([w], { betas: [-0.1, 0.9] }), /AdamW: invalid beta parameter at index 0/);
    assert.throws(() => new Adam([w], { eps: -1 }), /Adam: invalid epsilon value -1/);
    assert.throws(() => new Adam([{ params: [w], lr: -1 }]), /Adam: invalid learning rate -1/);
    assert.throws(() => new RMSprop([w], { alpha: -0.5 }), /RMSprop: invalid alpha value -0.5/);
    assert.throws(() => new Adagrad([w], { lrDecay: -1 }), /Adagrad: invalid lrDecay value -1/);
    assert.throws(() => new Adam([]), /Adam: got an empty parameter list/);
    assert.throws(() => new Adam([tensor([1, 2])]), /Adam: parameter 0 \(shape \[2\]\) does not require grad/);
    assert.throws(() => new Adam([w.mul(2)]), /can't optimize a non-leaf Tensor/);
    assert.throws(() => new Adam([w, w]), /appear more than once/);
    assert.throws(() => new Adam([{ params: [w] }, { params: [w] }]), /appear more than once/);
    assert.throws(() => new Adam(w as unknown as Tensor[]), /got a single Tensor/);
    assert.throws(() => new Adam([w, { params: [b] }] as unknown as Tensor[]), /not a mix/);
    assert.throws(() => new Adam([{ params: [w], weight_decay: 0.1 } as never]), /Adam: unknown option 'weight_decay'/);
    assert.throws(() => new AdamW([w], { weight_decay: 0.1 } as never), /AdamW: unknown option 'weight_decay' \(known: lr, betas, eps, weightDecay, amsgrad, maximize\)/);
    assert.throws(() => new SGD([1, 2] as unknown as Tensor[], { lr: 0.1 }), /SGD: params must be all Tensors or all parameter groups/);
    const opt = new SGD([w], { lr: 0.1 });
    w.grad = tensor([1, 2], { dtype: 'float64' });
    assert.throws(() => opt.step(), /SGD.step: gradient of parameter 0 has shape \[2\] but the parameter has shape \[2,3\]/);
  });
});

describe('optimisers train a least-squares fit', () => {
  // y = X w* + b*, fitted with matmul; each optimiser must bring the mean squared error near zero
  const gen = new Generator(7);
  const X = randn([64, 3], { generator: gen });
  const wTrue = tensor([[1.5], [-2], [0.5]]);
  const bTrue = 0.75;
  const y = matmul(X, wTrue).add(bTrue);

  const cases: [string, (ps: Tensor[]) => Optimizer<any, any>, number][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['SGD with Nesterov momentum', (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true }), 150],
    ['Adam', (ps) => new Adam(ps, { lr: 0.1 }), 300],
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.1, weightDecay: 1e-4 }), 300],
    ['RMSprop', (ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.5 }), 300],
    ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.5 }), 300],
  ];
  for (const [name, make, steps] of cases) {
    it(name, () => {
      const w = tensor([[0], [0], [0]], { requiresGrad: true });
      const b = tensor([0], { requiresGrad: true });
      const opt = make([w, b]);
      const lossOf = () => matmul(X, w).add(b).sub(y).square().mean();
      const first = lossOf().item();
      let last = first;
      for (let i = 0; i < steps; i++) {
        opt.zeroGrad();
        const loss = lossOf();
        loss.backward();
        opt.step();
        last = loss.item();
      }
      last = noGrad(lossOf).item();
      assert.ok(last < 1e-3 * first && last < 1e-2, `${name}: loss went from ${first} to ${last}`);
      const wd = w.data();
      [1.5, -2, 0.5].forEach((v, i) => assert.ok(Math.abs(wd[i] - v) < 0.05, `${name}: w[${i}] = ${wd[i]}, expected about ${v}`));
      assert.ok(Math.abs(b.item() - bTrue) < 0.05, `${name}: b = ${b.item()}`);
    });
  }
});
