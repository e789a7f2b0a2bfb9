/**
 * The WebAssembly heap: storage blocks in the module's linear memory, allocated and freed by the host.
 *
 * Allocation: blocks are 16-byte aligned and rounded up to a size class (multiples of 16 bytes up to 256, then four
 * classes per power of two, so at most 25% is wasted); freed blocks go on a free list per class and are reused by the
 * next request of that class; new blocks are cut from the top, growing the memory when needed (typed-array views of
 * the memory are re-created after a grow: see `gen`).
 *
 * Lifetime is automatic. Each storage's block is described by a Cell; a FinalizationRegistry frees the block when the
 * storage object is garbage collected. Finalizers only run when JavaScript returns to its event loop, so a program
 * that trains in one long synchronous loop would otherwise grow the memory without bound. The heap therefore stamps
 * each cell when a kernel uses it and, when the bytes in use would pass `budget`, evicts the least recently used
 * cells: their contents move to ordinary typed arrays on the JavaScript heap (which the garbage collector
 * reclaims by itself when the storage is dead) and their blocks are reused. An evicted cell is brought back into the
 * memory the next time a kernel reads it. Eviction happens only in `reserve()`, which kernels call before they take
 * any pointer, so pointers held by a running kernel stay valid.
 */

import type { DType, TypedArray } from '../../tensor/dtype.js';

/**
 * The part of a WebAssembly.Memory the heap uses, written out so that the published typings name no WebAssembly type
 * (a strict Node project without the DOM lib has none).
 */
export interface LinearMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

export const PAGE = 65536;

/** Where a storage's elements live: a block of the linear memory (ptr != 0) or a JS typed array (heap). */
export class Cell {
  ptr = 0;
  /** size class (bytes) of the block at ptr */
  cls = 0;
  heap: TypedArray | null = null;
  view: TypedArray | null = null;
  viewGen = -1;
  /** when a kernel last used it (for least-recently-used eviction) */
  stamp = 0;
  /** freed on request (WasmHeap.discard): what it was and why it went; any later use is an error saying so */
  discarded: string | null = null;
  /** made from the caller's data: its first reads borrow a scratch copy (see BORROWED_READS in backend.ts) */
  fromCaller = false;
  /** kernel reads while on the JS heap, counted for fromCaller cells */
  reads = 0;
  constructor(readonly dtype: DType, readonly length: number) {}
}

export function bytesPer(dtype: DType): number {
  return dtype === 'bool' ? 1 : dtype === 'float64' ? 8 : 4;
}

/** The size class of a request: the smallest class >= bytes. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return Math.max(16, (bytes + 15) & ~15);
  const p = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = p / 4;
  return Math.ceil(bytes / step) * step;
}

export interface HeapStats {
  /** bytes of the linear memory */
  memoryBytes: number;
  /** bytes in blocks that hold live (not yet collected) storage */
  usedBytes: number;
  /** bytes waiting on free lists */
  freeBytes: number;
  residentCells: number;
  /** cells moved to the JS heap so far, and how many times eviction ran */
  evictedCells: number;
  evictions: number;
  budgetBytes: number;
}

export class WasmHeap {
  /** increments whenever the memory grows (typed-array views must be re-created) */
  gen = 0;
  private buf!: ArrayBuffer | SharedArrayBuffer;
  u8!: Uint8Array;
  i32!: Int32Array;
  f32!: Float32Array;
  f64!: Float64Array;
  readonly base: number;
  private top: number;
  /** end of the permanent region: a reset starts the memory over from here */
  private permTop: number;
  /** bump pointer and end of the arena for permanent blocks at the bottom of the memory */
  private arenaTop: number;
  private arenaEnd: number;
  /** free lists by size class: the 16 classes up to 256 bytes by cls >> 4 (no map lookup for the common small blocks) */
  private readonly smallFree: number[][] = Array.from({ length: 17 }, () => []);
  private readonly free = new Map<number, number[]>();
  private freeBytes = 0;
  private used = 0;
  /** cells whose elements are in the memory */
  private readonly resident = new Set<Cell>();
  private clock = 0;
  private readonly registry: FinalizationRegistry<Cell>;
  private evictedCells = 0;
  private evictions = 0;
  /** soft limit on bytes in use before least-recently-used storage moves to the JS heap */
  budget = 256 * 1024 * 1024;

  /**
   * `arenaBytes` are set aside at the bottom for permanent blocks (workspaces), so they never sit above storage that
   * a reset would want to reuse.
   */
  constructor(readonly memory: LinearMemory, heapBase: number, readonly shared: boolean, readonly maxPages: number, arenaBytes = 0) {
    this.base = (heapBase + 63) & ~63;
    this.arenaTop = this.base;
    this.arenaEnd = this.base + ((arenaBytes + 63) & ~63);
    this.top = this.arenaEnd;
    this.permTop = this.top;
    this.refresh();
    if (this.top > this.buf.byteLength) this.grow(this.top);
    this.registry = new FinalizationRegistry((cell: Cell) => this.freeCell(cell));
  }

  private refresh(): void {
    this.buf = this.memory.buffer;
    this.u8 = new Uint8Array(this.buf);
    this.i32 = new Int32Array(this.buf);
    this.f32 = new Float32Array(this.buf);
    this.f64 = new Float64Array(this.buf);
    this.gen++;
  }

  get byteLength(): number {
    return this.buf.byteLength;
  }

  /** A raw 16-byte aligned block of at least `bytes` (its size class is returned through the cell or ignored). */
  alloc(bytes: number): { ptr: number; cls: number } {
    const cls = sizeClass(bytes);
    const list = cls <= 256 ? this.smallFree[cls >> 4] : this.free.get(cls);
    if (list && list.length > 0) {
      this.freeBytes -= cls;
      return { ptr: list.pop()!, cls };
    }
    const ptr = this.top;
    const end = ptr + cls;
    if (end > this.buf.byteLength) this.grow(end);
    this.top = end;
    return { ptr, cls };
  }

  release(ptr: number, cls: number): void {
    let list = cls <= 256 ? this.smallFree[cls >> 4] : this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    list.push(ptr);
    this.freeBytes += cls;
  }

  /** A block that is never freed (workspaces); it survives resets. */
  allocPermanent(bytes: number): number {
    const size = (bytes + 63) & ~63;
    if (this.arenaTop + size <= this.arenaEnd) {
      const p = this.arenaTop;
      this.arenaTop += size;
      if (p + size > this.buf.byteLength) this.grow(p + size);
      return p;
    }
    const { ptr, cls } = this.alloc(bytes);
    this.permTop = Math.max(this.permTop, ptr + cls);
    return ptr;
  }

  private grow(end: number): void {
    const have = this.buf.byteLength / PAGE;
    const need = Math.ceil(end / PAGE);
    // grow by at least a quarter of the current size (and 16 MiB) to keep grows rare
    let want = Math.max(need, have + Math.max(256, have >> 2));
    want = Math.min(want, this.maxPages);
    if (want < need) {
      throw new RangeError(`wasm backend: out of memory (need ${end} bytes, the limit is ${this.maxPages * PAGE} bytes)`);
    }
    try {
      this.memory.grow(want - have);
    } catch {
      try {
        this.memory.grow(need - have);
      } catch {
        throw new RangeError(`wasm backend: out of memory (could not grow the memory to ${end} bytes)`);
      }
    }
    this.refresh();
  }

  // ---- cells ----

  /** Gives `cell` a block (uninitialised) and registers it for freeing when `owner` is collected. */
  place(cell: Cell, owner: object): number {
    const bytes = cell.length * bytesPer(cell.dtype);
    if (bytes === 0) return this.base;
    const { ptr, cls } = this.alloc(bytes);
    cell.ptr = ptr;
    cell.cls = cls;
    cell.view = null;
    this.used += cls;
    cell.stamp = ++this.clock;
    this.resident.add(cell);
    this.registry.register(owner, cell, cell);
    return ptr;
  }

  /** Marks a resident cell as just used (the last to be evicted). */
  touch(cell: Cell): void {
    cell.stamp = ++this.clock;
  }

  /** Frees a collected storage's block (the FinalizationRegistry callback). */
  private freeCell(cell: Cell): void {
    if (cell.ptr === 0) return;
    this.resident.delete(cell);
    this.release(cell.ptr, cell.cls);
    this.used -= cell.cls;
    cell.ptr = 0;
    cell.view = null;
  }

  /** Frees a cell's block (or its JS-heap copy) now, for storage its owner knows is dead (`what`: see Device.release). */
  discard(cell: Cell, what: string): void {
    if (cell.ptr !== 0) {
      this.registry.unregister(cell);
      this.freeCell(cell);
    }
    cell.heap = null;
    cell.discarded = what;
  }

  /** Moves a resident cell's contents to the JS heap and frees its block. */
  private evict(cell: Cell): void {
    const view = this.viewOf(cell);
    cell.heap = view.slice();
    this.registry.unregister(cell);
    this.resident.delete(cell);
    this.release(cell.ptr, cell.cls);
    this.used -= cell.cls;
    cell.ptr = 0;
    cell.view = null;
    this.evictedCells++;
  }

  /**
   * Called by every kernel before it takes pointers: makes room for about `bytes` more. Evicts least recently used
   * storage when the budget would be passed; when the free lists hold much more than is in use (fragmentation),
   * evicts everything and starts the memory over from the bottom.
   */
  reserve(bytes: number): void {
    const over = this.used + bytes > this.budget;
    // about to grow while the free lists hold more than the live storage: their blocks are the wrong sizes
    const fragmented = this.top + bytes > this.buf.byteLength && this.freeBytes > Math.max(bytes, this.used);
    if (!over && !fragmented) return;
    this.evictions++;
    if (over) {
      const target = Math.max(0, this.budget / 2 - bytes);
      const byAge = [...this.resident].sort((a, b) => a.stamp - b.stamp);
      for (const cell of byAge) {
        if (this.used <= target) break;
        this.evict(cell);
      }
    }
    if (fragmented || this.top - this.permTop > 2 * this.budget + bytes) {
      for (const cell of [...this.resident]) this.evict(cell);
      this.free.clear();
      for (const list of this.smallFree) list.length = 0;
      this.freeBytes = 0;
      this.top = this.permTop;
    }
  }

  /** A typed array over a resident cell's block (re-created after the memory grows). */
  viewOf(cell: Cell): TypedArray {
    if (cell.view && cell.viewGen === this.gen) return cell.view;
    const p = cell.ptr, n = cell.length;
    let v: TypedArray;
    switch (cell.dtype) {
      case 'float32': v = new Float32Array(this.buf, p, n); break;
      case 'int32': v = new Int32Array(this.buf, p, n); break;
      case 'bool': v = new Uint8Array(this.buf, p, n); break;
      case 'float64': v = new Float64Array(this.buf, p, n); break;
    }
    cell.view = v;
    cell.viewGen = this.gen;
    return v;
  }

  stats(): HeapStats {
    return {
      memoryBytes: this.buf.byteLength,
      usedBytes: this.used,
      freeBytes: this.freeBytes,
      residentCells: this.resident.size,
      evictedCells: this.evictedCells,
      evictions: this.evictions,
      budgetBytes: this.budget,
    };
  }
}
