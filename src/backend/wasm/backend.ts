/**
 * The wasm backend: storage in WebAssembly linear memory, float32 kernels in WebAssembly SIMD128 (assembly/), a pool
 * of worker threads sharing the memory for large products (threads.ts).
 *
 * What runs where:
 * - float32 in WebAssembly: matmul (packed, register-blocked GEMM), conv2d and both gradients (im2col/col2im + GEMM),
 *   unary ops, binary arithmetic and comparisons with broadcasting, where, reductions, argmax/argmin, softmax and
 *   log-softmax, max/avg pooling and their gradients, copies (assign, contiguous) and int32/bool -> float32 casts.
 * - Everything else (int32/bool arithmetic, logical ops, other casts, gather/scatterAdd/indexSelect/indexAdd, adaptive
 *   pooling, float64) runs the reference kernels of the js backend directly over views of the same memory; their
 *   results stay on the JavaScript heap until a WebAssembly kernel reads them.
 * - float64 is supported for completeness (gradient checks) but lives on the JavaScript heap and always runs the
 *   reference kernels.
 */
import { nextStorageSerial, type Backend, type BinaryOp, type Conv2dParams, type LinearActivation, type Pool2dParams, type ReduceOp, type Storage, type UnaryOp, type View } from '../backend.js';
import { type DType, type TypedArray, typedArrayFor } from '../../tensor/dtype.js';
import { broadcastStrides, contiguousStrides, isContiguous, sizeOf, stridedOffsets, type Shape } from '../../tensor/shape.js';
import { denseData } from '../js/storage.js';
import { assignKernel, binaryKernel, unaryKernel, whereKernel } from '../js/elementwise.js';
import { argReduceKernel, reduceKernel, softmaxKernel } from '../js/reduce.js';
import { matmulKernel } from '../js/matmul.js';
import { linearKernel } from '../js/linear.js';
import { gatherKernel, indexAddKernel, indexSelectKernel, scatterAddKernel } from '../js/indexing.js';
import { conv2dBackwardInputKernel, conv2dBackwardWeightKernel, conv2dKernel } from '../js/conv.js';
import {
  adaptiveAvgPool2dBackwardKernel, adaptiveAvgPool2dKernel, avgPool2dBackwardKernel, avgPool2dKernel,
  maxPool2dBackwardKernel, maxPool2dKernel,
} from '../js/pool.js';
import { Cell, WasmHeap, bytesPer, type HeapStats } from './heap.js';
import { BINARY_CODES, COMPARE_CODES, REDUCE_CODES, UNARY_CODES, type KernelExports } from './abi.js';
import type { ThreadPool } from './threads.js';

/**
 * Storage of at most this many bytes lives on the JS heap: kernels copy it into scratch memory to read it and write
 * small results to scratch before copying them out. Tiny tensors (scalars, losses, small biases) so cost no
 * FinalizationRegistry entry and no block of their own.
 */
const SMALL_BYTES = 256;

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
export class WasmStorage implements Storage {
  readonly serial = nextStorageSerial(this);
  constructor(readonly backend: WasmBackend, readonly cell: Cell) {}
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
function collapse(shape: Shape, strides: number[][]): { shape: number[]; strides: number[][] } {
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

export interface WasmBackendOptions {
  exports: KernelExports;
  heap: WasmHeap;
  variant: string;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm';
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
  private temps: { ptr: number; cls: number }[] = [];
  /** small results written to scratch by the running kernel, moved to the JS heap when it ends */
  private pending: Cell[] = [];

  constructor(opts: WasmBackendOptions) {
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

  private cellOf(v: View | Storage): Cell {
    const s = 'storage' in v ? v.storage : v;
    if (!(s instanceof WasmStorage) || s.backend !== this) {
      throw new Error(`wasm backend: storage from backend '${s.backend.name}' passed to the wasm backend; move it with toBackend()`);
    }
    if (s.cell.discarded !== null) throw discardedError(s.cell.discarded);
    return s.cell;
  }

  /** A storage holding `data` on the JS heap (moved into the memory when a kernel needs it). */
  private heapStorage(data: TypedArray, dtype: DType): WasmStorage {
    const cell = new Cell(dtype, data.length);
    cell.heap = data;
    return new WasmStorage(this, cell);
  }

  /**
   * A fresh storage with an address (contents undefined). Inside a kernel (`run`), a small one gets a scratch block
   * and moves to the JS heap when the kernel ends.
   */
  private alloc(dtype: DType, length: number): WasmStorage {
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
  private ptrOf(v: View | Storage, write = false): number {
    const s = ('storage' in v ? v.storage : v) as WasmStorage;
    const cell = this.cellOf(s);
    if (cell.ptr !== 0) return cell.ptr;
    if (cell.length === 0) return this.heap.base;
    if (cell.dtype === 'float64') throw new Error('wasm backend: float64 storage has no WebAssembly address');
    const src = cell.heap!;
    const bytes = cell.length * bytesPer(cell.dtype);
    if (!write && this.inKernel > 0 && (bytes <= SMALL_BYTES || (cell.fromCaller && bytes <= BORROW_MAX_BYTES && cell.reads++ < BORROWED_READS))) {
      const p = this.tmp(bytes);
      this.heap.u8.set(new Uint8Array(src.buffer, src.byteOffset, bytes), p);
      return p;
    }
    const p = this.heap.place(cell, s);
    this.heap.viewOf(cell).set(src);
    cell.heap = null;
    return p;
  }

  /** Byte address of a view's first element (write: the kernel writes through it). */
  private addr(v: View, write = false): number {
    return this.ptrOf(v, write) + v.offset * bytesPer(v.storage.dtype);
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
  private tmp(bytes: number): number {
    const b = this.heap.alloc(Math.max(16, bytes));
    this.temps.push(b);
    return b.ptr;
  }

  private inKernel = 0;

  private run<T>(fn: () => T): T {
    const mark = this.temps.length;
    this.inKernel++;
    try {
      return fn();
    } finally {
      this.inKernel--;
      while (this.temps.length > mark) {
        const b = this.temps.pop()!;
        this.heap.release(b.ptr, b.cls);
      }
      if (this.inKernel === 0) {
        for (const cell of this.pending) {
          cell.heap = this.heap.viewOf(cell).slice();
          this.heap.release(cell.ptr, cell.cls);
          cell.ptr = 0;
          cell.view = null;
        }
        this.pending.length = 0;
      }
    }
  }

  /** An i32 table in scratch memory. */
  private table(values: Int32Array | readonly number[]): number {
    const p = this.tmp(values.length * 4);
    this.heap.i32.set(values, p >> 2);
    return p;
  }

  /** The calling thread's GEMM workspace (permanent). */
  gemmWorkspace(): number {
    if (this.gemmWs === 0) this.gemmWs = this.heap.allocPermanent(this.k.sgemmWorkspace(2048));
    return this.gemmWs;
  }

  /** The worker pool (started on first need) when a job of `size` reaches `threshold` and threads are on, else null. */
  private poolFor(size: number, threshold: number): ThreadPool | null {
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
  private copyDense(v: View, dst: number): void {
    const size = bytesPer(v.storage.dtype);
    const n = sizeOf(v.shape);
    if (n === 0) return;
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
  private dense(v: View): number {
    if (isContiguous(v.shape, v.strides)) return this.addr(v);
    const p = this.tmp(sizeOf(v.shape) * bytesPer(v.storage.dtype));
    this.copyDense(v, p);
    return p;
  }

  private isF32(...vs: View[]): boolean {
    return vs.every((v) => v.storage.dtype === 'float32');
  }

  // ---- Backend: storage ----

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
    const s = this.heapStorage(copy, dtype);
    s.cell.fromCaller = true;
    return s;
  }

  zeros(dtype: DType, length: number): Storage {
    if (dtype === 'float64' || length * bytesPer(dtype) <= SMALL_BYTES) return this.heapStorage(typedArrayFor(dtype, length), dtype);
    this.heap.reserve(length * bytesPer(dtype));
    const s = this.alloc(dtype, length);
    const p = s.cell.ptr;
    this.heap.u8.fill(0, p, p + length * bytesPer(dtype));
    return s;
  }

  read(x: View): TypedArray {
    this.cellOf(x);
    return denseData(x).slice() as TypedArray;
  }

  assign(dst: View, src: View): void {
    const dt = dst.storage.dtype;
    const n = sizeOf(dst.shape);
    if (n === 0) return;
    if (dt !== src.storage.dtype || dt === 'float64') {
      assignKernel(dst, src);
      return;
    }
    const size = bytesPer(dt);
    this.begin([dst, src], dst.storage === src.storage ? n * size : 0);
    this.run(() => {
      let s: View = src;
      if (dst.storage === src.storage) {
        // overlapping windows of one storage: read everything first
        const shapeB = src.shape;
        const p = this.tmp(sizeOf(shapeB) * size);
        this.copyDense(src, p);
        s = { storage: src.storage, shape: shapeB, strides: contiguousStrides(shapeB), offset: 0 };
        this.copyInto(dst, s, p);
        return;
      }
      this.copyInto(dst, s, this.ptrOf(src));
    });
  }

  /** dst[...] = src broadcast to dst's shape, where src's storage starts at address srcBase. */
  private copyInto(dst: View, src: View, srcBase: number): void {
    const size = bytesPer(dst.storage.dtype);
    const sStr = broadcastStrides(src.shape, src.strides, dst.shape);
    const { shape, strides } = collapse(dst.shape, [dst.strides.slice(), sStr]);
    const last = shape.length - 1;
    const outer = shape.slice(0, last);
    const dRows = this.table(stridedOffsets(outer, strides[0].slice(0, last), dst.offset));
    const sRows = this.table(stridedOffsets(outer, strides[1].slice(0, last), src.offset));
    this.k.copyRows(size, sizeOf(outer), shape[last], this.ptrOf(dst, true), dRows, strides[0][last], srcBase, sRows, strides[1][last]);
  }

  // ---- elementwise ----

  unary(op: UnaryOp, x: View, outDType: DType, alpha = 0, beta = 1): Storage {
    const n = sizeOf(x.shape);
    const code = UNARY_CODES[op];
    const xd = x.storage.dtype;
    if (outDType === 'float32' && code !== undefined && (xd === 'float32' || (op === 'identity' && (xd === 'int32' || xd === 'bool')))) {
      this.begin([x], n * 4);
      return this.run(() => {
        const out = this.alloc('float32', n);
        if (n === 0) return out;
        const po = out.cell.ptr;
        if (xd !== 'float32') {
          this.k.toF32(xd === 'int32' ? 0 : 1, n, this.dense(x), po);
        } else if (op === 'identity') {
          if (isContiguous(x.shape, x.strides)) {
            const src = this.addr(x);
            this.heap.u8.copyWithin(po, src, src + n * 4);
          } else {
            this.copyDense(x, po);
          }
        } else if (isContiguous(x.shape, x.strides)) {
          this.k.unaryF32(code, n, this.addr(x), po, alpha, beta);
        } else {
          this.copyDense(x, po);
          this.k.unaryF32(code, n, po, po, alpha, beta);
        }
        return out;
      });
    }
    if (op === 'identity' && outDType === xd && xd !== 'float64') {
      // a contiguous copy of int32/bool
      this.begin([x], n * bytesPer(xd));
      return this.run(() => {
        const out = this.alloc(xd, n);
        if (n > 0) this.copyDense(x, out.cell.ptr);
        return out;
      });
    }
    return this.heapStorage(unaryKernel(op, x, outDType, alpha, beta), outDType);
  }

  /** Row tables for an elementwise op over outShape with operands (broadcast) and a contiguous output. */
  private rowPlan(outShape: Shape, ops: View[]): { rows: number; n: number; tabs: number[]; inner: number[] } {
    const strides = ops.map((v) => broadcastStrides(v.shape, v.strides, outShape));
    strides.push(contiguousStrides(outShape));
    const c = collapse(outShape, strides);
    const last = c.shape.length - 1;
    const outer = c.shape.slice(0, last);
    const tabs = ops.map((v, j) => this.table(stridedOffsets(outer, c.strides[j].slice(0, last), v.offset)));
    return { rows: sizeOf(outer), n: c.shape[last], tabs, inner: ops.map((_, j) => c.strides[j][last]) };
  }

  binary(op: BinaryOp, a: View, b: View, outShape: Shape, outDType: DType): Storage {
    const n = sizeOf(outShape);
    if (this.isF32(a, b)) {
      const arith = BINARY_CODES[op];
      const cmp = COMPARE_CODES[op];
      if ((arith !== undefined && outDType === 'float32') || (cmp !== undefined && outDType === 'bool')) {
        this.begin([a, b], n * bytesPer(outDType) + 64);
        return this.run(() => {
          const out = this.alloc(outDType, n);
          if (n === 0) return out;
          const pa = this.ptrOf(a), pb = this.ptrOf(b);
          const plan = this.rowPlan(outShape, [a, b]);
          const f = arith !== undefined ? this.k.binaryF32 : this.k.compareF32;
          f(arith ?? cmp!, plan.rows, plan.n, pa, plan.tabs[0], plan.inner[0], pb, plan.tabs[1], plan.inner[1], out.cell.ptr);
          return out;
        });
      }
    }
    return this.heapStorage(binaryKernel(op, a, b, outShape, outDType), outDType);
  }

  where(cond: View, a: View, b: View, outShape: Shape, outDType: DType): Storage {
    const n = sizeOf(outShape);
    if (cond.storage.dtype === 'bool' && this.isF32(a, b) && outDType === 'float32') {
      this.begin([cond, a, b], n * 4 + 64);
      return this.run(() => {
        const out = this.alloc('float32', n);
        if (n === 0) return out;
        const pc = this.ptrOf(cond), pa = this.ptrOf(a), pb = this.ptrOf(b);
        const plan = this.rowPlan(outShape, [cond, a, b]);
        this.k.whereF32(plan.rows, plan.n, pc, plan.tabs[0], plan.inner[0], pa, plan.tabs[1], plan.inner[1],
          pb, plan.tabs[2], plan.inner[2], out.cell.ptr);
        return out;
      });
    }
    return this.heapStorage(whereKernel(cond, a, b, outShape, outDType), outDType);
  }

  // ---- reductions ----

  /** Splits x's dims into kept and reduced groups, each collapsed to (outer offsets table, inner length, inner stride). */
  private splitPlan(x: View, dims: readonly number[]): { nko: number; ko: number; kn: number; ks: number; nro: number; ro: number; rn: number; rs: number } {
    const group = (sel: (d: number) => boolean, offset: number) => {
      const shape: number[] = [], strides: number[] = [];
      x.shape.forEach((d, i) => {
        if (sel(i)) {
          shape.push(d);
          strides.push(x.strides[i]);
        }
      });
      const c = collapse(shape, [strides]);
      const last = c.shape.length - 1;
      const outer = c.shape.slice(0, last);
      return {
        count: sizeOf(outer),
        tab: this.table(stridedOffsets(outer, c.strides[0].slice(0, last), offset)),
        n: c.shape[last],
        s: c.strides[0][last],
      };
    };
    const kept = group((i) => !dims.includes(i), x.offset);
    const red = group((i) => dims.includes(i), 0);
    return { nko: kept.count, ko: kept.tab, kn: kept.n, ks: kept.s, nro: red.count, ro: red.tab, rn: red.n, rs: red.s };
  }

  reduce(op: ReduceOp, x: View, dims: readonly number[], outDType: DType): Storage {
    if (this.isF32(x) && outDType === 'float32') {
      const nOut = x.shape.reduce((acc, d, i) => (dims.includes(i) ? acc : acc * d), 1);
      this.begin([x], nOut * 12 + 64);
      return this.run(() => {
        const out = this.alloc('float32', nOut);
        if (nOut === 0) return out;
        const px = this.ptrOf(x);
        const p = this.splitPlan(x, dims);
        const ws = this.tmp(nOut * 8 + 16);
        this.k.reduceF32(REDUCE_CODES[op], p.nko, p.ko, p.kn, p.ks, p.nro, p.ro, p.rn, p.rs, px, out.cell.ptr, ws);
        return out;
      });
    }
    return this.heapStorage(reduceKernel(op, x, dims, outDType), outDType);
  }

  argReduce(op: 'argmax' | 'argmin', x: View, dim: number): Storage {
    const n = sizeOf(x.shape);
    if (this.isF32(x) && n > 0) {
      const rows = n / x.shape[dim];
      this.begin([x], rows * 8 + 64);
      return this.run(() => {
        const out = this.alloc('int32', rows);
        const shape = x.shape.filter((_, i) => i !== dim);
        const strides = x.strides.filter((_, i) => i !== dim);
        const tab = this.table(stridedOffsets(shape, strides, x.offset));
        this.k.argReduceF32(op === 'argmax' ? 1 : 0, rows, this.ptrOf(x), tab, x.shape[dim], x.strides[dim], out.cell.ptr);
        return out;
      });
    }
    return this.heapStorage(argReduceKernel(op, x, dim), 'int32');
  }

  softmax(x: View, dim: number, log: boolean): Storage {
    if (!this.isF32(x) || x.shape.length === 0) return this.heapStorage(softmaxKernel(x, dim, log), x.storage.dtype);
    const n = sizeOf(x.shape);
    this.begin([x], n * 8);
    return this.run(() => {
      const out = this.alloc('float32', n);
      if (n === 0) return out;
      const px = this.dense(x);
      const D = x.shape[dim];
      const inner = sizeOf(x.shape.slice(dim + 1));
      const outer = sizeOf(x.shape.slice(0, dim));
      if (inner === 1) this.k.softmaxRows(outer, D, px, out.cell.ptr, log ? 1 : 0);
      else this.k.softmaxCols(outer, D, inner, px, out.cell.ptr, log ? 1 : 0, this.tmp(inner * 8 + 32));
      return out;
    });
  }

  // ---- linear algebra ----

  matmul(a: View, b: View, outBatch: Shape): Storage {
    if (!this.isF32(a, b)) return this.heapStorage(matmulKernel(a, b, outBatch), a.storage.dtype);
    const ra = a.shape.length, rb = b.shape.length;
    const M = a.shape[ra - 2], K = a.shape[ra - 1], N = b.shape[rb - 1];
    const batches = sizeOf(outBatch);
    this.begin([a, b], batches * M * N * 4);
    return this.run(() => {
      const out = this.alloc('float32', batches * M * N);
      if (batches * M * N === 0) return out;
      const aBatch = stridedOffsets(outBatch, broadcastStrides(a.shape.slice(0, -2), a.strides.slice(0, -2), outBatch), a.offset);
      const bBatch = stridedOffsets(outBatch, broadcastStrides(b.shape.slice(0, -2), b.strides.slice(0, -2), outBatch), b.offset);
      const pa = this.ptrOf(a), pb = this.ptrOf(b), po = out.cell.ptr;
      const sam = a.strides[ra - 2], sak = a.strides[ra - 1];
      const sbk = b.strides[rb - 2], sbn = b.strides[rb - 1];
      for (let bi = 0; bi < batches; bi++) {
        this.gemm(M, N, K, pa + aBatch[bi] * 4, sam, sak, pb + bBatch[bi] * 4, sbk, sbn, po + bi * M * N * 4, N, false);
      }
      return out;
    });
  }

  /**
   * act(x @ w^T + bias) in one kernel call: the GEMM (split across threads when large) writes the product into the
   * output, then one pass over the hot output adds the bias and applies the activation (assembly/linear.ts).
   */
  linear(x: View, w: View, bias: View | null, activation: LinearActivation): Storage {
    if (!this.isF32(x, w) || (bias && !this.isF32(bias))) {
      return this.heapStorage(linearKernel(x, w, bias, activation), x.storage.dtype);
    }
    const M = x.shape[0], K = x.shape[1], N = w.shape[0];
    this.begin(bias ? [x, w, bias] : [x, w], M * N * 4 + N * 4);
    return this.run(() => {
      const out = this.alloc('float32', M * N);
      if (M * N === 0) return out;
      const po = out.cell.ptr;
      this.gemm(M, N, K, this.addr(x), x.strides[0], x.strides[1], this.addr(w), w.strides[1], w.strides[0], po, N, false);
      if (bias || activation !== 'none') {
        this.k.biasActF32(M, N, po, bias ? this.dense(bias) : 0, activation === 'relu' ? 1 : 0);
      }
      return out;
    });
  }

  // ---- indexing (reference kernels over the memory) ----

  gather(x: View, dim: number, index: View): Storage {
    return this.heapStorage(gatherKernel(x, dim, index), x.storage.dtype);
  }
  scatterAdd(base: View, dim: number, index: View, src: View): Storage {
    return this.heapStorage(scatterAddKernel(base, dim, index, src), base.storage.dtype);
  }
  indexSelect(x: View, dim: number, index: View): Storage {
    return this.heapStorage(indexSelectKernel(x, dim, index), x.storage.dtype);
  }
  indexAdd(base: View, dim: number, index: View, src: View): Storage {
    return this.heapStorage(indexAddKernel(base, dim, index, src), base.storage.dtype);
  }

  // ---- convolution ----

  private convGeometry(xShape: Shape, wShape: Shape, OH: number, OW: number, p: Conv2dParams) {
    const [N, C, H, W] = xShape;
    const [O, , kH, kW] = wShape;
    const G = p.groups, Cg = C / G, Og = O / G;
    const L = OH * OW, R = Cg * kH * kW;
    const geo = [N, C, H, W, kH, kW, OH, OW, p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.dilation[0], p.dilation[1], Cg, L];
    // samples per chunk: about 1024 GEMM columns, column matrix at most 4M floats
    let nb = Math.max(1, Math.ceil(1024 / Math.max(L, 1)));
    nb = Math.min(nb, Math.max(1, Math.floor((1 << 22) / Math.max(1, R * L))), Math.max(1, N));
    const pointwise = kH === 1 && kW === 1 && p.stride[0] === 1 && p.stride[1] === 1 && p.padding[0] === 0 &&
      p.padding[1] === 0 && OH === H && OW === W;
    return { N, C, H, W, O, kH, kW, OH, OW, G, Cg, Og, L, R, geo, nb, pointwise };
  }

  /** Copies gradOut samples n0..n0+nb ([N,O,OH,OW], strided) into dense [O, nb, L] at dst. */
  private gatherChannelMajor(g: View, n0: number, nb: number, dst: number): void {
    const [, O, OH, OW] = g.shape;
    const s = g.strides;
    const v: View = { storage: g.storage, shape: [O, nb, OH, OW], strides: [s[1], s[0], s[2], s[3]], offset: g.offset + n0 * s[0] };
    this.copyDense(v, dst);
  }

  conv2d(x: View, w: View, p: Conv2dParams): Storage {
    if (!this.isF32(x, w)) return this.heapStorage(conv2dKernel(x, w, p), x.storage.dtype);
    const OH = Math.floor((x.shape[2] + 2 * p.padding[0] - p.dilation[0] * (w.shape[2] - 1) - 1) / p.stride[0]) + 1;
    const OW = Math.floor((x.shape[3] + 2 * p.padding[1] - p.dilation[1] * (w.shape[3] - 1) - 1) / p.stride[1]) + 1;
    const g = this.convGeometry(x.shape, w.shape, OH, OW, p);
    const total = g.N * g.O * g.L;
    this.begin([x, w], total * 4 + (g.R + g.O) * g.nb * g.L * 4);
    return this.run(() => {
      const out = this.alloc('float32', total);
      if (total === 0) return out;
      const po = out.cell.ptr;
      const px = this.dense(x), pw = this.dense(w);
      const CHW = g.C * g.H * g.W;
      if (g.R === 0) {
        this.heap.u8.fill(0, po, po + total * 4);
        return out;
      }
      if (g.pointwise) {
        for (let n = 0; n < g.N; n++) {
          for (let grp = 0; grp < g.G; grp++) {
            this.gemm(g.Og, g.L, g.Cg, pw + grp * g.Og * g.R * 4, g.R, 1, px + (n * CHW + grp * g.Cg * g.L) * 4, g.L, 1,
              po + (n * g.O + grp * g.Og) * g.L * 4, g.L, false);
          }
        }
        return out;
      }
      const geo = this.table(g.geo);
      const col = this.tmp(g.R * g.nb * g.L * 4);
      const res = g.nb > 1 ? this.tmp(g.O * g.nb * g.L * 4) : 0;
      for (let n0 = 0; n0 < g.N; n0 += g.nb) {
        const nb = Math.min(g.nb, g.N - n0);
        const cols = nb * g.L;
        // with one sample the GEMM writes [O, L] straight into the output
        const dst = nb === 1 ? po + n0 * g.O * g.L * 4 : res;
        for (let grp = 0; grp < g.G; grp++) {
          this.k.im2col(px + n0 * CHW * 4, nb, grp, geo, col);
          this.gemm(g.Og, cols, g.R, pw + grp * g.Og * g.R * 4, g.R, 1, col, cols, 1, dst + grp * g.Og * cols * 4, cols, false);
        }
        if (nb > 1) this.k.swap01(g.O, nb, g.L, res, po + n0 * g.O * g.L * 4);
      }
      return out;
    });
  }

  conv2dBackwardInput(gradOut: View, w: View, inputShape: Shape, p: Conv2dParams): Storage {
    if (!this.isF32(gradOut, w)) return this.heapStorage(conv2dBackwardInputKernel(gradOut, w, inputShape, p), gradOut.storage.dtype);
    const g = this.convGeometry(inputShape, w.shape, gradOut.shape[2], gradOut.shape[3], p);
    const total = g.N * g.C * g.H * g.W;
    this.begin([gradOut, w], total * 4 + (g.R + g.O) * g.nb * g.L * 4);
    return this.run(() => {
      const out = this.alloc('float32', total);
      if (total === 0) return out;
      const po = out.cell.ptr;
      this.heap.u8.fill(0, po, po + total * 4);
      if (g.L === 0 || g.N === 0) return out;
      const pw = this.dense(w);
      const CHW = g.C * g.H * g.W;
      if (g.pointwise) {
        // dx[n, grp] = W_g^T gOut[n, grp]
        const pg = this.dense(gradOut);
        for (let n = 0; n < g.N; n++) {
          for (let grp = 0; grp < g.G; grp++) {
            this.gemm(g.Cg, g.L, g.Og, pw + grp * g.Og * g.R * 4, 1, g.R, pg + (n * g.O + grp * g.Og) * g.L * 4, g.L, 1,
              po + (n * CHW + grp * g.Cg * g.L) * 4, g.L, false);
          }
        }
        return out;
      }
      const geo = this.table(g.geo);
      const gs = this.tmp(g.O * g.nb * g.L * 4);
      const dcol = this.tmp(g.R * g.nb * g.L * 4);
      for (let n0 = 0; n0 < g.N; n0 += g.nb) {
        const nb = Math.min(g.nb, g.N - n0);
        const cols = nb * g.L;
        this.gatherChannelMajor(gradOut, n0, nb, gs);
        for (let grp = 0; grp < g.G; grp++) {
          this.gemm(g.R, cols, g.Og, pw + grp * g.Og * g.R * 4, 1, g.R, gs + grp * g.Og * cols * 4, cols, 1, dcol, cols, false);
          this.k.col2im(dcol, nb, grp, geo, po + n0 * CHW * 4);
        }
      }
      return out;
    });
  }

  conv2dBackwardWeight(x: View, gradOut: View, weightShape: Shape, p: Conv2dParams): Storage {
    if (!this.isF32(x, gradOut)) return this.heapStorage(conv2dBackwardWeightKernel(x, gradOut, weightShape, p), x.storage.dtype);
    const g = this.convGeometry(x.shape, weightShape, gradOut.shape[2], gradOut.shape[3], p);
    const total = g.O * g.R;
    this.begin([x, gradOut], total * 4 + (g.R + g.O) * g.nb * g.L * 4);
    return this.run(() => {
      const out = this.alloc('float32', total);
      if (total === 0) return out;
      const po = out.cell.ptr;
      if (g.N === 0 || g.L === 0) {
        this.heap.u8.fill(0, po, po + total * 4);
        return out;
      }
      const px = this.dense(x);
      const CHW = g.C * g.H * g.W;
      if (g.pointwise) {
        // dW_g += gOut[n, grp] x[n, grp]^T
        const pg = this.dense(gradOut);
        for (let n = 0; n < g.N; n++) {
          for (let grp = 0; grp < g.G; grp++) {
            this.gemm(g.Og, g.Cg, g.L, pg + (n * g.O + grp * g.Og) * g.L * 4, g.L, 1, px + (n * CHW + grp * g.Cg * g.L) * 4, 1, g.L,
              po + grp * g.Og * g.R * 4, g.R, n > 0);
          }
        }
        return out;
      }
      const geo = this.table(g.geo);
      const gs = this.tmp(g.O * g.nb * g.L * 4);
      const col = this.tmp(g.R * g.nb * g.L * 4);
      for (let n0 = 0; n0 < g.N; n0 += g.nb) {
        const nb = Math.min(g.nb, g.N - n0);
        const cols = nb * g.L;
        this.gatherChannelMajor(gradOut, n0, nb, gs);
        for (let grp = 0; grp < g.G; grp++) {
          this.k.im2col(px + n0 * CHW * 4, nb, grp, geo, col);
          this.gemm(g.Og, g.R, cols, gs + grp * g.Og * cols * 4, cols, 1, col, 1, cols, po + grp * g.Og * g.R * 4, g.R, n0 > 0);
        }
      }
      return out;
    });
  }

  // ---- fused optimiser updates (in place on contiguous float32 views; see optim.ts) ----

  /** Adam/AdamW step in place: see assembly/optim.ts. */
  adamStep(p: View, g: View, m: View, v: View, beta1: number, beta2: number, stepSize: number, bc2Sqrt: number,
    eps: number, decay: number, l2: number): void {
    this.begin([p, g, m, v], 0);
    this.run(() => {
      const n = sizeOf(p.shape);
      const pp = this.addr(p, true), pg = this.addr(g), pm = this.addr(m, true), pv = this.addr(v, true);
      const pool = this.poolFor(n, this.parallelElements);
      if (pool) pool.adam(n, pp, pg, pm, pv, [beta1, beta2, stepSize, bc2Sqrt, eps, decay, l2]);
      else this.k.adamF32(n, pp, pg, pm, pv, beta1, beta2, stepSize, bc2Sqrt, eps, decay, l2);
    });
  }

  /** SGD step in place (buf null: no momentum): see assembly/optim.ts. */
  sgdStep(p: View, g: View, buf: View | null, lr: number, momentum: number, dampening: number, wd: number, nesterov: boolean): void {
    this.begin(buf ? [p, g, buf] : [p, g], 0);
    this.run(() => this.k.sgdF32(sizeOf(p.shape), this.addr(p, true), this.addr(g), buf ? this.addr(buf, true) : 0, lr, momentum,
      dampening, wd, nesterov ? 1 : 0));
  }

  // ---- pooling ----

  maxPool2d(x: View, p: Pool2dParams, outH: number, outW: number): { out: Storage; indices: Storage } {
    if (!this.isF32(x)) {
      const r = maxPool2dKernel(x, p, outH, outW);
      return { out: this.heapStorage(r.out, x.storage.dtype), indices: this.heapStorage(r.indices, 'int32') };
    }
    const [N, C, H, W] = x.shape;
    const total = N * C * outH * outW;
    this.begin([x], total * 8);
    return this.run(() => {
      const out = this.alloc('float32', total);
      const indices = this.alloc('int32', total);
      if (total === 0) return { out, indices };
      const params = this.table([H, W, outH, outW, p.kernel[0], p.kernel[1], p.stride[0], p.stride[1], p.padding[0],
        p.padding[1], p.dilation[0], p.dilation[1]]);
      this.k.maxPool2d(N * C, this.dense(x), params, out.cell.ptr, indices.cell.ptr);
      return { out, indices };
    });
  }

  maxPool2dBackward(gradOut: View, indices: View, inputShape: Shape): Storage {
    if (!this.isF32(gradOut) || indices.storage.dtype !== 'int32') {
      return this.heapStorage(maxPool2dBackwardKernel(gradOut, indices, inputShape), gradOut.storage.dtype);
    }
    const [N, C, H, W] = inputShape;
    const [, , OH, OW] = gradOut.shape;
    const total = N * C * H * W;
    this.begin([gradOut, indices], total * 4);
    return this.run(() => {
      const out = this.alloc('float32', total);
      if (total === 0) return out;
      const po = out.cell.ptr;
      this.heap.u8.fill(0, po, po + total * 4);
      this.k.maxPool2dBackward(N * C, H * W, OH * OW, this.dense(gradOut), this.dense(indices), po);
      return out;
    });
  }

  avgPool2d(x: View, p: Pool2dParams, outH: number, outW: number): Storage {
    if (!this.isF32(x)) return this.heapStorage(avgPool2dKernel(x, p, outH, outW), x.storage.dtype);
    const [N, C, H, W] = x.shape;
    const total = N * C * outH * outW;
    this.begin([x], total * 4);
    return this.run(() => {
      const out = this.alloc('float32', total);
      if (total === 0) return out;
      const params = this.table([H, W, outH, outW, p.kernel[0], p.kernel[1], p.stride[0], p.stride[1], p.padding[0],
        p.padding[1], p.countIncludePad ? 1 : 0]);
      this.k.avgPool2d(N * C, this.dense(x), params, out.cell.ptr);
      return out;
    });
  }

  avgPool2dBackward(gradOut: View, inputShape: Shape, p: Pool2dParams): Storage {
    if (!this.isF32(gradOut)) return this.heapStorage(avgPool2dBackwardKernel(gradOut, inputShape, p), gradOut.storage.dtype);
    const [N, C, H, W] = inputShape;
    const [, , OH, OW] = gradOut.shape;
    const total = N * C * H * W;
    this.begin([gradOut], total * 4);
    return this.run(() => {
      const out = this.alloc('float32', total);
      if (total === 0) return out;
      const po = out.cell.ptr;
      this.heap.u8.fill(0, po, po + total * 4);
      const params = this.table([H, W, OH, OW, p.kernel[0], p.kernel[1], p.stride[0], p.stride[1], p.padding[0],
        p.padding[1], p.countIncludePad ? 1 : 0]);
      this.k.avgPool2dBackward(N * C, this.dense(gradOut), params, po);
      return out;
    });
  }

  adaptiveAvgPool2d(x: View, outH: number, outW: number): Storage {
    return this.heapStorage(adaptiveAvgPool2dKernel(x, outH, outW), x.storage.dtype);
  }
  adaptiveAvgPool2dBackward(gradOut: View, inputShape: Shape): Storage {
    return this.heapStorage(adaptiveAvgPool2dBackwardKernel(gradOut, inputShape), gradOut.storage.dtype);
  }
}
