/**
 * The kernel worker's program (see threads.ts): instantiates the module over the shared memory, reports ready, then
 * runs jobs from its control slot until the pool terminates it.
 *
 * Workers are started from this function's source text (Function.prototype.toString: a Blob URL in browsers, an
 * `eval` worker in Node), so no bundler has to find, emit or serve a worker file. Hence the rules for its body: it
 * refers to nothing outside itself but the engine's globals (WebAssembly, Atomics, typed arrays), declares no inner
 * functions (a bundler's keep-names helper would be referenced from outside), and the command numbers are literals
 * (threads.ts's CMD_SGEMM = 1 and CMD_ADAM = 2).
 */

/** What a worker is started with. */
export interface WorkerStart {
  /** the compiled kernel module (a WebAssembly.Module; typed loosely so the typings need no DOM lib) */
  module: object;
  /** the shared WebAssembly.Memory */
  memory: object;
  /** i32 index of this worker's control slot */
  slot: number;
  /** sgemm workspace address */
  ws: number;
}

export function serveKernels(start: WorkerStart): void {
  const instance = new WebAssembly.Instance(start.module as WebAssembly.Module, { env: { memory: start.memory as WebAssembly.Memory } });
  const k = instance.exports as Record<string, (...args: number[]) => number>;
  const buffer = (start.memory as WebAssembly.Memory).buffer;
  const i32 = new Int32Array(buffer);
  const f32 = new Float32Array(buffer);
  const s = start.slot;
  const a = s + 4;
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
    const cmd = i32[s + 3];
    if (cmd === 1) {
      k.sgemm(i32[a], i32[a + 1], i32[a + 2], i32[a + 3], i32[a + 4], i32[a + 5], i32[a + 6], i32[a + 7], i32[a + 8],
        i32[a + 9], i32[a + 10], i32[a + 11], start.ws);
    } else if (cmd === 2) {
      k.adamF32(i32[a], i32[a + 1], i32[a + 2], i32[a + 3], i32[a + 4], f32[a + 5], f32[a + 6], f32[a + 7], f32[a + 8],
        f32[a + 9], f32[a + 10], f32[a + 11]);
    }
    Atomics.store(i32, s + 1, seq);
    Atomics.notify(i32, s + 1);
  }
}
