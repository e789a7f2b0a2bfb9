/**
 * Finds, checks and compiles the kernel module. Four builds of assembly/ are committed in ./bin:
 *   myelin-simd.wasm, myelin-relaxed.wasm         SIMD128 / relaxed SIMD (f32x4.relaxed_madd), private memory
 *   myelin-simd-mt.wasm, myelin-relaxed-mt.wasm   the same importing a shared memory (worker threads)
 * Relaxed SIMD is used where the engine has it (Chrome 114+, Node 21+; Node 20 once turned on, see
 * enableRelaxedSimdInNode) unless MYELIN_RELAXED_SIMD=0; the shared builds where SharedArrayBuffer exists (Node;
 * browsers only when cross-origin isolated).
 *
 * Node reads the files relative to this module (next to the compiled JS when the build copied them there, else from
 * the source tree); browsers fetch them by URL (bundlers pick up the `new URL(..., import.meta.url)` literals).
 */
import { REQUIRED_EXPORTS } from './abi.js';

export interface LoadedModule {
  module: WebAssembly.Module;
  /** the module imports a shared memory (threads possible) */
  shared: boolean;
  relaxed: boolean;
  variant: string;
}

const isNode = typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

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

/**
 * Whether to load a relaxed-SIMD build: where the engine has relaxed SIMD, or where Myelin may turn it on (see
 * enableRelaxedSimdInNode), unless Node's environment sets MYELIN_RELAXED_SIMD=0 (any other value changes nothing).
 */
async function wantRelaxed(): Promise<boolean> {
  if (isNode && process.env.MYELIN_RELAXED_SIMD === '0') return false;
  if (relaxedSimdSupported()) return true;
  return isNode && (await enableRelaxedSimdInNode());
}

/**
 * Node 20's V8 (11.3) has relaxed SIMD behind --experimental-wasm-relaxed-simd; V8 11.4 turned it on for everyone
 * (Chrome 114, Node 21 and later). On V8 11.3 only, this sets that flag before compiling. It is worth it:
 * f32x4.relaxed_madd is one fused multiply-add on CPUs with FMA, and the GEMM micro-kernel runs 1.3-1.5x faster.
 * The flag is process-wide: worker threads, and any other WebAssembly in the process, then see relaxed SIMD too, as
 * they would on Node 21+. Left alone: a command line that mentions the flag (the user decided), and frozen flags
 * (--freeze-flags-after-init, where setting one aborts the process). Returns whether relaxed SIMD now validates.
 */
async function enableRelaxedSimdInNode(): Promise<boolean> {
  // a Node-like runtime that reports no V8 version skips this
  const [major, minor] = (process.versions.v8 ?? '').split('.').map(Number);
  if (major !== 11 || minor !== 3) return false;
  const options = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').replaceAll('_', '-');
  if (options.includes('relaxed-simd') || options.includes('freeze-flags-after-init')) return false;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimdSupported();
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

/**
 * URLs of one variant. Node looks in the source tree first (always current in a checkout; absent from the published
 * package), then next to this module (where `npm run build` copies the binaries); browsers the other way round.
 */
function variantUrls(variant: string): URL[] {
  let near: URL;
  switch (variant) {
    case 'myelin-simd': near = new URL('./bin/myelin-simd.wasm', import.meta.url); break;
    case 'myelin-relaxed': near = new URL('./bin/myelin-relaxed.wasm', import.meta.url); break;
    case 'myelin-simd-mt': near = new URL('./bin/myelin-simd-mt.wasm', import.meta.url); break;
    default: near = new URL('./bin/myelin-relaxed-mt.wasm', import.meta.url); break;
  }
  // compiled JS runs from dist/src/backend/wasm/: the committed binaries are in src/backend/wasm/bin/
  const tree = new URL(`../../../../src/backend/wasm/bin/${variant}.wasm`, import.meta.url);
  return isNode ? [tree, near] : [near, tree];
}

async function readBytes(variant: string): Promise<Uint8Array<ArrayBuffer>> {
  const errors: string[] = [];
  for (const url of variantUrls(variant)) {
    try {
      if (isNode && url.protocol === 'file:') {
        const fs = await import('node:fs');
        const buf = fs.readFileSync(url);
        return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
      }
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      errors.push(`${url.href}: ${(e as Error).message}`);
    }
  }
  throw new Error(`wasm backend: cannot load ${variant}.wasm (${errors.join('; ')})`);
}

export interface LoadOptions {
  /** use a shared memory (needed for threads); default: where supported */
  shared?: boolean;
  /** use relaxed SIMD; default: wantRelaxed() */
  relaxed?: boolean;
}

/** Picks and compiles the best variant the engine supports. */
export async function loadModule(opts: LoadOptions = {}): Promise<LoadedModule> {
  const shared = opts.shared ?? sharedMemorySupported();
  const relaxed = opts.relaxed ?? (await wantRelaxed());
  const variant = `myelin-${relaxed ? 'relaxed' : 'simd'}${shared ? '-mt' : ''}`;
  const bytes = await readBytes(variant);
  if (!WebAssembly.validate(bytes)) {
    const needs = [relaxed ? 'relaxed SIMD' : 'SIMD128', ...(shared ? ['threads'] : [])].join(' and ');
    throw new Error(`wasm backend: this engine cannot run ${variant}.wasm (WebAssembly ${needs} required)`);
  }
  const module = isNode ? new WebAssembly.Module(bytes) : await WebAssembly.compile(bytes);
  const names = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const missing = REQUIRED_EXPORTS.filter((n) => !names.has(n));
  if (missing.length > 0) {
    throw new Error(`wasm backend: ${variant}.wasm is out of date (no ${missing.join(', ')}); rebuild it with npm run build:wasm`);
  }
  return { module, shared, relaxed, variant };
}
