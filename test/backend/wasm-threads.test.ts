/**
 * The wasm backend's worker pool: large products and optimiser updates split across threads give the same results
 * as one thread, the pool can be resized or turned off, and workers never keep the Node process alive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { conv2d, noGrad, optim, randn, setBackend, tensor, type Tensor } from '../../src/index.js';
import { getNumThreads, setNumThreads, warmUpThreads, wasmBackend } from '../../src/backend/wasm/index.js';
import { assertClose } from '../helpers/gradcheck.js';
import { withBackend } from '../helpers/backend.js';

// js is the reference side of every comparison; the code under test runs inside onWasm
setBackend('js');
const onWasm = <T>(fn: () => T): T => withBackend('wasm', () => noGrad(fn));

const toJs = (t: Tensor): Tensor => tensor(t.data(), { shape: t.shape.slice() });

test('products split across threads match one thread and the js backend', async () => {
  setNumThreads(2);
  assert.equal(getNumThreads(), 2);
  assert.equal(await warmUpThreads(), true, 'Node has shared memory: the pool starts');
  const backend = wasmBackend()!;
  assert.ok(backend.pool && backend.pool.ready);
  const shapes: [number, number, number][] = [[130, 97, 211], [7, 301, 260], [300, 9, 150], [64, 64, 64]];
  const { multi, single, inputs } = onWasm(() => {
    const inputs = shapes.map(([M, N, K]) => [randn([M, K]), randn([N, K]).transpose(0, 1)] as const);
    const x = randn([4, 3, 21, 19]), w = randn([8, 3, 3, 3]);
    const multi = [...inputs.map(([a, b]) => a.matmul(b).data()), conv2d(x, w, null, { padding: 1 }).data()];
    setNumThreads(1);
    assert.equal(wasmBackend()!.pool, null);
    const single = [...inputs.map(([a, b]) => a.matmul(b).data()), conv2d(x, w, null, { padding: 1 }).data()];
    return { multi, single, inputs: [...inputs.map(([a, b]) => [toJs(a), toJs(b)]), [toJs(x), toJs(w)]] };
  });
  multi.forEach((m, i) => assertClose(m, single[i], 0, 0, `case ${i}: threads vs one thread`));
  inputs.slice(0, shapes.length).forEach(([a, b], i) => {
    assertClose(multi[i], a.matmul(b).data(), 1e-4, 1e-4, `case ${i}: threads vs js`);
  });
  const [x, w] = inputs[shapes.length];
  assertClose(multi[shapes.length], conv2d(x, w, null, { padding: 1 }).data(), 1e-4, 1e-4, 'conv2d: threads vs js');
  assert.throws(() => setNumThreads(0), /setNumThreads: expected a positive integer, got 0/);
  // a pool of another size replaces the old one and gives the same results
  setNumThreads(3);
  assert.equal(await warmUpThreads(), true);
  assert.equal(wasmBackend()!.pool!.threads, 3);
  const again = onWasm(() => {
    const [a, b] = inputs[0];
    const aw = tensor(a.data(), { shape: a.shape.slice() }), bw = tensor(b.data(), { shape: b.shape.slice() });
    return aw.matmul(bw).data();
  });
  assertClose(again, single[0], 0, 0, 'three threads vs one thread');
  setNumThreads(2);
});

test('the calling thread\'s share of a split job moves with how long it waits, and any split gives the same result', async () => {
  setNumThreads(2);
  assert.equal(await warmUpThreads(), true);
  const pool = wasmBackend()!.pool! as unknown as { callerShare: number[]; adjustShare(cmd: number, share: number, ownMs: number, waitMs: number): void };
  const SGEMM = 1, ADAM = 2;
  pool.callerShare[SGEMM] = 0.5;
  pool.adjustShare(SGEMM, 0.5, 1, 1); // waited as long as it worked: the workers are slower, the caller takes more
  assert.ok(pool.callerShare[SGEMM] > 0.5, `${pool.callerShare[SGEMM]}`);
  const raised = pool.callerShare[SGEMM];
  pool.adjustShare(SGEMM, raised, 1, 0); // no wait: the workers get a little more
  assert.ok(pool.callerShare[SGEMM] < raised, `${pool.callerShare[SGEMM]}`);
  const adam = pool.callerShare[ADAM];
  for (let i = 0; i < 100; i++) pool.adjustShare(SGEMM, 0.9, 1, 100);
  assert.ok(pool.callerShare[SGEMM] <= 0.9, 'bounded above');
  assert.equal(pool.callerShare[ADAM], adam, 'each command keeps its own share');
  for (let i = 0; i < 100; i++) pool.adjustShare(SGEMM, 0.1, 1, 0);
  assert.ok(pool.callerShare[SGEMM] >= 0.25, 'bounded below');
  const [a, b] = onWasm(() => [randn([96, 200]), randn([200, 130])]);
  const results = [0.25, 0.5, 0.9].map((share) => {
    pool.callerShare[SGEMM] = share;
    return onWasm(() => a.matmul(b).data());
  });
  setNumThreads(1);
  const single = onWasm(() => a.matmul(b).data());
  results.forEach((r, i) => assertClose(r, single, 0, 0, `split ${i}`));
  setNumThreads(2);
});

test('an Adam update split across threads gives the same parameters as one thread', async () => {
  const backend = wasmBackend()!;
  // 300,001 elements: above the split threshold, and not a multiple of the SIMD width (each thread's range is)
  const run = (threads: number): Float32Array => withBackend('wasm', () => {
    const p = tensor(new Float32Array(300001).map((_, i) => Math.sin(i)), { requiresGrad: true });
    const opt = new optim.Adam([p], { lr: 0.01, weightDecay: 0.1 });
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      p.mul(p).mul(0.5).sum().backward();
      opt.step();
    }
    assert.equal(backend.pool?.threads ?? 1, threads);
    return p.data() as Float32Array;
  });
  // count the updates the pool splits
  const splitCount = (): { count: () => number } => {
    const pool = backend.pool! as unknown as { adam: (...a: unknown[]) => void };
    const adam = pool.adam.bind(pool);
    let n = 0;
    pool.adam = (...a: unknown[]) => {
      n++;
      adam(...a);
    };
    return { count: () => n };
  };
  for (const threads of [2, 3]) {
    setNumThreads(threads);
    assert.equal(await warmUpThreads(), true);
    const split = splitCount();
    const multi = run(threads);
    assert.equal(split.count(), 3, 'each of the 3 updates was split across the pool');
    setNumThreads(1);
    assertClose(multi, run(1), 0, 0, `${threads} threads vs one`);
  }
  setNumThreads(2);
});

test('worker threads do not keep the process alive', () => {
  const index = new URL('../../src/backend/wasm/index.js', import.meta.url).href;
  const main = new URL('../../src/index.js', import.meta.url).href;
  const script = `
    const m = await import(${JSON.stringify(main)});
    const w = await import(${JSON.stringify(index)});
    w.setNumThreads(2);
    if (!(await w.warmUpThreads())) throw new Error('no threads');
    m.setBackend('wasm');
    const a = m.randn([200, 200]);
    console.log(a.matmul(a).sum().item() !== 0 ? 'done' : 'zero');
  `;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20000, encoding: 'utf8' });
  assert.equal(r.error, undefined, `the child process ended (${r.error?.message})`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /done/);
  assert.ok(Date.now() - t0 < 15000);
  assert.ok(fileURLToPath(index).endsWith('index.js'));
});

test('threads start when Node runs with process-wide flags that workers refuse (--expose-gc, heap size)', () => {
  const index = new URL('../../src/backend/wasm/index.js', import.meta.url).href;
  const platform = new URL('../../src/backend/wasm/node.js', import.meta.url).href;
  const script = `
    await import(${JSON.stringify(platform)});
    const w = await import(${JSON.stringify(index)});
    w.setNumThreads(2);
    console.log(await w.warmUpThreads() ? 'threads' : 'single');
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=2048', '--input-type=module', '-e', script], { timeout: 20000, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^threads$/m);
});
