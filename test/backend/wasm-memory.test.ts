/**
 * Storage lifetime on the wasm backend: memory growth keeps earlier storage intact, collected storage is freed (the
 * FinalizationRegistry), and a long synchronous loop stays within the memory budget by moving least recently used
 * storage to the JavaScript heap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setBackend, tensor, randn, noGrad, nn, optim, conv2d, maxPool2d, type Tensor } from '../../src/index.js';
import { setWasmMemoryBudget, wasmBackend, wasmMemoryStats } from '../../src/backend/wasm/index.js';
import { assertClose } from '../helpers/gradcheck.js';
import { Rng } from './helpers.js';
import { withBackend } from '../helpers/backend.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const wasm = wasmBackend()!;

// js is the reference side of every comparison; the code under test runs inside onWasm
setBackend('js');
const onWasm = <T>(fn: () => T): T => withBackend('wasm', fn);

test('growing the memory keeps earlier storage readable and usable', () => {
  onWasm(() => {
    const rng = new Rng(1);
    const vals = Array.from({ length: 100 }, () => rng.normal());
    // kernel results live in the linear memory (data straight from the caller starts on the JS heap)
    const a = tensor(vals).mul(1);
    const before = wasmMemoryStats()!.memoryBytes;
    // force at least one grow: more than the whole current memory
    const big = randn([Math.ceil(before / 4) + 1000]).mul(1);
    assert.ok(wasmMemoryStats()!.memoryBytes > before, 'memory grew');
    assertClose(a.data(), new Float32Array(vals), 0, 0, 'a after grow');
    assertClose(a.mul(2).data(), new Float32Array(vals.map((v) => 2 * v)), 0, 0, 'kernel on old storage after grow');
    assert.equal(big.size, Math.ceil(before / 4) + 1000);
  });
});

test('collected storage returns its memory (FinalizationRegistry)', async () => {
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
  };
  await settle();
  const base = wasmMemoryStats()!.usedBytes;
  const round = (): void => {
    onWasm(() => {
      const xs: Tensor[] = [];
      for (let i = 0; i < 50; i++) xs.push(randn([256, 64]).relu());
      assert.ok(wasmMemoryStats()!.usedBytes >= base + 50 * 256 * 64 * 4, 'storage is in the memory while alive');
    });
  };
  round();
  await settle();
  const after1 = wasmMemoryStats()!;
  assert.ok(after1.usedBytes < base + 256 * 64 * 4 * 4, `freed after collection (used ${after1.usedBytes}, base ${base})`);
  for (let r = 0; r < 5; r++) {
    round();
    await settle();
  }
  const after = wasmMemoryStats()!;
  assert.equal(after.memoryBytes, after1.memoryBytes, 'the memory does not grow across rounds');
  assert.ok(after.usedBytes < base + 256 * 64 * 4 * 4);
});

test('a long synchronous loop stays within the budget and keeps live data correct', () => {
  const budget = 8 * 1024 * 1024;
  setWasmMemoryBudget(budget);
  try {
    onWasm(() => {
      const w = randn([128, 128]);
      const wVals = w.data();
      let x = randn([64, 128]);
      const startMem = wasmMemoryStats()!.memoryBytes;
      const evictionsBefore = wasmMemoryStats()!.evictions;
      noGrad(() => {
        // each step makes ~200 KB of garbage; 400 steps is 10x the budget, with no chance for finalizers to run
        for (let i = 0; i < 400; i++) x = x.matmul(w).tanh().mul(0.5).add(x.mul(0.5));
      });
      const s = wasmMemoryStats()!;
      assert.ok(s.evictions > evictionsBefore, 'the budget made storage move to the JS heap');
      assert.ok(s.memoryBytes <= Math.max(startMem, 4 * budget), `memory ${s.memoryBytes} stays bounded`);
      assert.ok(s.usedBytes <= budget + 1024 * 1024, `bytes in use ${s.usedBytes} within the budget`);
      // w was used every step; x is the loop's live result: both still right, in and out of kernels
      assertClose(w.data(), wVals, 0, 0, 'w intact');
      const xv = x.data();
      assert.ok(xv.every((v) => Number.isFinite(v) && Math.abs(v) <= 1.0001), 'x stays a bounded tanh mixture');
      const again = x.sum().item();
      let total = 0;
      for (const v of xv) total += v;
      assert.ok(Math.abs(again - total) < 1e-2);
    });
  } finally {
    setWasmMemoryBudget(256 * 1024 * 1024);
  }
  assert.equal(wasm.name, 'wasm');
});

test('released storage is freed at once and any later use of it fails with a clear error', () => {
  onWasm(() => {
    const t = randn([64, 64]).mul(1); // a kernel's result: in the linear memory
    const used = wasmMemoryStats()!.usedBytes;
    wasm.release(t.storage, 'a product the test is done with');
    assert.ok(wasmMemoryStats()!.usedBytes < used, 'its block went back to the free lists');
    // the error says what was freed and why
    assert.throws(() => t.data(), /memory was released \(a product the test is done with\)/);
    assert.throws(() => t.add(1), /memory was released \(a product the test is done with\)/);
  });
});

test('data from the caller stays on the JS heap for its first two reads; a third read or a write moves it in', () => {
  onWasm(() => {
    const values = new Float32Array(64 * 64).map((_, i) => i % 7);
    const inMemory = (t: Tensor) => (t.storage as unknown as { cell: { ptr: number } }).cell.ptr !== 0;
    const x = tensor(values, { shape: [64, 64] });
    const y1 = x.mul(2), y2 = x.add(1);
    assert.ok(!inMemory(x), 'two reads borrowed it');
    assert.ok(inMemory(y1) && inMemory(y2), 'their results are in the memory');
    const y3 = x.sub(1);
    assert.ok(inMemory(x), 'the third read moved it in');
    assertClose(y1.data(), values.map((v) => 2 * v), 0, 0, 'first read');
    assertClose(y2.data(), values.map((v) => v + 1), 0, 0, 'second read');
    assertClose(y3.data(), values.map((v) => v - 1), 0, 0, 'third read');
    const w = tensor(values, { shape: [64, 64] });
    noGrad(() => w.add_(1));
    assert.ok(inMemory(w), 'a write moves it in at once');
    assertClose(w.data(), values.map((v) => v + 1), 0, 0, 'written in place');
    // the caller's array was copied: changing it later changes nothing
    const z = tensor(values, { shape: [64, 64] });
    const kept = values.slice();
    values.fill(-1);
    assertClose(z.mul(1).data(), kept, 0, 0, 'copied at creation');
  });
});

test('a Sequential of built-in layers run without gradients frees its intermediate results, and only those', () => {
  onWasm(() => {
    const net = new nn.Sequential(
      new nn.Conv2d(1, 4, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(4 * 13 * 13, 10), new nn.ReLU(), new nn.Dropout(),
    );
    net.eval();
    const x = randn([8, 1, 28, 28]);
    const expected = net.forward(x).data(); // with gradients recorded: nothing is released
    noGrad(() => {
      for (let i = 0; i < 3; i++) net.forward(x); // warm the free lists
      const used = wasmMemoryStats()!.usedBytes;
      for (let i = 0; i < 20; i++) {
        const y = net.forward(x);
        assertClose(y.data(), expected, 0, 0, `run ${i}`);
      }
      // 20 runs allocate about 20 x 60 KB of intermediates; what is left in use is the outputs, not those
      assert.ok(wasmMemoryStats()!.usedBytes - used < 200 * 1024, `${wasmMemoryStats()!.usedBytes - used} bytes more in use`);
      // the input and the parameters are untouched
      assert.equal(x.data().length, 8 * 28 * 28);
      for (const p of net.parameters()) assert.ok(Number.isFinite(p.data()[0]));
    });
  });
});

test('training a Sequential of built-in layers frees its intermediate results once backward has read them', () => {
  onWasm(() => {
    const net = new nn.Sequential(new nn.Linear(50, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.Tanh(), new nn.Flatten(), new nn.Linear(256, 3));
    const opt = new optim.SGD(net.parameters(), { lr: 0.01 });
    const x = randn([64, 50]);
    const step = () => {
      opt.zeroGrad();
      const loss = net.forward(x).square().mean();
      loss.backward();
      opt.step();
      return loss.item();
    };
    for (let i = 0; i < 3; i++) step(); // warm the free lists
    const used = wasmMemoryStats()!.usedBytes;
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) losses.push(step());
    // each step makes ~200 KB of results between layers; what stays in use is a few small tensors per step
    assert.ok(wasmMemoryStats()!.usedBytes - used < 20 * 16 * 1024, `${wasmMemoryStats()!.usedBytes - used} bytes more in use`);
    assert.ok(losses.every(Number.isFinite) && losses[19] < losses[0], `loss went down: ${losses[0]} -> ${losses[19]}`);
    // with retainGraph the saved results stay until the last backward
    net.zeroGrad();
    const loss = net.forward(x).square().mean();
    loss.backward(undefined, { retainGraph: true });
    const first = net.parameters().map((p) => Array.from(p.grad!.data()));
    net.zeroGrad();
    loss.backward();
    net.parameters().forEach((p, i) => assertClose(p.grad!.data(), first[i], 0, 0, `second backward, parameter ${i}`));
  });
});

test('a layer frozen for the forward and unfrozen before backward gets no gradient, and nothing freed is read', () => {
  onWasm(() => {
    // the GAN pattern: the discriminator is frozen while the generator's loss runs through it
    const d = new nn.Sequential(new nn.Linear(4, 8), new nn.LeakyReLU(0.2), new nn.Linear(8, 1));
    const z = randn([16, 4]).requiresGrad_();
    for (const p of d.parameters()) p.requiresGrad = false;
    const loss = d.forward(z).square().mean();
    for (const p of d.parameters()) p.requiresGrad = true;
    loss.backward();
    assert.ok(z.grad && Array.from(z.grad.data()).every(Number.isFinite), 'the input got its gradient');
    for (const p of d.parameters()) assert.equal(p.grad, null, 'as in PyTorch, the graph decided at forward time');
  });
});

test('a built-in layer whose forward is replaced on the instance keeps what it is given', () => {
  onWasm(() => {
    const seen: Tensor[] = [];
    const net = new nn.Sequential(new nn.Linear(5, 6), new nn.Tanh(), new nn.Linear(6, 2));
    const tanh = net.at(1);
    const own = tanh.forward.bind(tanh);
    tanh.forward = (x: Tensor) => {
      const y = own(x) as Tensor;
      seen.push(y);
      return y;
    };
    const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
    opt.zeroGrad();
    net.forward(randn([3, 5])).sum().backward();
    opt.step();
    assert.equal(seen.length, 1);
    assert.ok(Array.from(seen[0].data()).every((v) => Math.abs(v) <= 1), 'the watched activation is still readable');
  });
});

test('a Sequential with a layer of the user\'s own keeps every result (the layer may hold on to one)', () => {
  onWasm(() => {
    class Remember extends nn.Module {
      seen: Tensor | null = null;
      forward(x: Tensor): Tensor {
        this.seen = x;
        return x.mul(2);
      }
    }
    const remember = new Remember();
    const net = new nn.Sequential(new nn.Linear(5, 3), new nn.ReLU(), remember, new nn.Linear(3, 2));
    const x = randn([4, 5]);
    const y = noGrad(() => net.forward(x));
    assert.deepEqual(remember.seen!.shape, [4, 3]);
    assertClose(remember.seen!.mul(2).data(), noGrad(() => remember.seen!.mul(2)).data(), 0, 0, 'still readable');
    assert.deepEqual(y.shape, [4, 2]);
    // and with gradients, after the backward that read it
    net.forward(x).sum().backward();
    assert.ok(Array.from(remember.seen!.data()).every((v) => v >= 0), 'still readable after backward');
  });
});

/** One backward of sum(net(x)^2) into the layer's gradients. */
function linearStep(net: nn.Linear, x: Tensor): void {
  net.forward(x).square().sum().backward();
}

test('a gradient only the library has held is freed when it is replaced; one read through .grad stays usable', () => {
  onWasm(() => {
    const net = new nn.Linear(6, 5);
    const x = randn([4, 6]);
    const opt = new optim.Adam(net.parameters(), { lr: 1e-2 });
    // never read by anyone: zeroGrad frees it (clipping and the optimiser's step do not count as reading)
    linearStep(net, x);
    const unseen = net.weight._peekGrad()!;
    optim.clipGradNorm(net.parameters(), 1);
    opt.step();
    const used = wasmMemoryStats()!.usedBytes;
    opt.zeroGrad();
    assert.ok(wasmMemoryStats()!.usedBytes < used, 'its block went back to the free lists');
    assert.throws(() => unseen.data(), /memory was released \(a gradient that zeroGrad or a later backward replaced/);
    // read through .grad: the reader may keep it, so it survives zeroGrad with its values
    linearStep(net, x);
    const seen = net.weight.grad!;
    const values = Array.from(seen.data());
    opt.step();
    opt.zeroGrad();
    assert.deepEqual(Array.from(seen.data()), values);
    // a second backward without zeroGrad adds to the gradient; the first sum is freed, the new one is right
    linearStep(net, x);
    const first = net.weight._peekGrad()!;
    const once = Array.from(first.data());
    linearStep(net, x);
    assert.throws(() => first.data(), /memory was released \(a gradient that zeroGrad or a later backward replaced/);
    assertClose(net.weight.grad!.data(), once.map((v) => 2 * v), 1e-6, 1e-6, 'accumulated');
  });
});

test('an optimiser whose own rule keeps its gradients runs that rule, and the gradients it kept stay usable', () => {
  onWasm(() => {
    class KeepingSGD extends optim.SGD {
      kept: Tensor[] = [];
      protected override rule(param: Tensor, grad: Tensor, state: optim.SGDState, o: optim.ParamGroup<optim.SGDOptions>): void {
        this.kept.push(grad);
        super.rule(param, grad, state, o);
      }
    }
    const net = new nn.Linear(3, 2);
    const opt = new KeepingSGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      linearStep(net, randn([5, 3]));
      opt.step();
    }
    opt.zeroGrad();
    assert.equal(opt.kept.length, 6, 'its rule ran for both parameters at every step (not a fused stand-in)');
    for (const g of opt.kept) assert.ok(Array.from(g.data()).every(Number.isFinite));
  });
});

test('conv2d with a bias and maxPool2d give the js backend\'s values and gradients on wasm (their temporaries are freed early)', () => {
  const make = () => ({ x: randn([3, 2, 9, 9]), w: randn([4, 2, 3, 3]), b: randn([4]) });
  const run = (backend: 'js' | 'wasm', d: { x: Tensor; w: Tensor; b: Tensor }) => withBackend(backend, () => {
    const leaf = (t: Tensor) => tensor(t.data(), { shape: t.shape, requiresGrad: true });
    const x = leaf(d.x), w = leaf(d.w), b = leaf(d.b);
    const y = maxPool2d(conv2d(x, w, b, { padding: 1 }).relu(), 2);
    y.mul(y).sum().backward();
    const noGradY = noGrad(() => maxPool2d(conv2d(x, w, b, { padding: 1 }).relu(), 2));
    return [y.data(), noGradY.data(), x.grad!.data(), w.grad!.data(), b.grad!.data()];
  });
  const d = make();
  const ref = run('js', d), got = run('wasm', d);
  ['output', 'output without gradients', 'grad x', 'grad w', 'grad b'].forEach((name, i) => assertClose(got[i], ref[i], 1e-4, 1e-4, name));
});
