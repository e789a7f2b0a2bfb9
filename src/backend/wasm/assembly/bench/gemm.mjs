/**
 * GEMM throughput of the wasm backend (run after `tsc -p .`): node src/backend/wasm/assembly/bench/gemm.mjs [threads...]
 * Prints GFLOP/s (best of several runs) for square products through Tensor.matmul, plus the raw kernel single-threaded.
 */
import { noGrad, randn, setBackend } from '../../../../../dist/src/index.js';
import { setNumThreads, warmUpThreads, wasmBackend } from '../../../../../dist/src/backend/wasm/index.js';

const threadCounts = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (threadCounts.length === 0) threadCounts.push(1, 2);
setBackend('wasm');
const b = wasmBackend();
console.log(`variant ${b.variant}`);

function best(fn, minMs = 300, minRuns = 3) {
  let bestT = Infinity, runs = 0;
  const t0 = performance.now();
  while (runs < minRuns || performance.now() - t0 < minMs) {
    const t = performance.now();
    fn();
    bestT = Math.min(bestT, performance.now() - t);
    runs++;
  }
  return bestT;
}

const sizes = [64, 128, 256, 512, 1024];
for (const T of threadCounts) {
  setNumThreads(T);
  if (T > 1) await warmUpThreads();
  const row = [];
  for (const n of sizes) {
    const a = randn([n, n]), c = randn([n, n]);
    noGrad(() => a.matmul(c));
    const ms = best(() => noGrad(() => a.matmul(c)), n >= 512 ? 1500 : 400);
    row.push(`${n}: ${(2 * n ** 3 / ms / 1e6).toFixed(1)}`);
  }
  console.log(`matmul, ${T} thread(s), GFLOP/s  ${row.join('  ')}`);
}

// the raw kernel on one thread, no allocation
const k = b.k, heap = b.heap;
for (const n of [256, 1024]) {
  heap.reserve(3 * n * n * 4);
  const A = heap.alloc(n * n * 4).ptr, B = heap.alloc(n * n * 4).ptr, C = heap.alloc(n * n * 4).ptr;
  const ws = heap.allocPermanent(k.sgemmWorkspace(2048));
  heap.f32.fill(0.5, A >> 2, (A >> 2) + n * n);
  heap.f32.fill(0.25, B >> 2, (B >> 2) + n * n);
  const ms = best(() => k.sgemm(n, n, n, A, n, 1, B, n, 1, C, n, 0, ws), 1500);
  const msT = best(() => k.sgemm(n, n, n, A, 1, n, B, 1, n, C, n, 0, ws), 1500);
  console.log(`raw sgemm ${n}: NN ${(2 * n ** 3 / ms / 1e6).toFixed(1)} GFLOP/s, TT ${(2 * n ** 3 / msT / 1e6).toFixed(1)} GFLOP/s`);
}
