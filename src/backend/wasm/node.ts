/**
 * The wasm backend on Node.js: provides the kernels to index.ts, compiled synchronously when the first tensor needs
 * the backend (not at import; node-module.ts picks the build and says when it turns on relaxed SIMD), with worker
 * threads from node:worker_threads (unref'd: they never keep the process alive). Exports nothing, so that its
 * typings name no WebAssembly type.
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { KernelExports } from './abi.js';
import { provideWasm } from './index.js';
import { loadModule } from './node-module.js';
import type { KernelWorker } from './threads.js';
import { serveKernels, type WorkerStart } from './worker.js';

/** The parent's Node flags minus those that only make sense for the main script (-e, -p, --input-type). */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    const s = a[i];
    if (s === '-e' || s === '--eval' || s === '-p' || s === '--print' || s === '--input-type') {
      i++;
      continue;
    }
    if (s.startsWith('--eval=') || s.startsWith('--print=') || s.startsWith('--input-type=')) continue;
    out.push(s);
  }
  return out;
}

const WORKER_SOURCE = `(${serveKernels.toString()})(require('node:worker_threads').workerData);`;

function spawn(start: WorkerStart, onError: () => void): KernelWorker {
  let w: Worker;
  try {
    w = new Worker(WORKER_SOURCE, { eval: true, workerData: start, execArgv: workerExecArgv() });
  } catch (e) {
    // Process-wide flags (--expose-gc, --max-old-space-size, V8 options) are refused in a worker's execArgv; they
    // apply to every thread anyway, so start the worker without them.
    if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    w = new Worker(WORKER_SOURCE, { eval: true, workerData: start, execArgv: [] });
  }
  w.unref();
  w.on('error', onError);
  return w;
}

const MAX_PAGES = 65536;

provideWasm(() => {
  const loaded = loadModule();
  const memory = loaded.shared
    ? new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 256 });
  const instance = new WebAssembly.Instance(loaded.module, { env: { memory } });
  return {
    module: loaded.module,
    variant: loaded.variant,
    shared: loaded.shared,
    exports: instance.exports as unknown as KernelExports,
    memory,
    maxPages: MAX_PAGES,
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    spawn: loaded.shared ? spawn : null,
    canBlock: true,
  };
});
