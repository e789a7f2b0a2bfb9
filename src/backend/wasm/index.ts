/**
 * Loads the WebAssembly kernels and registers the 'wasm' backend (importing this module does not change the default
 * backend; ./default.js does). Loading happens once, at import (top-level await): Node reads the committed binary
 * from disk, browsers fetch it. Where the engine lacks WebAssembly SIMD128 the backend is not registered and
 * `wasmAvailable` is false, with the reason in `wasmLoadError`.
 */
import { registerBackend } from '../device.js';
import type { KernelExports } from './abi.js';
import { WasmDevice } from './device.js';
import { WasmHeap, type HeapStats } from './heap.js';
import { loadModule } from './loader.js';
import { ThreadPool, type WorkerConstructor } from './threads.js';
import './kernels/elementwise.js';
import './kernels/reduce.js';
import './kernels/matmul.js';
import './kernels/conv.js';
import './kernels/pool.js';
import './kernels/optim.js';
import './kernels/borrowed.js';

export { WasmDevice, WasmStorage } from './device.js';
export type { HeapStats } from './heap.js';

const isNode = typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

let instance: WasmDevice | null = null;
let loadError: Error | null = null;
let workerCtor: WorkerConstructor | null = null;
let module: WebAssembly.Module | null = null;
let cores = 1;
let wantThreads = 1;

try {
  const loaded = await loadModule();
  module = loaded.module;
  const maxPages = isNode ? 65536 : 32768;
  const memory = loaded.shared
    ? new WebAssembly.Memory({ initial: 256, maximum: maxPages, shared: true })
    : new WebAssembly.Memory({ initial: 256 });
  const inst = isNode
    ? new WebAssembly.Instance(loaded.module, { env: { memory } })
    : await WebAssembly.instantiate(loaded.module, { env: { memory } });
  const k = inst.exports as unknown as KernelExports;
  if (isNode) {
    const os = await import('node:os');
    cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    if (loaded.shared) workerCtor = (await import('node:worker_threads')).Worker as unknown as WorkerConstructor;
  } else {
    cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
    if (loaded.shared && typeof Worker !== 'undefined') workerCtor = Worker as unknown as WorkerConstructor;
  }
  // permanent arena: one GEMM workspace per thread plus a few pools' control blocks
  const arena = (workerCtor ? Math.max(1, cores) : 1) * (k.sgemmWorkspace(2048) + 64) + 16384;
  const heap = new WasmHeap(memory, k.heapBase(), loaded.shared, maxPages, arena);
  instance = new WasmDevice({ exports: k, heap, variant: loaded.variant });
  instance.warmUp();
  wantThreads = workerCtor ? Math.max(1, cores) : 1;
  instance.startPool = () => startPool();
  instance.threadsWanted = wantThreads;
} catch (e) {
  loadError = e as Error;
  instance = null;
}

const workspaces: number[] = [];

function startPool(): ThreadPool | null {
  if (!instance || !module || !workerCtor || wantThreads <= 1) return null;
  const b = instance;
  instance.pool = new ThreadPool({
    module,
    heap: b.heap,
    threads: wantThreads,
    workspace: (t) => {
      // the calling thread keeps its own workspace; workers get theirs from the arena
      if (t === 0) return b.gemmWorkspace();
      while (workspaces.length < t) workspaces.push(b.heap.allocPermanent(b.k.sgemmWorkspace(2048)));
      return workspaces[t - 1];
    },
    sgemm: instance.k.sgemm,
    adam: instance.k.adamF32,
    Worker: workerCtor,
  });
  return instance.pool;
}

/** True when the wasm backend loaded and is registered. */
export const wasmAvailable = instance !== null;
/** Why the wasm backend is unavailable (null when it loaded). */
export const wasmLoadError = loadError;

if (instance) {
  const b = instance;
  registerBackend('wasm', () => b);
}

/** The wasm backend instance (null when unavailable). */
export function wasmBackend(): WasmDevice | null {
  return instance;
}

/**
 * Sets how many threads large matrix products and convolutions use (default: the number of cores). 1 turns the
 * worker pool off. Threads need a shared memory: in browsers, a cross-origin isolated page.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  if (!instance) return;
  const want = workerCtor ? n : 1;
  if (want === wantThreads && (instance.pool || want === 1)) return;
  wantThreads = want;
  instance.threadsWanted = want;
  instance.pool?.terminate();
  instance.pool = null;
}

/** The number of threads the wasm backend uses for large products. */
export function getNumThreads(): number {
  return instance ? wantThreads : 1;
}

/**
 * Starts the worker threads now and resolves when they are running (kernels otherwise start them on first need and
 * use them once ready). Resolves false when threads are unavailable.
 */
export async function warmUpThreads(): Promise<boolean> {
  if (!instance) return false;
  const pool = instance.pool ?? startPool();
  return pool ? pool.whenReady() : false;
}

/**
 * Soft limit (bytes) on WebAssembly memory held by live storage before least-recently-used storage moves to the
 * JavaScript heap (default 256 MiB). See heap.ts.
 */
export function setWasmMemoryBudget(bytes: number): void {
  if (!(bytes > 0)) throw new RangeError(`setWasmMemoryBudget: expected a positive number of bytes, got ${bytes}`);
  if (instance) instance.heap.budget = bytes;
}

/** Memory statistics of the wasm backend (null when unavailable). */
export function wasmMemoryStats(): HeapStats | null {
  return instance ? instance.heap.stats() : null;
}
