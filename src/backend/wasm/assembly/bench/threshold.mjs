/**
 * Where splitting a product across threads starts to pay (run after `tsc -p .`):
 *   node src/backend/wasm/assembly/bench/threshold.mjs
 * Times one thread and the pool on the same square and skinny products, interleaved, best of many runs.
 */
import { setBackend } from '../../../../../dist/src/index.js';
import { warmUpThreads, wasmBackend, getNumThreads } from '../../../../../dist/src/backend/wasm/index.js';

setBackend('wasm');
if (!(await warmUpThreads())) throw new Error('threads unavailable');
const b = wasmBackend(), pool = b.pool, heap = b.heap, k = b.k;
console.log(`threads ${getNumThreads()}`);
const shapes = [[32, 32, 32], [48, 48, 48], [64, 64, 64], [96, 96, 96], [128, 128, 128], [64, 784, 128], [64, 128, 784], [192, 192, 192], [256, 256, 256]];
for (const [M, N, K] of shapes) {
  const A = heap.alloc(M * K * 4).ptr, B = heap.alloc(K * N * 4).ptr, C = heap.alloc(M * N * 4).ptr;
  heap.f32.fill(0.5, A >> 2, (A >> 2) + M * K);
  heap.f32.fill(0.5, B >> 2, (B >> 2) + K * N);
  let t1 = Infinity, t2 = Infinity;
  const reps = Math.max(5, Math.round(2e8 / (2 * M * N * K)));
  for (let r = 0; r < 30; r++) {
    let t = performance.now();
    for (let i = 0; i < reps; i++) k.sgemm(M, N, K, A, K, 1, B, N, 1, C, N, 0, b.gemmWorkspace());
    t1 = Math.min(t1, (performance.now() - t) / reps);
    t = performance.now();
    for (let i = 0; i < reps; i++) pool.sgemm(M, N, K, A, K, 1, B, N, 1, C, N, false);
    t2 = Math.min(t2, (performance.now() - t) / reps);
  }
  const f = 2 * M * N * K;
  console.log(`${M}x${N}x${K} (${(f / 1e6).toFixed(1)} MFLOP): 1 thread ${(t1 * 1000).toFixed(1)} us, pool ${(t2 * 1000).toFixed(1)} us, speedup ${(t1 / t2).toFixed(2)}`);
}
