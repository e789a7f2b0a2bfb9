/**
 * The wasm backend in browsers: fetches and compiles the kernels at import (top-level await: a page's main thread
 * may not compile a module of this size synchronously) and provides them to index.ts. Each build is a separate
 * dynamic import, so a bundler splits them into chunks and the page downloads only the one it picked: relaxed SIMD
 * where the engine has it (Chrome 114+); a shared memory with worker threads where the page is cross-origin isolated.
 * Workers run worker.ts's serveKernels from a Blob URL: there is no worker file for a bundler to find.
 */
import type { KernelExports } from './abi.js';
import { provideWasm, type WasmPlatform } from './index.js';
import {
  assertCurrent, assertRunnable, buildBytes, relaxedSimdSupported, sharedMemorySupported, variantName,
} from './loader.js';
import type { KernelWorker } from './threads.js';
import { serveKernels, type WorkerStart } from './worker.js';

/** The base64 text of a build; literal specifiers, one per build, so that every bundler sees and splits them. */
async function binary(relaxed: boolean): Promise<string> {
  return relaxed ? (await import('./bin/myelin-relaxed.js')).default : (await import('./bin/myelin-simd.js')).default;
}

// 2 GiB: browsers refuse larger shared memories on some devices
const MAX_PAGES = 32768;

let workerUrl: string | null = null;

function spawn(start: WorkerStart, onError: () => void): KernelWorker {
  workerUrl ??= URL.createObjectURL(new Blob(
    [`onmessage = (e) => { onmessage = null; (${serveKernels.toString()})(e.data); };`], { type: 'text/javascript' }));
  const w = new Worker(workerUrl);
  w.onerror = onError;
  w.postMessage(start);
  return w;
}

async function load(): Promise<WasmPlatform> {
  const shared = sharedMemorySupported() && typeof Worker !== 'undefined';
  const relaxed = relaxedSimdSupported();
  const variant = variantName(relaxed, shared);
  const bytes = buildBytes(await binary(relaxed), shared);
  assertRunnable(bytes, variant, relaxed, shared);
  const module = await WebAssembly.compile(bytes);
  assertCurrent(module, variant);
  const memory = shared
    ? new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 256 });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return {
    module, variant, shared, memory, maxPages: MAX_PAGES,
    exports: instance.exports as unknown as KernelExports,
    cores: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1,
    spawn: shared ? spawn : null,
    // Atomics.wait is not allowed on a page's main thread (the library may itself run in a worker)
    canBlock: typeof (globalThis as { document?: unknown }).document === 'undefined',
  };
}

let loaded: WasmPlatform | Error;
try {
  loaded = await load();
} catch (e) {
  loaded = e as Error;
}
provideWasm(() => {
  if (loaded instanceof Error) throw loaded;
  return loaded;
});
