/**
 * The wasm backend's state and its controls, for either platform. A platform module (node.ts, browser.ts) hands over
 * how to get the kernel module with provideWasm; the 'wasm' backend is then registered and becomes the default, and
 * is made at the first tensor that needs it (the first call of its factory): in Node the module is read and
 * compiled then, synchronously, so a process that never creates a tensor on it never compiles it; in browsers it was
 * fetched and compiled at import (WebAssembly cannot compile a module of this size synchronously on a page's main
 * thread). Where it cannot load, the js backend stays the default and the library says so once, with the reason.
 */
import { registerBackend, setDefaultBackend } from '../device.js';
import type { KernelExports } from './abi.js';
import { WasmDevice } from './device.js';
import { WasmHeap, type HeapStats, type LinearMemory } from './heap.js';
import type { Variant } from './loader.js';
import { ThreadPool, type SpawnWorker } from './threads.js';
import './kernels/elementwise.js';
import './kernels/reduce.js';
import './kernels/matmul.js';
import './kernels/conv.js';
import './kernels/pool.js';
import './kernels/optim.js';
import './kernels/borrowed.js';

export { WasmDevice, WasmStorage } from './device.js';
export type { HeapStats } from './heap.js';

/**
 * What a platform supplies: the module, instantiated over a fresh memory, and how to run threads. (WebAssembly
 * objects are typed loosely here so that the typings need no DOM lib.)
 */
export interface WasmPlatform {
  /** the compiled WebAssembly.Module (workers instantiate it too) */
  module: object;
  variant: Variant;
  /** whether the memory is shared (threads possible) */
  shared: boolean;
  exports: KernelExports;
  memory: LinearMemory;
  /** the memory's maximum in 64 KiB pages */
  maxPages: number;
  /** logical cores (the default number of threads) */
  cores: number;
  /** starts a kernel worker; null where threads are impossible (no shared memory, no Worker) */
  spawn: SpawnWorker | null;
  /** whether the calling thread may block in Atomics.wait */
  canBlock: boolean;
}

let provide: (() => WasmPlatform) | null = null;
/** undefined: not tried yet */
let instance: WasmDevice | null | undefined;
let loadError: Error | null = null;
let platform: WasmPlatform | null = null;
let wantThreads = 1;
const workspaces: number[] = [];

/**
 * Registers the 'wasm' backend, made by `load` when first needed, and makes it the default backend (unless the user
 * has chosen one); `load` throws where the module cannot run. Called once, by the platform module.
 */
export function provideWasm(load: () => WasmPlatform): void {
  provide = load;
  registerBackend('wasm', () => {
    const device = wasmBackend();
    if (!device) throw new Error(`the wasm backend could not load (${loadError?.message ?? 'no platform provided it'})`);
    return device;
  });
  setDefaultBackend('wasm', (e) => {
    console.warn(`myelin: ${e.message}; running on the js backend, which is several times slower`);
  });
}

/** The wasm backend instance, made on first call (null when it cannot load: see wasmLoadError). */
export function wasmBackend(): WasmDevice | null {
  if (instance !== undefined) return instance;
  instance = null;
  if (!provide) {
    loadError = new Error('no platform module provided the kernels (import the package root, not its internals)');
    return null;
  }
  try {
    const p = provide();
    const k = p.exports;
    // permanent arena: one GEMM workspace per thread plus a few pools' control blocks
    const threads = p.spawn ? Math.max(1, p.cores) : 1;
    const arena = threads * (k.sgemmWorkspace(2048) + 64) + 16384;
    const heap = new WasmHeap(p.memory, k.heapBase(), p.shared, p.maxPages, arena);
    const device = new WasmDevice({ exports: k, heap, variant: p.variant });
    device.warmUp();
    platform = p;
    wantThreads = threads;
    device.threadsWanted = threads;
    device.startPool = () => startPool();
    instance = device;
  } catch (e) {
    loadError = e as Error;
  }
  return instance;
}

function startPool(): ThreadPool | null {
  const b = instance, p = platform;
  if (!b || !p || !p.spawn || wantThreads <= 1) return null;
  b.pool = new ThreadPool({
    module: p.module,
    heap: b.heap,
    threads: wantThreads,
    workspace: (t) => {
      // the calling thread keeps its own workspace; workers get theirs from the arena
      if (t === 0) return b.gemmWorkspace();
      while (workspaces.length < t) workspaces.push(b.heap.allocPermanent(b.k.sgemmWorkspace(2048)));
      return workspaces[t - 1];
    },
    sgemm: b.k.sgemm,
    adam: b.k.adamF32,
    spawn: p.spawn,
    canBlock: p.canBlock,
  });
  return b.pool;
}

/** True when the wasm backend can run here (loads it if it has not loaded yet). */
export function wasmAvailable(): boolean {
  return wasmBackend() !== null;
}

/** Why the wasm backend is unavailable (null when it loaded or has not been tried). */
export function wasmLoadError(): Error | null {
  return loadError;
}

/**
 * Sets how many threads large matrix products and convolutions use (default: the number of cores). 1 turns the
 * worker pool off. Threads need a shared memory: in browsers, a cross-origin isolated page.
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  const b = wasmBackend();
  if (!b) return;
  const want = platform?.spawn ? n : 1;
  if (want === wantThreads && (b.pool || want === 1)) return;
  wantThreads = want;
  b.threadsWanted = want;
  b.pool?.terminate();
  b.pool = null;
}

/** The number of threads the wasm backend uses for large products. */
export function getNumThreads(): number {
  return wasmBackend() ? wantThreads : 1;
}

/**
 * Starts the worker threads now and resolves when they are running (kernels otherwise start them on first need and
 * use them once ready). Resolves false when threads are unavailable.
 */
export async function warmUpThreads(): Promise<boolean> {
  const b = wasmBackend();
  if (!b) return false;
  const pool = b.pool ?? startPool();
  return pool ? pool.whenReady() : false;
}

/**
 * Soft limit (bytes) on WebAssembly memory held by live storage before least-recently-used storage moves to the
 * JavaScript heap (default 256 MiB). See heap.ts.
 */
export function setWasmMemoryBudget(bytes: number): void {
  if (!(bytes > 0)) throw new RangeError(`setWasmMemoryBudget: expected a positive number of bytes, got ${bytes}`);
  const b = wasmBackend();
  if (b) b.heap.budget = bytes;
}

/** Memory statistics of the wasm backend (null when unavailable). */
export function wasmMemoryStats(): HeapStats | null {
  const b = wasmBackend();
  return b ? b.heap.stats() : null;
}
