/**
 * The browser test's page script (see chromium.test.ts): loaded by the generated page.html as an ES module, straight
 * from dist/ without a bundler, it imports the browser entry and reports what it found. Importing it does nothing
 * (node --test also loads this file as part of dist/test/): the page calls run().
 */
import * as my from '../../src/browser.js';
import { wasmBackend, wasmLoadError } from '../../src/backend/wasm/index.js';

export interface PageReport {
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  hardwareConcurrency: number;
  /** the default backend's name */
  defaultBackend: string;
  wasmAvailable: boolean;
  wasmLoadError: string | null;
  /** the kernel build loaded (e.g. myelin-relaxed-mt) */
  variant: string | null;
  /** max |wasm - js| of a random 37x53 @ 53x29 float32 product */
  smallMatmulMaxDiff: number;
  /** getNumThreads() before and after warmUpThreads() (after setNumThreads(2) where the default was 1) */
  threadsDefault: number;
  threadsAfterWarmUp: number;
  warmUpResult: boolean;
  /** the pool exists and all its workers started */
  poolReady: boolean;
  /** max |wasm - js| of a 512x512 @ 512x512 product (split across threads where the pool is ready) */
  largeMatmulMaxDiff: number;
  /** the best of 3 wasm 512x512 products, ms */
  largeMatmulMs: number;
  /** products the thread pool ran (large matmuls and the MLP's 128-wide layers; 0 without a pool) */
  poolSgemmCalls: number;
  /** WebAssembly memory before and after a 48 MiB tensor (the memory grows while the workers run) */
  wasmBytesBefore: number;
  wasmBytesAfter: number;
  /** an MLP trained with Adam on synthetic regression data, all on the default backend */
  lossFirst: number;
  lossLast: number;
  trainSteps: number;
  trainMs: number;
  totalMs: number;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > m) m = d;
  }
  return m;
}

/** |wasm(a @ b) - js(a @ b)|, a and b made on the default backend. */
function matmulDiff(m: number, k: number, n: number, timing?: { ms: number }): number {
  const a = my.randn([m, k]);
  const b = my.randn([k, n]);
  let fast = my.matmul(a, b);
  if (timing) {
    timing.ms = Infinity;
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      fast = my.matmul(a, b);
      fast.data();
      timing.ms = Math.min(timing.ms, performance.now() - t);
    }
  }
  const ref = my.matmul(a.toBackend('js'), b.toBackend('js'));
  if (fast.device !== 'wasm' || ref.device !== 'js') throw new Error(`matmul ran on ${fast.device} and ${ref.device}`);
  return maxAbsDiff(fast.data(), ref.data());
}

export async function run(): Promise<PageReport> {
  const t0 = performance.now();
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  my.manualSeed(1);
  const defaultBackend = my.getBackend().name;
  const backend = wasmBackend();
  const smallMatmulMaxDiff = matmulDiff(37, 53, 29);

  const threadsDefault = my.getNumThreads();
  if (threadsDefault < 2) my.setNumThreads(2); // one core: ask for two anyway (stays 1 without shared memory)
  const warmUpResult = await my.warmUpThreads();
  const threadsAfterWarmUp = my.getNumThreads();
  const pool = backend?.pool ?? null;
  const poolReady = !!pool?.ready;
  // count the products the pool runs
  let poolSgemmCalls = 0;
  if (pool) {
    const sgemm = pool.sgemm.bind(pool);
    pool.sgemm = (...args: Parameters<typeof sgemm>): void => {
      poolSgemmCalls++;
      sgemm(...args);
    };
  }
  // grow the shared memory under the running workers, keeping the big tensor alive across the products
  const wasmBytesBefore = backend ? backend.heap.memory.buffer.byteLength : 0;
  // a kernel's result (data straight from the caller starts on the JS heap)
  const big = my.zeros([12 * 1024 * 1024]).add(1);
  const wasmBytesAfter = backend ? backend.heap.memory.buffer.byteLength : 0;
  const timing = { ms: 0 };
  const largeMatmulMaxDiff = matmulDiff(512, 512, 512, timing);
  if (big.shape[0] !== 12 * 1024 * 1024) throw new Error('unreachable');

  // y = sin(x0) + x1 * x2 on 256 random points; a 3-128-128-1 MLP (its middle products are big enough for the
  // thread pool), full-batch Adam
  const x = my.randn([256, 3]);
  const cols = my.split(x, 1, 1);
  const y = my.add(my.sin(cols[0]), my.mul(cols[1], cols[2]));
  const model = new my.Sequential(new my.nn.Linear(3, 128), new my.nn.ReLU(), new my.nn.Linear(128, 128), new my.nn.ReLU(), new my.nn.Linear(128, 1));
  const opt = new my.optim.Adam(model.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  const trainSteps = 60;
  const t2 = performance.now();
  for (let step = 0; step < trainSteps; step++) {
    opt.zeroGrad();
    const loss = my.F.mseLoss(model.forward(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  const trainMs = performance.now() - t2;

  return {
    crossOriginIsolated: g.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? 0,
    defaultBackend,
    wasmAvailable: my.wasmAvailable(),
    wasmLoadError: wasmLoadError() ? String(wasmLoadError()!.message) : null,
    variant: backend ? backend.variant : null,
    smallMatmulMaxDiff,
    threadsDefault,
    threadsAfterWarmUp,
    warmUpResult,
    poolReady,
    largeMatmulMaxDiff,
    largeMatmulMs: timing.ms,
    poolSgemmCalls,
    wasmBytesBefore,
    wasmBytesAfter,
    lossFirst: losses[0],
    lossLast: losses[losses.length - 1],
    trainSteps,
    trainMs,
    totalMs: performance.now() - t0,
  };
}
