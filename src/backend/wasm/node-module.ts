/**
 * Picks, decodes and compiles the kernel build for Node (synchronously: node.ts calls it when the first tensor needs
 * the wasm backend).
 *
 * Relaxed SIMD. Node 20's V8 (11.3) has it only behind --experimental-wasm-relaxed-simd; V8 11.4 turned it on for
 * everyone (Chrome 114, Node 21 and later). f32x4.relaxed_madd is one fused multiply-add on CPUs with FMA, and the
 * GEMM micro-kernel runs 1.3-1.5x faster with it, so on V8 11.3 only, when the backend first loads, this module sets
 * that flag. The flag is process-wide: worker threads, and any other WebAssembly in the process, then see relaxed
 * SIMD too, as they would on Node 21+. A process that never makes a tensor on the wasm backend (setBackend('js')
 * first, or no tensors at all) never sets it. Left alone: MYELIN_RELAXED_SIMD=0 in the environment (then the
 * SIMD128 build loads), a command line that mentions the flag (the user decided), and frozen flags
 * (--freeze-flags-after-init, where setting one aborts the process).
 */
import * as v8 from 'node:v8';
import relaxed from './bin/myelin-relaxed.js';
import simd from './bin/myelin-simd.js';
import {
  assertCurrent, assertRunnable, buildBytes, relaxedSimdSupported, sharedMemorySupported, variantName, type Variant,
} from './loader.js';

export interface LoadedModule {
  module: WebAssembly.Module;
  /** the module imports a shared memory (threads possible) */
  shared: boolean;
  relaxed: boolean;
  variant: Variant;
}

export interface LoadOptions {
  /** use a shared memory (needed for threads); default: where supported */
  shared?: boolean;
  /** use relaxed SIMD; default: where the engine has it (on Node 20, once turned on: see the top of this file) */
  relaxed?: boolean;
}

/** Whether to load a relaxed-SIMD build (see the top of this file). */
function wantRelaxed(): boolean {
  if (process.env.MYELIN_RELAXED_SIMD === '0') return false;
  if (relaxedSimdSupported()) return true;
  return enableRelaxedSimd();
}

/** On V8 11.3 only, sets --experimental-wasm-relaxed-simd where allowed; returns whether relaxed SIMD now validates. */
function enableRelaxedSimd(): boolean {
  // a Node-like runtime that reports no V8 version skips this
  const [major, minor] = (process.versions.v8 ?? '').split('.').map(Number);
  if (major !== 11 || minor !== 3) return false;
  const options = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').replaceAll('_', '-');
  if (options.includes('relaxed-simd') || options.includes('freeze-flags-after-init')) return false;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimdSupported();
}

/** Picks and compiles the best build the engine supports (or the one asked for). */
export function loadModule(opts: LoadOptions = {}): LoadedModule {
  const shared = opts.shared ?? sharedMemorySupported();
  const isRelaxed = opts.relaxed ?? wantRelaxed();
  const variant = variantName(isRelaxed, shared);
  const bytes = buildBytes(isRelaxed ? relaxed : simd, shared);
  assertRunnable(bytes, variant, isRelaxed, shared);
  const module = new WebAssembly.Module(bytes);
  assertCurrent(module, variant);
  return { module, shared, relaxed: isRelaxed, variant };
}
