/**
 * The wasm device: storage in WebAssembly linear memory, float32 kernels in WebAssembly SIMD128 (assembly/), a pool
 * of worker threads sharing the memory for large products (threads.ts). This file holds the storage and the machinery
 * every kernel shares (addresses, scratch memory, the kernel prologue); the kernels are in ./kernels/, one file per
 * family.
 *
 * What runs where:
 * - float32 in WebAssembly: matmul (packed, register-blocked GEMM), conv2d and both gradients (im2col/col2im + GEMM),
 *   unary ops, binary arithmetic and comparisons with broadcasting, where, reductions, argmax/argmin, softmax and
 *   log-softmax, max/avg pooling and their gradients, copies (assign, contiguous), int32/bool -> float32 casts and
 *   the fused Adam and SGD updates.
 * - Everything else (int32/bool arithmetic, logical ops, other casts, gather/scatterAdd/indexSelect/indexAdd, adaptive
 *   pooling, float64) falls back to the reference kernels of the js device, which run directly over views of the same
 *   memory; their results stay on the JavaScript heap until a WebAssembly kernel reads them.
 * - Small float32 + - * / and relu's gradient over operands on the JS heap run the js kernels there (bit-identical, see
 *   kernels/elementwise.ts), as do small copies of such operands: a tiny op then costs no trip through the memory.
 * - float64 is supported for completeness (gradient checks) but lives on the JavaScript heap and always runs the
 *   reference kernels.
 */
import { nextStorageSerial, type Device, type HostStorage, type Storage, type View } from '../device.js';
import { type KernelImpl, type KernelName, kernelTable, registerKernel } from '../kernels.js';
import { type DType, type TypedArray, typedArrayFor } from '../../tensor/dtype.js';
import { contiguousStrides, isContiguous, sizeOf, stridedOffsets, type Shape } from '../../tensor/shape.js';
import { denseData } from '../js/storage.js';
import { Cell, WasmHeap, bytesPer, type HeapStats } from './heap.js';
import type { KernelExports } from './abi.js';
import type { ThreadPool } from './threads.js';

/**
 * Storage of at most this many bytes lives on the JS heap: kernels copy it into scratch memory to read it and write
 * small results to scratch before copying them out. Tiny tensors (scalars, losses, small biases) so cost no
 * FinalizationRegistry entry and no block of their own.
 */
export const SMALL_BYTES = 256;

/**
 * Storage made from the caller's data (fromTypedArray: inputs, labels, loaded weights) stays on the JS heap for its
 * first this-many reads: each reading kernel gets a scratch copy, freed when it ends. Such data is often read once or
 * twice and dropped (a training batch), and the garbage collector frees a dead JS typed array by itself, in the middle
 * of a synchronous loop too; in linear memory it would take fresh pages and later an eviction copy (~25 us per 32 KB
 * on a 2-core VM, against ~6 us for a kernel on reused memory). A later read, or any write, moves it into the memory,
 * as does the first read of data larger than BORROW_MAX_BYTES (a whole dataset is not copied whole into scratch).
 */
const BORROWED_READS = 2;
const BORROW_MAX_BYTES = 4 * 1024 * 1024;

/** The error for a use of storage the library freed; `what` says what it was and why it went. */
function discardedError(what: string): Error {
  return new Error(
    `wasm backend: this tensor's memory was released (${what}): the library frees memory it believes only it holds; ` +
      'a tensor that reaches you this way is a bug in Myelin, please report how you got it',
  );
}

/** Storage of the wasm backend. `data` is a typed array over its elements wherever they are (see heap.ts). */
export class WasmStorage implements HostStorage {
  readonly serial = nextStorageSerial(this);
  constructor(readonly backend: WasmDevice, readonly cell: Cell) {}
  get dtype(): DType {
    return this.cell.dtype;
  }
  get length(): number {
    return this.cell.length;
  }
  /** The elements (a view of the linear memory while resident, else the JS-heap copy); valid until the next kernel. */
  get data(): TypedArray {
    return this.backend.dataOf(this);
  }
}

/** Shapes and strides after dropping size-1 dims and merging dims that are contiguous in every operand. */
export function collapse(shape: Shape, strides: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = outShape.length - 1;
    if (k >= 0 && strides.every((s, j) => outStrides[j][k] === s[d] * shape[d])) {
      outShape[k] *= shape[d];
      strides.forEach((s, j) => (outStrides[j][k] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, j) => outStrides[j].push(s[d]));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outStrides.forEach((s) => s.push(0));
  }
  return { shape: outShape, strides: outStrides };
}

export interface WasmDeviceOptions {
  exports: KernelExports;
  heap: WasmHeap;
  variant: string;
}

export class WasmDevice implements Device {
  readonly name = 'wasm';
  readonly kernelChain: readonly string[] = ['wasm', 'js'];
  readonly kernels = kernelTable(this);
  readonly k: KernelExports;
  readonly heap: WasmHeap;
  readonly variant: string;
  /** worker pool for large products (null: one thread, or not started yet) */
  pool: ThreadPool | null = null;
  /** threads to use (set by setNumThreads) and the hook that starts the pool on first need */
  threadsWanted = 1;
  startPool: (() => ThreadPool | null) | null = null;
  /**
   * 2*M*N*K above which a product is split across the pool's threads. Measured on 2 Zen 3 cores (Node 20,
   * assembly/bench/threshold.mjs): a hand-off costs ~15 us; splitting gains 1.2x at 1.8 MFLOP, 1.3x at 4 MFLOP and
   * 1.8-1.9x from 13 MFLOP up.
   */
  parallelFlops = 2e6;
  /**
   * Elements above which an optimiser update is split across the pool's threads. At 100K elements (~130 us on one
   * thread) a split gained nothing inside a training step on 2 Zen 3 vCPUs: the worker, asleep since the last
   * product, takes about as long to wake as its share takes to run.
   */
  parallelElements = 1 << 18;
  private gemmWs = 0;
  private zeroRowsPtr = 0;
  private temps: { ptr: number; cls: number }[] = [];
  /** small results written to scratch by the running kernel, moved to the JS heap when it ends */
  private pending: Cell[] = [];

  constructor(opts: WasmDeviceOptions) {
    this.k = opts.exports;
    this.heap = opts.heap;
    this.variant = opts.variant;
  }

  /**
   * Runs the GEMM on a small block so the engine's optimising compiler picks it up now (the first call of a wasm
   * function runs baseline code, ~20x slower for this kernel).
   */
  warmUp(): void {
    const n = 48;
    this.run(() => {
      const p = this.tmp(3 * n * n * 4);
      this.heap.u8.fill(0, p, p + 3 * n * n * 4);
      for (let r = 0; r < 2; r++) this.k.sgemm(n, n, n, p, n, 1, p + n * n * 4, n, 1, p + 2 * n * n * 4, n, 0, this.gemmWorkspace());
    });
  }

  supportsDType(_dtype: DType): boolean {
    return true;
  }

  stats(): HeapStats {
    return this.heap.stats();
  }

  // ---- storage ----

  dataOf(s: WasmStorage): TypedArray {
    const c = s.cell;
    if (c.discarded !== null) throw discardedError(c.discarded);
    return c.ptr !== 0 ? this.heap.viewOf(c) : c.heap!;
  }

  cellOf(v: View | Storage): Cell {
    const s = 'storage' in v ? v.storage : v;
    if (!(s instanceof WasmStorage) || s.backend !== this) {
      throw new Error(`wasm backend: storage from backend '${s.backend.name}' passed to the wasm backend; move it with toBackend()`);
    }
    if (s.cell.discarded !== null) throw discardedError(s.cell.discarded);
    return s.cell;
  }

  /** True when a view's elements are on the JS heap (not in the linear memory). */
  onJsHeap(v: View): boolean {
    return this.cellOf(v).ptr === 0;
  }

  /** A storage holding `data` on the JS heap (moved into the memory when a kernel needs it). */
  adopt(data: TypedArray, dtype: DType): WasmStorage {
    const cell = new Cell(dtype, data.length);
    cell.heap = data;
    return new WasmStorage(this, cell);
  }

  /**
   * A fresh storage with an address (contents undefined). Inside a kernel (`run`), a small one gets a scratch block
   * and moves to the JS heap when the kernel ends.
   */
  alloc(dtype: DType, length: number): WasmStorage {
    const cell = new Cell(dtype, length);
    const s = new WasmStorage(this, cell);
    if (dtype === 'float64' || length === 0) {
      cell.heap = typedArrayFor(dtype, length);
      return s;
    }
    if (length * bytesPer(dtype) <= SMALL_BYTES && this.inKernel > 0) {
      const b = this.heap.alloc(length * bytesPer(dtype));
      cell.ptr = b.ptr;
      cell.cls = b.cls;
      this.pending.push(cell);
      return s;
    }
    this.heap.place(cell, s);
    return s;
  }

  /**
   * Byte address of a storage's element 0. Storage on the JS heap moves into the memory, except small storage that
   * is only read: that is copied into scratch for the running kernel.
   */
  ptrOf(v: View | Storage, write = false): number {
    const s = ('storage' in v ? v.storage : v) as WasmStorage;
    const cell = this.cellOf(s);
    if (cell.ptr !== 0) return cell.ptr;
    if (cell.length === 0) return this.heap.base;
    if (cell.dtype === 'float64') throw new Error('wasm backend: float64 storage has no WebAssembly address');
    const src = cell.heap!;
    const bytes = cell.length * bytesPer(cell.dtype);
    if (!write && this.inKernel > 0 && (bytes <= SMALL_BYTES || (cell.fromCaller && bytes <= BORROW_MAX_BYTES && cell.reads++ < BORROWED_READS))) {
      const p = this.tmp(bytes);
      this.copyIn(src, cell.dtype, p);
      return p;
    }
    const p = this.heap.place(cell, s);
    this.heap.viewOf(cell).set(src);
    cell.heap = null;
    return p;
  }

  /** Byte address of a view's first element (write: the kernel writes through it). */
  addr(v: View, write = false): number {
    return this.ptrOf(v, write) + v.offset * bytesPer(v.storage.dtype);
  }

  /** Writes a JS-heap array of `dtype` at byte address p (through the memory's own typed arrays: no view made). */
  private copyIn(src: TypedArray, dtype: DType, p: number): void {
    if (dtype === 'bool') this.heap.u8.set(src, p);
    else if (dtype === 'int32') this.heap.i32.set(src, p >> 2);
    else this.heap.f32.set(src, p >> 2);
  }

  /** A JS-heap copy of `length` elements of `dtype` at byte address p. */
  private copyOut(p: number, dtype: DType, length: number): TypedArray {
    if (dtype === 'bool') return this.heap.u8.slice(p, p + length);
    if (dtype === 'int32') return this.heap.i32.slice(p >> 2, (p >> 2) + length);
    return this.heap.f32.slice(p >> 2, (p >> 2) + length);
  }

  /** Kernel prologue: marks inputs used and makes room for the bytes the kernel will place. */
  private begin(inputs: View[], extra: number): void {
    let need = extra;
    for (const v of inputs) {
      const c = this.cellOf(v);
      if (c.ptr !== 0) this.heap.touch(c);
      else if (c.dtype !== 'float64') need += c.length * bytesPer(c.dtype);
    }
    this.heap.reserve(need);
  }

  /** Scratch memory released when the kernel ends (see `run`). */
  tmp(bytes: number): number {
    const b = this.heap.alloc(Math.max(16, bytes));
    this.temps.push(b);
    return b.ptr;
  }

  private inKernel = 0;

  /** Runs fn as one kernel: scratch taken during it is freed, and small results move to the JS heap, when it ends. */
  private run<T>(fn: () => T): T {
    const mark = this.enter();
    try {
      return fn();
    } finally {
      this.exit(mark);
    }
  }

  /** Kernel entry (see run); returns the scratch mark for exit. */
  private enter(): number {
    this.inKernel++;
    return this.temps.length;
  }

  private exit(mark: number): void {
    this.inKernel--;
    while (this.temps.length > mark) {
      const b = this.temps.pop()!;
      this.heap.release(b.ptr, b.cls);
    }
    if (this.inKernel === 0) {
      for (const cell of this.pending) {
        cell.heap = this.copyOut(cell.ptr, cell.dtype, cell.length);
        this.heap.release(cell.ptr, cell.cls);
        cell.ptr = 0;
        cell.view = null;
      }
      this.pending.length = 0;
    }
  }


  /** The kernel prologue and body: marks `inputs` used, makes room for `extra` bytes, runs fn as one kernel. */
  launch<T>(inputs: View[], extra: number, fn: () => T): T {
    this.begin(inputs, extra);
    return this.run(fn);
  }

  /**
   * A kernel with one fresh output of `length` elements (room made for it plus `extra` bytes): fn writes the output
   * at its byte address; it is not called for an empty output.
   */
  produce(dtype: DType, length: number, inputs: View[], extra: number, fn: (out: number) => void): WasmStorage {
    this.begin(inputs, length * bytesPer(dtype) + extra);
    const mark = this.enter();
    try {
      const out = this.alloc(dtype, length);
      if (length > 0) fn(out.cell.ptr);
      return out;
    } finally {
      this.exit(mark);
    }
  }

  /** An i32 table in scratch memory. */
  table(values: Int32Array | readonly number[]): number {
    const p = this.tmp(values.length * 4);
    this.heap.i32.set(values, p >> 2);
    return p;
  }

  /**
   * A permanent row-offsets table of one 0 entry, for kernels over a single row whose operands' addresses already
   * include their offsets (no table to build per call).
   */
  zeroRows(): number {
    if (this.zeroRowsPtr === 0) {
      const p = this.heap.allocPermanent(16);
      this.heap.i32.fill(0, p >> 2, (p >> 2) + 4);
      this.zeroRowsPtr = p;
    }
    return this.zeroRowsPtr;
  }

  /** The calling thread's GEMM workspace (permanent). */
  gemmWorkspace(): number {
    if (this.gemmWs === 0) this.gemmWs = this.heap.allocPermanent(this.k.sgemmWorkspace(2048));
    return this.gemmWs;
  }

  /** The worker pool (started on first need) when a job of `size` reaches `threshold` and threads are on, else null. */
  poolFor(size: number, threshold: number): ThreadPool | null {
    if (this.threadsWanted <= 1 || size < threshold) return null;
    const pool = this.pool ?? (this.startPool ? this.startPool() : null);
    return pool && pool.ready ? pool : null;
  }

  /** C = A B (or +=) on byte addresses with element strides; split across threads when large. */
  gemm(M: number, N: number, K: number, a: number, rsa: number, csa: number, b: number, rsb: number, csb: number,
    c: number, ldc: number, accumulate: boolean): void {
    const pool = this.poolFor(2 * M * N * K, this.parallelFlops);
    if (pool) {
      pool.sgemm(M, N, K, a, rsa, csa, b, rsb, csb, c, ldc, accumulate);
      return;
    }
    this.k.sgemm(M, N, K, a, rsa, csa, b, rsb, csb, c, ldc, accumulate ? 1 : 0, this.gemmWorkspace());
  }

  /** Copies a strided view (any shape) into dense memory at dst (same dtype, 1- or 4-byte elements). */
  copyDense(v: View, dst: number): void {
    const size = bytesPer(v.storage.dtype);
    const n = sizeOf(v.shape);
    if (n === 0) return;
    const flat = flatSource(v.shape, v.strides);
    if (flat >= 0) {
      // contiguous, or one element expanded: one row of stride 1 or 0, as collapse would make it
      const z = this.zeroRows();
      this.k.copyRows(size, 1, n, dst, z, 1, this.addr(v), z, flat);
      return;
    }
    const { shape, strides } = collapse(v.shape, [v.strides.slice(), contiguousStrides(v.shape)]);
    const last = shape.length - 1;
    const outer = shape.slice(0, last);
    const src = this.ptrOf(v);
    if (size === 4 && shape.length === 2 && strides[0][1] !== 1 && strides[0][0] === 1) {
      // a transposed matrix: copy in 4x4 register-transposed blocks
      this.k.transpose32(shape[0], shape[1], src + v.offset * 4, strides[0][1], dst);
      return;
    }
    const sRows = this.table(stridedOffsets(outer, strides[0].slice(0, last), v.offset));
    const dRows = this.table(stridedOffsets(outer, strides[1].slice(0, last), 0));
    this.k.copyRows(size, sizeOf(outer), shape[last], dst, dRows, strides[1][last], src, sRows, strides[0][last]);
  }

  /** Address of a dense copy of a view (the view itself when already contiguous). */
  dense(v: View): number {
    if (isContiguous(v.shape, v.strides)) return this.addr(v);
    const p = this.tmp(sizeOf(v.shape) * bytesPer(v.storage.dtype));
    this.copyDense(v, p);
    return p;
  }


  // ---- Device: storage ----

  release(storage: Storage, what: string): void {
    const s = storage as WasmStorage;
    if (s instanceof WasmStorage && s.backend === this) this.heap.discard(s.cell, what);
  }

  fromTypedArray(data: TypedArray, dtype: DType): Storage {
    const bytes = data.length * bytesPer(dtype);
    if (dtype !== 'float64' && bytes > BORROW_MAX_BYTES) {
      // never borrowed: straight into the memory, one copy
      this.heap.reserve(bytes);
      const s = this.alloc(dtype, data.length);
      (s.data as TypedArray).set(data);
      return s;
    }
    const copy = typedArrayFor(dtype, data.length);
    copy.set(data);
    const s = this.adopt(copy, dtype);
    s.cell.fromCaller = true;
    return s;
  }

  zeros(dtype: DType, length: number): Storage {
    if (dtype === 'float64' || length * bytesPer(dtype) <= SMALL_BYTES) return this.adopt(typedArrayFor(dtype, length), dtype);
    this.heap.reserve(length * bytesPer(dtype));
    const s = this.alloc(dtype, length);
    const p = s.cell.ptr;
    this.heap.u8.fill(0, p, p + length * bytesPer(dtype));
    return s;
  }

  readSync(x: View): TypedArray {
    this.cellOf(x);
    return denseData(x).slice() as TypedArray;
  }

  read(x: View): Promise<TypedArray> {
    return Promise.resolve(this.readSync(x));
  }
}

/**
 * How a view of `shape` reads as one flat row: 1 when contiguous, 0 when it is one element expanded (every dim of size
 * > 1 has stride 0), -1 otherwise.
 */
export function flatSource(shape: Shape, strides: readonly number[]): number {
  if (isContiguous(shape, strides)) return 1;
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1 && strides[i] !== 0) return -1;
  return 0;
}

/** True when every view is float32 (what the WebAssembly kernels take). */
export function isF32(...vs: View[]): boolean {
  return vs.every((v) => v.storage.dtype === 'float32');
}

/** Registers a kernel of the wasm device. */
export function registerWasmKernel<K extends KernelName>(name: K, impl: KernelImpl<K, WasmDevice>): void {
  registerKernel(name, 'wasm', impl);
}
