/**
 * The kernels' ABI (src/backend/wasm/abi.ts) against what was built: each committed binary exports exactly the
 * declared functions with the declared wasm types, each code computes the op it names (the raw kernel against the js
 * reference), and the AssemblyScript sources take their codes from abi.ts rather than writing numbers of their own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import type { LinearActivation, UnaryOp, View } from '../../src/backend/backend.js';
import * as abi from '../../src/backend/wasm/abi.js';
import { KERNEL_SIGNATURES, type KernelExports, type KernelSignature, type WasmType } from '../../src/backend/wasm/abi.js';
import { relaxedSimdSupported } from '../../src/backend/wasm/loader.js';
import { loadModule } from '../../src/backend/wasm/node-module.js';
import { withSharedMemory } from '../../src/backend/wasm/shared-memory.js';
import { type DType, type TypedArray, typedArrayFor } from '../../src/tensor/dtype.js';
import { full, js } from './helpers.js';

// compiled tests run from dist/test/backend/
const repo = new URL('../../../', import.meta.url);
const VARIANTS = [
  { variant: 'myelin-simd', shared: false, relaxed: false },
  { variant: 'myelin-relaxed', shared: false, relaxed: true },
  { variant: 'myelin-simd-mt', shared: true, relaxed: false },
  { variant: 'myelin-relaxed-mt', shared: true, relaxed: true },
];

// ---- the binary's own record of its exports' types ----

/** Each exported function's wasm signature, read from the module's type, import, function and export sections. */
function exportedSignatures(bytes: Uint8Array): Map<string, KernelSignature> {
  let pos = 8;
  const u32 = (): number => {
    let v = 0, shift = 0, b: number;
    do {
      b = bytes[pos++];
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return v;
  };
  const name = (): string => {
    const len = u32();
    pos += len;
    return new TextDecoder().decode(bytes.subarray(pos - len, pos));
  };
  const valType = (): WasmType | string => {
    const t = bytes[pos++];
    return t === 0x7f ? 'i32' : t === 0x7d ? 'f32' : `type 0x${t.toString(16)}`;
  };
  const vec = <T>(item: () => T): T[] => Array.from({ length: u32() }, item);
  const limits = (): void => {
    const flags = bytes[pos++];
    u32();
    if (flags & 1) u32();
  };
  let types: { params: string[]; results: string[] }[] = [];
  let funcTypes: number[] = [];
  const exports: [string, number][] = [];
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const end = u32() + pos;
    if (id === 1) {
      types = vec(() => {
        assert.equal(bytes[pos++], 0x60, 'a function type');
        return { params: vec(valType), results: vec(valType) };
      });
    } else if (id === 2) {
      // imported functions come first in the function index space
      vec(() => {
        name();
        name();
        const kind = bytes[pos++];
        if (kind === 0) funcTypes.push(u32());
        else if (kind === 1) (pos++, limits());
        else if (kind === 2) limits();
        else pos += 2;
      });
    } else if (id === 3) {
      funcTypes = funcTypes.concat(vec(u32));
    } else if (id === 7) {
      vec(() => {
        const n = name();
        const kind = bytes[pos++];
        const index = u32();
        if (kind === 0) exports.push([n, index]);
      });
    }
    pos = end;
  }
  return new Map(exports.map(([n, index]) => {
    const t = types[funcTypes[index]];
    assert.ok(t.results.length <= 1, `${n}: ${t.results.length} results`);
    return [n, { params: t.params as WasmType[], result: (t.results[0] ?? null) as WasmType | null }];
  }));
}

/** A variant's bytes: a committed build, or (threads variants) the build it is made from with a shared memory. */
function binaryOf(variant: string): Uint8Array {
  const build = readFileSync(new URL(`src/backend/wasm/bin/${variant.replace(/-mt$/, '')}.wasm`, repo));
  return variant.endsWith('-mt') ? withSharedMemory(build) : build;
}

test('withSharedMemory makes the memory import shared (threads) and changes nothing else', () => {
  const build = readFileSync(new URL('src/backend/wasm/bin/myelin-simd.wasm', repo));
  const shared = withSharedMemory(build);
  // a shared memory import validates only with a shared memory: instantiate both ways
  const module = new WebAssembly.Module(shared);
  assert.deepEqual(WebAssembly.Module.imports(module), [{ module: 'env', name: 'memory', kind: 'memory' }]);
  assert.throws(() => new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 256 }) } }), /memory/i);
  new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 256, maximum: 1024, shared: true }) } });
  // the same code: only the import section grew (flags 0x03 and the 3-byte maximum)
  assert.equal(shared.length, build.length + 3);
  // the type section (id 1) comes first, then the import section (id 2, 15 bytes in the build): all else is equal
  const importsEnd = 8 + 3 + build[9] + (build[10] - 1) * 128 + 2 + 15;
  assert.equal(build[importsEnd - 17], 2, 'the import section starts where expected');
  assert.ok(Buffer.from(shared.subarray(0, importsEnd - 17)).equals(build.subarray(0, importsEnd - 17)), 'the sections before it are the same');
  assert.ok(Buffer.from(shared.subarray(importsEnd + 3)).equals(build.subarray(importsEnd)), 'the sections after it are the same');
  // a module that imports no memory is refused by name
  const noImports = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
  assert.throws(() => withSharedMemory(noImports), /imports no memory/);
});

function skipReason(relaxed: boolean): string | false {
  return relaxed && !relaxedSimdSupported() && 'this engine has no relaxed SIMD';
}

for (const v of VARIANTS) {
  test(`${v.variant}.wasm exports exactly the kernels abi.ts declares, with their wasm types`, { skip: skipReason(v.relaxed) }, async () => {
    const got = exportedSignatures(binaryOf(v.variant));
    assert.deepEqual([...got.keys()].sort(), Object.keys(KERNEL_SIGNATURES).sort(), 'exported functions');
    const show = (s?: KernelSignature): string => `(${s?.params.join(', ')}) -> ${s?.result ?? 'nothing'}`;
    for (const [name, declared] of Object.entries(KERNEL_SIGNATURES)) {
      const sig = got.get(name);
      assert.deepEqual(sig, { params: [...declared.params], result: declared.result }, `${name}: binary ${show(sig)}, abi.ts ${show(declared)}`);
    }
    const { exports } = instantiate(await loadModule({ shared: v.shared, relaxed: v.relaxed }));
    for (const [name, declared] of Object.entries(KERNEL_SIGNATURES)) {
      assert.equal((exports[name as keyof KernelExports] as (...args: number[]) => unknown).length, declared.params.length, `${name}'s arity`);
    }
  });
}

// ---- every code against the js reference ----

interface Instance {
  exports: KernelExports;
  /** copies data into the memory; returns its byte address */
  put(data: TypedArray): number;
  /** n elements of dtype at a byte address */
  get(ptr: number, dtype: DType, n: number): TypedArray;
}

function instantiate(loaded: { module: WebAssembly.Module; shared: boolean }): Instance {
  const memory = new WebAssembly.Memory({ initial: 32, maximum: 32, shared: loaded.shared });
  const exports = new WebAssembly.Instance(loaded.module, { env: { memory } }).exports as unknown as KernelExports;
  let top = (exports.heapBase() + 15) & ~15;
  const put = (data: TypedArray): number => {
    const ptr = top;
    new Uint8Array(memory.buffer).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ptr);
    top = (top + Math.max(data.byteLength, 16) + 15) & ~15;
    return ptr;
  };
  const get = (ptr: number, dtype: DType, n: number): TypedArray => {
    const out = typedArrayFor(dtype, n);
    out.set(new (out.constructor as Float32ArrayConstructor)(memory.buffer.slice(ptr, ptr + n * out.BYTES_PER_ELEMENT)));
    return out;
  };
  return { exports, put, get };
}

function view(data: TypedArray, dtype: DType): View {
  return full(js.fromTypedArray(data, dtype));
}

function close(got: ArrayLike<number>, want: ArrayLike<number>): boolean {
  if (got.length !== want.length) return false;
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (!(Math.abs(g - w) <= 1e-6 + 1e-5 * Math.abs(w))) return false;
  }
  return true;
}

/** Nine values (two SIMD blocks and a scalar tail) on which every op of a table gives a different result. */
const X = Float32Array.of(-1.5, -0.25, 0, 0.3, 2.7, 4, 0.5, -3, 1.25);
const Y = Float32Array.of(2, -0.5, 0, 0.5, 3, -1, 0.5, 1.5, 1.25);
// leakyRelu's slope, elu's alpha, softplus's threshold (alpha) and beta
const ALPHA = 0.5, BETA = 2;

/** For one code table: each member's result from the raw kernel and from the js reference, for one build. */
type CodeRun = (k: Instance, member: string, code: number) => { got: ArrayLike<number>; want: ArrayLike<number> };

const RUNS: Record<string, CodeRun> = {
  UNARY_CODES: (k, op, code) => {
    const out = k.put(new Float32Array(X.length));
    k.exports.unaryF32(code, X.length, k.put(X), out, ALPHA, BETA);
    return { got: k.get(out, 'float32', X.length), want: js.readSync!(full(js.kernels.unary(op as UnaryOp, view(X, 'float32'), 'float32', ALPHA, BETA))) };
  },
  BINARY_CODES: (k, op, code) => elementwise(k, op, code, 'float32'),
  COMPARE_CODES: (k, op, code) => elementwise(k, op, code, 'bool'),
  REDUCE_CODES: (k, op, code) => {
    const tab = k.put(Int32Array.of(0)), out = k.put(new Float32Array(1)), ws = k.put(new Float64Array(2));
    k.exports.reduceF32(code, 1, tab, 1, 1, 1, tab, X.length, 1, k.put(Y), out, ws);
    const want = js.kernels.reduce(op as 'sum', view(Y, 'float32'), [0], 'float32');
    return { got: k.get(out, 'float32', 1), want: js.readSync!(full(want)) };
  },
  TO_F32_CODES: (k, dtype, code) => {
    const src = typedArrayFor(dtype as DType, X.length);
    X.forEach((x, i) => (src[i] = dtype === 'bool' ? Number(x > 0) : Math.round(x * 2)));
    const out = k.put(new Float32Array(X.length));
    k.exports.toF32(code, X.length, k.put(src), out);
    return { got: k.get(out, 'float32', X.length), want: js.readSync!(full(js.kernels.unary('identity', view(src, dtype as DType), 'float32'))) };
  },
  ACTIVATION_CODES: (k, act, code) => {
    const out = k.put(X);
    k.exports.biasActF32(1, X.length, out, k.put(Y), code);
    const sum = full(js.kernels.binary('add', view(X, 'float32'), view(Y, 'float32'), [X.length], 'float32'));
    const op: UnaryOp = (act as LinearActivation) === 'none' ? 'identity' : (act as UnaryOp);
    return { got: k.get(out, 'float32', X.length), want: js.readSync!(full(js.kernels.unary(op, sum, 'float32'))) };
  },
};

function elementwise(k: Instance, op: string, code: number, outDType: DType): { got: TypedArray; want: TypedArray } {
  const rows = k.put(Int32Array.of(0)), out = k.put(typedArrayFor(outDType, X.length));
  const f = outDType === 'bool' ? k.exports.compareF32 : k.exports.binaryF32;
  f(code, 1, X.length, k.put(X), rows, 1, k.put(Y), rows, 1, out);
  const want = js.kernels.binary(op as 'add', view(X, 'float32'), view(Y, 'float32'), [X.length], outDType);
  return { got: k.get(out, outDType, X.length), want: js.readSync!(full(want)) };
}

const TABLES = Object.entries(abi).filter(([name]) => name.endsWith('_CODES')) as [string, Record<string, number>][];

test('every code table in abi.ts has distinct non-negative integer codes and a check below', () => {
  assert.deepEqual(TABLES.map(([name]) => name).sort(), Object.keys(RUNS).sort(), 'tables with a check');
  for (const [name, table] of TABLES) {
    const codes = Object.values(table);
    assert.ok(codes.every((c) => Number.isInteger(c) && c >= 0), `${name}: ${codes}`);
    assert.equal(new Set(codes).size, codes.length, `${name} gives two members one code`);
  }
});

test('the test inputs tell apart every two members of a code table (so a swapped code cannot pass)', async () => {
  const k = instantiate(await loadModule({ shared: false, relaxed: false }));
  for (const [name, table] of TABLES) {
    const refs = Object.entries(table).map(([member, code]) => [member, RUNS[name](k, member, code).want] as const);
    for (let i = 0; i < refs.length; i++) {
      for (let j = i + 1; j < refs.length; j++) {
        assert.ok(!close(refs[i][1], refs[j][1]), `${name}: ${refs[i][0]} and ${refs[j][0]} agree on the test inputs`);
      }
    }
  }
});

for (const v of VARIANTS) {
  test(`${v.variant}.wasm: each code computes the op it names, as the js reference does`, { skip: skipReason(v.relaxed) }, async () => {
    const k = instantiate(await loadModule({ shared: v.shared, relaxed: v.relaxed }));
    for (const [name, table] of TABLES) {
      for (const [member, code] of Object.entries(table)) {
        const { got, want } = RUNS[name](k, member, code);
        assert.ok(close(got, want), `${name}.${member} (${code}): wasm ${Array.from(got)}, js ${Array.from(want)}`);
      }
    }
  });
}

// ---- the AssemblyScript sources ----

const assemblyDir = new URL('src/backend/wasm/assembly/', repo);
/** The kernels' parameters that carry a code: unary/binary/compare/reduce op, toF32's kind, biasActF32's act. */
const CODE_PARAMS = ['op', 'kind', 'act'];

test('the AssemblyScript sources take every code from abi.ts (no bare integer where a code is meant)', () => {
  // codes.ts and exports.ts are written by the build from abi.ts
  const files = readdirSync(assemblyDir).filter((f) => f.endsWith('.ts') && f !== 'codes.ts' && f !== 'exports.ts');
  assert.ok(files.includes('elementwise.ts'), `AssemblyScript sources found: ${files}`);
  const sources = files.map((f) => [f, readFileSync(new URL(f, assemblyDir), 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')]);
  const p = CODE_PARAMS.join('|');
  const bare = [
    { what: 'a case on a bare integer', re: /\bcase\s+-?\d/ },
    { what: 'a code parameter compared with a bare integer', re: new RegExp(`\\b(${p})\\s*[=!]==?\\s*-?\\d|\\d\\s*[=!]==?\\s*(${p})\\b`) },
    { what: 'a local table of integer codes', re: /^\s*(export\s+)?(const|enum)\s+[A-Z]_[A-Z_]+\s*(=|:)/m },
  ];
  for (const [file, text] of sources) {
    for (const { what, re } of bare) {
      const m = text.match(re);
      assert.equal(m, null, `${file}: ${what}: ${m?.[0].trim()}`);
    }
  }
  // the names above are still the kernels' code parameters (a renamed one would go unchecked)
  const all = sources.map(([, text]) => text).join('\n');
  for (const name of CODE_PARAMS) assert.match(all, new RegExp(`export function \\w+\\([^)]*\\b${name}: i32`), `a kernel takes ${name}`);
});
