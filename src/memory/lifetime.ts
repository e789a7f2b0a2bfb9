/**
 * When storage may be freed before the garbage collector gets to it, in one place. Users never free anything: where a
 * device frees memory on request (the wasm device's linear memory, which the collector cannot reclaim inside a
 * synchronous training loop), the library frees what it knows only it holds:
 * - a gradient that backward used up, and the temporaries a library op's backward made and did not return;
 * - a leaf's `.grad` that zeroGrad or the next backward replaces, when nothing outside the library ever read it;
 * - results passed between layers that declare they keep no tensors (Sequential), once the graph no longer needs them;
 * - single-use results inside an op (a convolution before its bias was added, max-pool indices without a graph).
 * Everything else is left to the collector, and behind every rule stands the device's own safety net (the wasm
 * device's FinalizationRegistry frees what the collector finds dead). Freed storage remembers what it was, so a use
 * after it was freed, which would be a bug in these rules, gets an error that says what the memory held.
 *
 * Ops, autograd, containers and the optimisers call this module; none of them calls a device's release itself.
 */
import { collectNewStorage, latestStorageSerial, type Storage } from '../backend/device.js';
import type { Tensor } from '../tensor/tensor.js';

/** Frees storage at once on devices that free on request; `what` says what it was and why it went. */
export function freeNow(storage: Storage, what: string): void {
  storage.backend.release?.(storage, what);
}

// ---------------------------------------------------------------- storage the graph holds

/**
 * What the library keeps about a storage, in one record so that recording an op looks the storage up once: its
 * in-place writes (autograd's version counter), how many graph nodes that have not run their backward hold it among
 * their saved tensors, and whether nothing but those nodes refers to it.
 */
interface StorageBook {
  version: number;
  heldByNodes: number;
  onlyGraph: boolean;
}

const books = new WeakMap<Storage, StorageBook>();

function bookOf(storage: Storage): StorageBook {
  let b = books.get(storage);
  if (b === undefined) books.set(storage, (b = { version: 0, heldByNodes: 0, onlyGraph: false }));
  return b;
}

/** How many in-place writes the storage has had. */
export function storageVersion(storage: Storage): number {
  return books.get(storage)?.version ?? 0;
}

/** Counts an in-place write to a tensor's storage (see bumpVersion in autograd). */
export function countWrite(t: Tensor): void {
  bookOf(t.storage).version++;
}

/** A graph node saved `storage` for its backward: it stays until letGoForGraph. Returns its version now. */
export function holdForGraph(storage: Storage): number {
  const b = bookOf(storage);
  b.heldByNodes++;
  return b.version;
}

/** What releaseWithGraph's storage was, for the error a later use of it gets. */
const RELEASED_WITH_GRAPH = 'a result passed between the built-in layers of a Sequential, once nothing but the graph needed it';

/** A node that saved `storage` has run its backward (without retainGraph). */
export function letGoForGraph(storage: Storage): void {
  // the node counted the storage in its book when it saved it
  const b = books.get(storage);
  if (b === undefined) return;
  const n = --b.heldByNodes;
  if (n === 0 && b.onlyGraph) {
    b.onlyGraph = false;
    freeNow(storage, RELEASED_WITH_GRAPH);
  }
}

/**
 * Declares that nothing outside autograd's saved tensors refers to `storage` (a result passed between the built-in
 * layers of a Sequential, say): it is freed once every node that saved it has run its backward without retainGraph,
 * or at once when none saved it. A graph that is dropped without a backward leaves it to the garbage collector.
 */
export function releaseWithGraph(storage: Storage): void {
  const b = books.get(storage);
  if (b === undefined || b.heldByNodes === 0) freeNow(storage, RELEASED_WITH_GRAPH);
  else b.onlyGraph = true;
}

/**
 * The results a container passes between its layers (when none of its layers keeps a tensor it is given or returns):
 * `passed` notes each one made during the container's forward, `finish` hands all but the container's own output
 * to releaseWithGraph.
 */
export class PassedResults {
  private readonly start = latestStorageSerial();
  private readonly storages = new Set<Storage>();

  passed(t: Tensor): void {
    if (t.storage.serial > this.start) this.storages.add(t.storage);
  }

  finish(output: Tensor): void {
    this.storages.delete(output.storage);
    for (const s of this.storages) releaseWithGraph(s);
  }
}

// ---------------------------------------------------------------- gradients during backward

/**
 * Which gradients only the engine holds, and the gradients on their way to leaves. A gradient made during this
 * backward and handed out once is the engine's alone: once the node it was for has used it, it is freed; a leaf's
 * becomes `.grad` as it is when it also covers its storage contiguously. A node that passes its gradient on as a view
 * (reshape, transpose) hands that one use on (see runBackward). Anything else (the caller's gradient, a retained grad
 * or a view of one, a tensor given to two inputs) is left alone, and copied before it becomes a leaf's `.grad`, since
 * optimisers update `.grad` in place.
 */
export class GradientOwnership {
  private readonly start = latestStorageSerial();
  private readonly uses = new Map<Storage, number>();
  private readonly shared = new Set<Storage>();
  private readonly pending = new Map<Tensor, Tensor>();

  /** Counts one more place a gradient went (a backward function's result, or a sum the engine made). */
  received(g: Tensor): void {
    this.uses.set(g.storage, (this.uses.get(g.storage) ?? 0) + 1);
  }

  /** Marks a gradient someone outside the engine also holds. */
  exposed(g: Tensor): void {
    this.shared.add(g.storage);
  }

  add(leaf: Tensor, g: Tensor): void {
    const prev = this.pending.get(leaf);
    this.pending.set(leaf, prev ? prev.add(g) : g);
  }

  /** Only the engine holds g's storage. */
  private enginesOnly(g: Tensor): boolean {
    const s = g.storage;
    return s.serial > this.start && (this.uses.get(s) ?? 0) <= 1 && !this.shared.has(s);
  }

  private owned(g: Tensor): boolean {
    return this.enginesOnly(g) && g.offset === 0 && g.size === g.storage.length && g.isContiguous();
  }

  /** Frees a gradient that has been used up, if only the engine held it. */
  used(g: Tensor): void {
    if (this.enginesOnly(g)) freeNow(g.storage, 'a gradient that backward used up');
  }

  /** Sets or adds each leaf's gradient; what becomes `.grad` is memory the engine made, so it stays the library's. */
  assign(): void {
    for (const [leaf, g] of this.pending) {
      const prev = leaf._peekGrad();
      leaf._replaceGrad(prev ? prev.add(g) : this.owned(g) ? g : g.clone(), true);
    }
  }
}

/**
 * Runs a library op's backward (`what` names it), freeing at once the storage it made and did not return: library
 * backwards keep nothing else they create (temporaries such as 1 - out^2 in tanh's).
 */
export function freeingTemporaries(what: string, backward: () => (Tensor | null)[]): (Tensor | null)[] {
  const { result, created } = collectNewStorage(backward);
  // a backward returns a gradient per input (a handful): a scan of them beats building a set
  for (const s of created) if (!returnsStorage(result, s)) freeNow(s, `a temporary of ${what}'s backward`);
  return result;
}

function returnsStorage(grads: readonly (Tensor | null)[], s: Storage): boolean {
  for (const gi of grads) if (gi !== null && gi !== undefined && gi.storage === s) return true;
  return false;
}

/** A leaf's gradient that the library alone held is being replaced by `next`: frees it unless it is next's memory. */
export function replacedGradient(old: Tensor, next: Tensor | null): void {
  if (old.storage !== next?.storage) freeNow(old.storage, 'a gradient that zeroGrad or a later backward replaced, never read through .grad');
}
