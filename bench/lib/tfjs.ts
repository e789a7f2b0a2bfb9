/**
 * TensorFlow.js, loaded as the CommonJS bundle it ships for Node (the @tensorflow/tfjs bundle registers the gradients
 * that tfjs-core alone lacks), with its `cpu` backend and the `wasm` backend (SIMD; single-threaded in Node, where the
 * backend reports no multithread support).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export type TF = typeof import('@tensorflow/tfjs');
export type TfBackend = 'cpu' | 'wasm';

let tf: TF | null = null;

export function loadTf(): TF {
  if (tf) return tf;
  tf = require('@tensorflow/tfjs') as TF;
  require('@tensorflow/tfjs-backend-wasm');
  tf.enableProdMode();
  return tf;
}

/** Switches tfjs to `name`; throws with the reason when the backend cannot start. */
export async function useTfBackend(name: TfBackend): Promise<TF> {
  const t = loadTf();
  const ok = await t.setBackend(name);
  await t.ready();
  if (!ok || t.getBackend() !== name) throw new Error(`tfjs backend '${name}' failed to initialise`);
  return t;
}

export function tfVersion(): string {
  return (require('@tensorflow/tfjs/package.json') as { version: string }).version;
}

/** Details of the tfjs wasm backend's build as it runs here. */
export async function tfWasmFeatures(): Promise<string> {
  const t = loadTf();
  const simd = await t.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await t.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multithreaded' : '1 thread'}`;
}
