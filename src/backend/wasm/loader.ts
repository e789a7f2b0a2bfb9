/**
 * What both platforms share in loading the kernel module. Two builds of assembly/ are committed in ./bin:
 * myelin-simd.wasm (SIMD128) and myelin-relaxed.wasm (relaxed SIMD: f32x4.relaxed_madd), each importing a private
 * memory; the threads variants (myelin-simd-mt, myelin-relaxed-mt) are the same code importing a shared memory, made
 * from them at load time (shared-memory.ts). `npm run build` embeds each build as a base64 string module next to the
 * compiled JS (bin/<build>.js), so the binaries travel inside the JavaScript: no bundler needs to find, emit or serve
 * an asset, and a browser fetches only the build it picked (each is a separate dynamic import, which bundlers split
 * into its own chunk). node-module.ts and browser.ts pick the variant for their platform.
 */

import { KERNEL_SIGNATURES } from './abi.js';
import { withSharedMemory } from './shared-memory.js';

export type { KernelExports } from './abi.js';

export type Variant = 'myelin-simd' | 'myelin-relaxed' | 'myelin-simd-mt' | 'myelin-relaxed-mt';

// f32x4.relaxed_madd in a one-function module: validates only where relaxed SIMD is on
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  253, 133, 2, 11,
]);

export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

export function variantName(relaxed: boolean, shared: boolean): Variant {
  return `myelin-${relaxed ? 'relaxed' : 'simd'}${shared ? '-mt' : ''}`;
}

/** The bytes of a variant: an embedded build (bin/<build>.js's default export), with a shared memory if asked. */
export function buildBytes(base64: string, shared: boolean): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return shared ? withSharedMemory(bytes) : bytes;
}

/** Every function abi.ts declares: a binary missing one is stale (built from older sources). */
export const REQUIRED_EXPORTS: readonly string[] = Object.keys(KERNEL_SIGNATURES);

/** Refuses bytes this engine cannot run, with the features they need. */
export function assertRunnable(bytes: Uint8Array<ArrayBuffer>, variant: Variant, relaxed: boolean, shared: boolean): void {
  if (WebAssembly.validate(bytes)) return;
  const needs = [relaxed ? 'relaxed SIMD' : 'SIMD128', ...(shared ? ['threads'] : [])].join(' and ');
  throw new Error(`wasm backend: this engine cannot run ${variant}.wasm (WebAssembly ${needs} required)`);
}

/** Refuses a module built from older sources than abi.ts. (`module` is a WebAssembly.Module, typed loosely so that the typings need no DOM lib.) */
export function assertCurrent(module: object, variant: Variant): void {
  const names = new Set(WebAssembly.Module.exports(module as WebAssembly.Module).map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((n) => !names.has(n));
  if (missing.length > 0) {
    throw new Error(`wasm backend: ${variant}.wasm is out of date (no ${missing.join(', ')}); rebuild it with npm run build:wasm`);
  }
}
