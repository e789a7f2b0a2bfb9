/**
 * A kernel worker (see threads.ts): instantiates the module over the shared memory, reports ready, then runs jobs
 * from its control slot until the pool terminates it. Runs under node:worker_threads (workerData) or as a module Web
 * Worker (first message).
 */
import type { KernelExports } from './abi.js';

interface Start {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** i32 index of this worker's control slot */
  slot: number;
  /** sgemm workspace address */
  ws: number;
}

// the numbers of threads.ts's commands (not imported: the worker loads nothing but itself)
const CMD_SGEMM = 1;
const CMD_ADAM = 2;

function serve(start: Start): void {
  const instance = new WebAssembly.Instance(start.module, { env: { memory: start.memory } });
  const k = instance.exports as unknown as KernelExports;
  const i32 = new Int32Array(start.memory.buffer);
  const f32 = new Float32Array(start.memory.buffer);
  const s = start.slot;
  // run the GEMM once on a small block (inside this worker's workspace) so the engine compiles its optimised code
  // now rather than during the first real job
  const n = 48, scratch = (start.ws + k.sgemmWorkspace(n) + 63) & ~63;
  for (let r = 0; r < 2; r++) k.sgemm(n, n, n, scratch, n, 1, scratch + n * n * 4, n, 1, scratch + 2 * n * n * 4, n, 0, start.ws);
  Atomics.store(i32, s + 2, 1);
  let seen = Atomics.load(i32, s);
  for (;;) {
    Atomics.wait(i32, s, seen);
    const seq = Atomics.load(i32, s);
    if (seq === seen) continue;
    seen = seq;
    // arguments live in the slot; the memory may have grown, but the control block is below the old size
    const g = (i: number): number => i32[s + 4 + i];
    const f = (i: number): number => f32[s + 4 + i];
    const cmd = i32[s + 3];
    if (cmd === CMD_SGEMM) {
      k.sgemm(g(0), g(1), g(2), g(3), g(4), g(5), g(6), g(7), g(8), g(9), g(10), g(11), start.ws);
    } else if (cmd === CMD_ADAM) {
      k.adamF32(g(0), g(1), g(2), g(3), g(4), f(5), f(6), f(7), f(8), f(9), f(10), f(11));
    }
    Atomics.store(i32, s + 1, seq);
    Atomics.notify(i32, s + 1);
  }
}

const isNode = typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

if (isNode) {
  const { workerData } = await import('node:worker_threads');
  serve(workerData as Start);
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<Start>) => void) | null };
  scope.onmessage = (e: MessageEvent<Start>) => {
    scope.onmessage = null;
    serve(e.data);
  };
}
