/**
 * A pool of worker threads sharing the backend's WebAssembly.Memory (node:worker_threads in Node, Web Workers in
 * browsers: the platform module passes `spawn`, which starts one running worker.ts's serveKernels). Each worker instantiates the same compiled module over the same shared memory and waits on a slot of
 * a control block in that memory; the calling thread writes a job into the slots, wakes the workers with
 * Atomics.notify, does its own share, then waits for theirs. No messages are exchanged per job, so a hand-off costs a
 * few microseconds plus the wake-up.
 *
 * Control block: one 64-byte slot per worker, i32 words: [0] seq (job number, bumped by the caller), [1] done (the
 * last seq finished), [2] ready, [3] command, [4..] arguments (a float argument as its float32 bits).
 *
 * Workers start asynchronously; until all report ready, kernels run on the calling thread. In Node the workers are
 * unref'd: they never keep the process alive.
 */
import type { WasmHeap } from './heap.js';
import type { WorkerStart } from './worker.js';

const SLOT_WORDS = 16;
/** Worker commands (word 3 of a slot); worker.ts has the same numbers as literals. */
const CMD_SGEMM = 1;
const CMD_ADAM = 2;

type Coeffs = [number, number, number, number, number, number, number];

const f32Scratch = new Float32Array(1);
const i32OfF32 = new Int32Array(f32Scratch.buffer);
/** The bits of x rounded to float32, as an int32 (how float arguments travel in a control slot). */
function f32Bits(x: number): number {
  f32Scratch[0] = x;
  return i32OfF32[0];
}

/** A started worker, as the platform's spawn returns it. */
export interface KernelWorker {
  terminate(): unknown;
}

/** Starts one worker running serveKernels(start); calls onError if it dies. */
export type SpawnWorker = (start: WorkerStart, onError: () => void) => KernelWorker;

export interface ThreadPoolOptions {
  /** the compiled kernel module (a WebAssembly.Module; typed loosely so the typings need no DOM lib) */
  module: object;
  heap: WasmHeap;
  /** total threads including the calling one */
  threads: number;
  /** sgemm workspace address of thread t (0 is the calling thread); reused by later pools */
  workspace: (t: number) => number;
  /** the calling thread's sgemm */
  sgemm: (M: number, N: number, K: number, a: number, rsa: number, csa: number, b: number, rsb: number, csb: number,
    c: number, ldc: number, accumulate: number, ws: number) => void;
  /** the calling thread's adamF32 */
  adam: (n: number, p: number, g: number, m: number, v: number, ...coeffs: Coeffs) => void;
  spawn: SpawnWorker;
  /** whether this thread may block in Atomics.wait (not a browser's main thread) */
  canBlock: boolean;
}

export class ThreadPool {
  readonly threads: number;
  private readonly workers: KernelWorker[] = [];
  private readonly ctrl: number;
  private readonly ws: number[] = [];
  private seq = 0;
  /**
   * The calling thread's share of a job, per command. A worker starts tens of microseconds after the hand-off and, on
   * a busy or power-limited machine, may run slower than the calling thread; the share follows how long the calling
   * thread then waits, so that all threads tend to finish together. Commands keep their own (a short optimiser update
   * feels the late start more than a long product). The split never changes results: every output element is
   * computed by one thread with the same arithmetic.
   */
  private readonly callerShare: Record<number, number>;
  private readyFlag = false;
  private closed = false;
  /** Atomics.wait is not allowed on a browser's main thread: spin there */
  private readonly canBlock: boolean;

  /** Starts threads-1 workers; they report ready through the control block. */
  constructor(private readonly opts: ThreadPoolOptions) {
    this.threads = opts.threads;
    this.callerShare = { [CMD_SGEMM]: 1 / opts.threads, [CMD_ADAM]: 1 / opts.threads };
    const heap = opts.heap;
    this.ctrl = heap.allocPermanent(SLOT_WORDS * 4 * opts.threads);
    heap.i32.fill(0, this.ctrl >> 2, (this.ctrl >> 2) + SLOT_WORDS * opts.threads);
    // workspaces are reused across pools; a fresh control block means workers of a terminated pool (idle, waiting
    // on their old slots) can never pick up a new job
    for (let t = 0; t < opts.threads; t++) this.ws.push(opts.workspace(t));
    this.canBlock = opts.canBlock;
    this.spawn();
  }

  private slot(t: number): number {
    return (this.ctrl >> 2) + t * SLOT_WORDS;
  }

  private spawn(): void {
    const data = { module: this.opts.module, memory: this.opts.heap.memory, slot: 0, ws: 0 };
    try {
      for (let t = 1; t < this.threads; t++) {
        this.workers.push(this.opts.spawn({ ...data, slot: this.slot(t), ws: this.ws[t] }, () => this.fail()));
      }
    } catch {
      this.fail();
    }
  }

  private fail(): void {
    // a worker died: stop using the pool (kernels fall back to the calling thread)
    this.closed = true;
    this.readyFlag = false;
  }

  /** True once every worker has started. */
  get ready(): boolean {
    if (this.readyFlag) return true;
    if (this.closed) return false;
    const i32 = this.opts.heap.i32;
    for (let t = 1; t < this.threads; t++) if (Atomics.load(i32, this.slot(t) + 2) !== 1) return false;
    this.readyFlag = true;
    return true;
  }

  /** Resolves when all workers are ready (or the pool failed). */
  async whenReady(timeoutMs = 10000): Promise<boolean> {
    const t0 = Date.now();
    while (!this.ready && !this.closed && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 2));
    return this.ready;
  }

  /**
   * C = A B split across the threads: by 8-column panels when N is wide enough, else by 4-row panels of M. Same
   * arguments as the kernel's sgemm (byte addresses, element strides).
   */
  sgemm(M: number, N: number, K: number, a: number, rsa: number, csa: number, b: number, rsb: number, csb: number,
    c: number, ldc: number, accumulate: boolean): void {
    const byCols = N >= 8 * this.threads || N >= M;
    const units = byCols ? Math.ceil(N / 8) : Math.ceil(M / 4);
    const acc = accumulate ? 1 : 0;
    const args = ([u0, u1]: [number, number]): number[] => {
      if (byCols) {
        const lo = u0 * 8, hi = Math.min(N, u1 * 8);
        return [M, hi - lo, K, a, rsa, csa, b + lo * csb * 4, rsb, csb, c + lo * 4, ldc, acc];
      }
      const lo = u0 * 4, hi = Math.min(M, u1 * 4);
      return [hi - lo, N, K, a + lo * rsa * 4, rsa, csa, b, rsb, csb, c + lo * ldc * 4, ldc, acc];
    };
    this.runParts(CMD_SGEMM, units, args, (g) => this.opts.sgemm(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], this.ws[0]));
  }

  /**
   * Adam's update (the kernel's adamF32) over n float32 elements at byte addresses p, g, m, v, split into one
   * contiguous range per thread. `coeffs`: beta1, beta2, stepSize, bc2Sqrt, eps, decay, l2 (passed as float32).
   */
  adam(n: number, p: number, g: number, m: number, v: number, coeffs: readonly number[]): void {
    const bits = coeffs.map(f32Bits);
    // units of four elements, so that every range but the last is whole SIMD vectors
    const args = ([u0, u1]: [number, number]): number[] => {
      const lo = u0 * 4, o = lo * 4;
      return [Math.min(n, u1 * 4) - lo, p + o, g + o, m + o, v + o, ...bits];
    };
    this.runParts(CMD_ADAM, Math.ceil(n / 4), args, (a) => this.opts.adam(a[0], a[1], a[2], a[3], a[4], ...(coeffs as Coeffs)));
  }

  /**
   * Runs a job of `units` equal units of work: the calling thread's share first (`local`), the rest split evenly
   * among the workers (command `cmd` with the i32 arguments `args` gives for a range of units). Returns when all are
   * done, and adjusts the calling thread's share from how long it waited (see callerShare).
   */
  private runParts(cmd: number, units: number, args: (range: [number, number]) => number[], local: (args: number[]) => void): void {
    const T = this.threads;
    const first = Math.max(1, Math.min(units, Math.round(units * this.callerShare[cmd])));
    const per = Math.ceil((units - first) / (T - 1));
    const parts: [number, number][] = [[0, first]];
    for (let u0 = first; u0 < units; u0 += per) parts.push([u0, Math.min(units, u0 + per)]);
    const i32 = this.opts.heap.i32;
    const seq = ++this.seq;
    for (let t = 1; t < parts.length; t++) {
      const s = this.slot(t);
      i32[s + 3] = cmd;
      i32.set(args(parts[t]), s + 4);
      Atomics.store(i32, s, seq);
      Atomics.notify(i32, s, 1);
    }
    const t0 = performance.now();
    local(args(parts[0]));
    const t1 = performance.now();
    // poll first: the workers' shares take about as long as the calling thread's, and waking from Atomics.wait costs
    // tens of microseconds more than a poll (~90 us median on a 2-core VM). Poll for about as long as our own share
    // took (at most 1 ms), then sleep, so that a worker short of CPU is not kept waiting by our polling.
    const pollUntil = t1 + Math.min(1, t1 - t0);
    for (let t = 1; t < parts.length; t++) {
      const d = this.slot(t) + 1;
      for (let spins = 0; Atomics.load(i32, d) !== seq; spins++) {
        if (this.canBlock && (spins & 255) === 255 && performance.now() > pollUntil) Atomics.wait(i32, d, Atomics.load(i32, d), 50);
      }
    }
    if (parts.length === T) this.adjustShare(cmd, first / units, t1 - t0, performance.now() - t1);
  }

  /**
   * Moves the command's callerShare towards the share at which all threads would have finished together, given that
   * the calling thread did `share` of the last job in `ownMs` and then waited `waitMs` for the workers.
   */
  private adjustShare(cmd: number, share: number, ownMs: number, waitMs: number): void {
    if (!(ownMs > 0)) return;
    let target: number;
    if (waitMs > 0.005) {
      // the workers were the bottleneck: their rate is their share over the whole job's time
      const own = share / ownMs, workers = (1 - share) / (ownMs + waitMs);
      target = own / (own + workers);
    } else {
      // they were done first, by an unknown margin: hand them a little more
      target = share - 0.05;
    }
    const lo = 0.5 / this.threads, hi = 0.9;
    this.callerShare[cmd] = Math.min(hi, Math.max(lo, 0.8 * this.callerShare[cmd] + 0.2 * target));
  }

  terminate(): void {
    this.closed = true;
    this.readyFlag = false;
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
