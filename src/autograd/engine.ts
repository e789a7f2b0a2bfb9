/**
 * Reverse-mode autograd over a graph recorded eagerly by ops. A GradNode belongs to one op result; it points at the
 * nodes of its inputs (or at leaf tensors) and holds its op's record and attributes (src/ops/op.ts) or a backward
 * closure, with the tensors the op saved. The
 * closure is dropped after use unless the graph is retained, so a training step's activations become garbage as
 * soon as backward finishes.
 *
 * Every storage has a version, bumped by each in-place write (as PyTorch's version counter, shared by all views of
 * the storage). A node remembers the versions of the tensors its backward reads, and backward refuses to run with
 * values that were changed in place after the op used them.
 */
import { collectNewStorage, latestStorageSerial, type Storage } from '../backend/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { shapeStr, shapesEqual } from '../tensor/shape.js';
import type { OpAttrs, OpRecord } from '../ops/op.js';

const versions = new WeakMap<Storage, number>();

/** How many in-place writes the storage has had. */
export function storageVersion(storage: Storage): number {
  return versions.get(storage) ?? 0;
}

/**
 * Records an in-place write to a tensor's storage. Every in-place op does this; code that writes a storage's memory
 * directly (fused optimiser updates) should too, so a graph that saved the old values refuses to use them.
 */
export function bumpVersion(t: Tensor): void {
  versions.set(t.storage, storageVersion(t.storage) + 1);
}

interface Saved {
  readonly tensor: Tensor;
  readonly version: number;
}

/** How many graph nodes that have not run their backward yet hold each storage among their saved tensors. */
const heldByNodes = new WeakMap<Storage, number>();
/** Storages nothing refers to but the saved tensors of graph nodes: freed when the last such node is done. */
const heldOnlyByGraph = new WeakSet<Storage>();

/** What releaseWithGraph's storage was, for the error a later use of it gets (see Backend.release). */
const RELEASED_WITH_GRAPH = 'a result passed between the built-in layers of a Sequential, once nothing but the graph needed it';

/**
 * Declares that nothing outside autograd's saved tensors refers to `storage` (a result passed between the built-in
 * layers of a Sequential, say): its memory is released, on backends that free memory on request, once every node
 * that saved it has run its backward without retainGraph, or at once when none saved it. A graph that is dropped
 * without a backward leaves it to the garbage collector.
 */
export function releaseWithGraph(storage: Storage): void {
  if ((heldByNodes.get(storage) ?? 0) === 0) storage.backend.release?.(storage, RELEASED_WITH_GRAPH);
  else heldOnlyByGraph.add(storage);
}

function letGo(storage: Storage): void {
  const n = (heldByNodes.get(storage) ?? 1) - 1;
  heldByNodes.set(storage, n);
  if (n === 0 && heldOnlyByGraph.has(storage)) {
    heldOnlyByGraph.delete(storage);
    storage.backend.release?.(storage, RELEASED_WITH_GRAPH);
  }
}

/** Maps the gradient of an op's output to the gradients of its inputs (null for inputs needing none). */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

/** Where an input's gradient goes: the node that produced it, or the leaf tensor itself. */
type Edge = { node: GradNode } | { leaf: Tensor } | null;

export class GradNode {
  readonly edges: Edge[];
  private backwardFn: BackwardFn | null;
  private saved: Saved[] | null;
  /** The op record this node belongs to (null for a node made with a backward closure), and its attributes. */
  op: OpRecord | null = null;
  attrs: OpAttrs | null = null;
  /** A record node's inputs, the tensors its record saved (in its declared order) and which inputs needed a gradient. */
  private recordState: { inputs: readonly (Tensor | null)[]; saved: readonly (Tensor | null)[]; needs: readonly boolean[] } | null = null;
  /** A non-leaf tensor whose `.grad` the user asked to keep (`retainGrad()`). */
  retained: Tensor | null = null;

  /**
   * `saved` lists the tensors the backward function reads (their versions are checked before it runs); by default
   * the inputs.
   */
  constructor(readonly name: string, inputs: readonly (Tensor | null)[], backwardFn: BackwardFn | null, readonly inputShapes: readonly (readonly number[])[],
    saved: readonly (Tensor | null | undefined)[] = inputs) {
    this.edges = inputs.map((t) => {
      if (!t || !t.requiresGrad) return null;
      return t.gradFn ? { node: t.gradFn } : { leaf: t };
    });
    this.backwardFn = backwardFn;
    const kept: Saved[] = [];
    for (const t of saved) {
      if (!t) continue;
      kept.push({ tensor: t, version: storageVersion(t.storage) });
      heldByNodes.set(t.storage, (heldByNodes.get(t.storage) ?? 0) + 1);
    }
    this.saved = kept.length ? kept : null;
  }

  get released(): boolean {
    return this.backwardFn === null && this.recordState === null;
  }

  /** @internal Makes this the node of a call of `op` (recordNode). */
  _setRecord(op: OpRecord, attrs: OpAttrs, inputs: readonly (Tensor | null)[], saved: readonly (Tensor | null)[], needs: readonly boolean[]): void {
    this.op = op;
    this.attrs = attrs;
    this.recordState = { inputs, saved, needs };
  }

  apply(grad: Tensor, retain: boolean): (Tensor | null)[] {
    const fn = this.backwardFn, state = this.recordState;
    if (!fn && !state) {
      throw new Error(
        `backward: trying to go through the graph a second time (at ${this.name}); its saved tensors were freed after ` +
          'the first backward. Pass { retainGraph: true } to the first backward() if you need to call it twice.',
      );
    }
    if (this.saved) {
      for (const { tensor, version } of this.saved) {
        const now = storageVersion(tensor.storage);
        if (now !== version) {
          throw new Error(
            `backward of ${this.name}: one of the variables needed for gradient computation has been modified by an inplace ` +
              `operation: a ${tensor.dtype} tensor of shape ${shapeStr(tensor.shape)} saved by ${this.name} is at version ${now}; ` +
              `expected version ${version} instead. Change it in place only after backward(), or change a clone() of it.`,
          );
        }
      }
    }
    if (retain) return state ? this.op!.backward!(grad, state.saved, this.attrs!, state.needs, state.inputs) : fn!(grad);
    const saved = this.saved;
    this.backwardFn = null;
    this.saved = null;
    this.recordState = null;
    const grads = state ? this.op!.backward!(grad, state.saved, this.attrs!, state.needs, state.inputs) : fn!(grad);
    // only now: the backward function read the saved tensors
    if (saved) for (const { tensor } of saved) letGo(tensor.storage);
    return grads;
  }
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn with gradient recording off (like `with torch.no_grad()`); restores the previous mode afterwards. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Sets the global grad mode (like torch.set_grad_enabled) and returns the previous one. */
export function setGradEnabled(enabled: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = enabled;
  return prev;
}

/**
 * Nodes made by library ops (recordOp, recordNode): their backward functions keep nothing they create but what they return, so the
 * engine frees the rest (temporaries such as 1 - out^2 in tanh's backward) as soon as they return.
 */
const libraryNodes = new WeakSet<GradNode>();

/**
 * Attaches a backward rule to an op's output when recording is on and any input requires grad. Returns the output.
 *
 * `saved` must list every tensor the backward reads (default: the inputs): changing one in place before backward is
 * detected, and memory that only the graph holds is kept exactly until the nodes that saved it have run
 * (releaseWithGraph). Ops whose backward reads none of them (add, views, sum, ...) pass []. The backward decides
 * which gradients to compute by what its inputs required now, not at backward time (as the needs of an op record),
 * and keeps nothing it creates but what it returns.
 */
export function recordOp(name: string, output: Tensor, inputs: readonly (Tensor | null)[], backward: BackwardFn,
  saved?: readonly (Tensor | null | undefined)[]): Tensor {
  if (!gradEnabled) return output;
  if (!inputs.some((t) => t !== null && t.requiresGrad)) return output;
  const node = new GradNode(name, inputs, backward, inputs.map((t) => (t ? t.shape : [])), saved ?? inputs);
  libraryNodes.add(node);
  output._setGradFn(node);
  return output;
}

/**
 * Attaches a node of the op record `op` to its output when recording is on and any input requires grad (the cheap
 * half of running a record; see runOp in src/ops/op.ts). Returns the output. `saved` is what op.saves declares.
 */
export function recordNode<A extends OpAttrs>(op: OpRecord<A>, output: Tensor, inputs: readonly (Tensor | null)[], attrs: A): Tensor {
  if (!gradEnabled || !op.backward) return output;
  let any = false;
  for (const t of inputs) if (t !== null && t.requiresGrad) any = true;
  if (!any) return output;
  const node = recordedNode(op, inputs, attrs, output);
  libraryNodes.add(node);
  output._setGradFn(node);
  return output;
}

/** A node of a call of `op` (a record with a backward); `output` is what op.saves may save besides the inputs. */
export function recordedNode<A extends OpAttrs>(op: OpRecord<A>, inputs: readonly (Tensor | null)[], attrs: A, output: Tensor): GradNode {
  const needs = inputs.map((t) => t !== null && t.requiresGrad);
  const saved = op.saves ? op.saves(inputs, output, needs, attrs) : NOTHING_SAVED;
  const node = new GradNode(op.name, inputs, null, inputs.map((t) => (t ? t.shape : [])), saved);
  node._setRecord(op as OpRecord, attrs, inputs, saved, needs);
  return node;
}
const NOTHING_SAVED: readonly Tensor[] = [];

export interface BackwardOptions {
  /** Keep the saved tensors so backward can run through this graph again. */
  retainGraph?: boolean;
}

/** Nodes reachable from root, ordered so every node comes before the nodes of its inputs. */
function topologicalOrder(root: GradNode): GradNode[] {
  const order: GradNode[] = [];
  const visited = new Set<GradNode>();
  const stack: [GradNode, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.edges.length) {
      top[1]++;
      const e = node.edges[i];
      if (e && 'node' in e && !visited.has(e.node)) {
        visited.add(e.node);
        stack.push([e.node, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

/**
 * Which gradients only the engine holds, and the gradients on their way to leaves. A gradient made during this
 * backward and handed out once is the engine's alone: once the node it was for has used it, its memory is released
 * (on backends that free memory on request); a leaf's becomes `.grad` as it is when it also covers its storage
 * contiguously. A node that passes its gradient on as a view (reshape, transpose) hands that one use on (see
 * runBackward). Anything else (the caller's gradient, a retained grad or a view of one, a tensor given to two
 * inputs) is left alone, and copied before it becomes a leaf's `.grad`, since optimisers update `.grad` in place.
 */
class GradientOwnership {
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
    if (this.enginesOnly(g)) g.storage.backend.release?.(g.storage, 'a gradient that backward used up');
  }

  /** Sets or adds each leaf's gradient; what becomes `.grad` is memory the engine made, so it stays the library's. */
  assign(): void {
    for (const [leaf, g] of this.pending) {
      const prev = leaf._peekGrad();
      leaf._replaceGrad(prev ? prev.add(g) : this.owned(g) ? g : g.clone(), true);
    }
  }
}

/** A library node's backward, with the storage it made and does not return released at once. */
function applyFreeingTemporaries(node: GradNode, g: Tensor, retain: boolean): (Tensor | null)[] {
  const { result, created } = collectNewStorage(() => node.apply(g, retain));
  if (created.length > 0) {
    const returned = new Set(result.map((gi) => gi?.storage));
    for (const s of created) if (!returned.has(s)) s.backend.release?.(s, `a temporary of ${node.name}'s backward`);
  }
  return result;
}

export function runBackward(root: Tensor, gradient: Tensor, options: BackwardOptions = {}): void {
  const retain = options.retainGraph ?? false;
  const leaves = new GradientOwnership();
  leaves.exposed(gradient);
  if (!root.gradFn) {
    if (root.requiresGrad) {
      noGrad(() => {
        leaves.add(root, gradient);
        leaves.assign();
      });
    }
    return;
  }
  const grads = new Map<GradNode, Tensor>();
  grads.set(root.gradFn, gradient);
  const order = topologicalOrder(root.gradFn);
  noGrad(() => {
    for (const node of order) {
      const g = grads.get(node);
      if (!g) continue;
      grads.delete(node);
      if (node.retained) {
        leaves.exposed(g);
        node.retained.grad = node.retained.grad ? node.retained.grad.add(g) : g;
      }
      const inputGrads = libraryNodes.has(node) ? applyFreeingTemporaries(node, g, retain) : node.apply(g, retain);
      // a view of g passed on (reshape, transpose) carries g's one use on instead of adding one; g is then not used up
      let handedOver = false;
      node.edges.forEach((edge, i) => {
        const gi = inputGrads[i];
        if (!edge || !gi) return;
        const expected = node.inputShapes[i];
        if (!shapesEqual(gi.shape, expected)) {
          throw new Error(`backward of ${node.name}: gradient shape ${shapeStr(gi.shape)} does not match input shape ${shapeStr(expected)}`);
        }
        if (!handedOver && gi.storage === g.storage) handedOver = true;
        else leaves.received(gi);
        if ('leaf' in edge) leaves.add(edge.leaf, gi);
        else {
          const prev = grads.get(edge.node);
          if (!prev) {
            grads.set(edge.node, gi);
            return;
          }
          const sum = prev.add(gi);
          leaves.received(sum);
          grads.set(edge.node, sum);
          leaves.used(prev);
          // gi may be another input's gradient too, or share memory with one (then it is not the engine's alone)
          if (!inputGrads.some((other, j) => j !== i && other !== null && other.storage === gi.storage)) leaves.used(gi);
        }
      });
      if (!handedOver) leaves.used(g);
    }
    leaves.assign();
  });
}
