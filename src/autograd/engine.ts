/**
 * Reverse-mode autograd over a graph recorded eagerly by ops. A GradNode belongs to one op result; it points at the
 * nodes of its inputs (or at leaf tensors) and holds its op's record and attributes (src/ops/op.ts), or a backward
 * closure for a node made by hand, with the tensors the op saved. They are dropped after use unless the graph is
 * retained, so a training step's activations become garbage as soon as backward finishes.
 *
 * Every storage has a version, bumped by each in-place write (as PyTorch's version counter, shared by all views of
 * the storage). A node remembers the versions of the tensors its backward reads, and backward refuses to run with
 * values that were changed in place after the op used them. When saved storage may be freed is src/memory's.
 */
import type { Tensor } from '../tensor/tensor.js';
import {
  GradientOwnership, countWrite, freeingTemporaries, holdForGraph, letGoForGraph, storageVersion,
} from '../memory/lifetime.js';
import { shapeStr, shapesEqual } from '../tensor/shape.js';
import type { OpAttrs, OpRecord } from '../ops/op.js';

/** How many in-place writes the storage has had. */
export { storageVersion };

/**
 * Records an in-place write to a tensor's storage. Every in-place op does this; code that writes a storage's memory
 * directly (fused optimiser updates) should too, so a graph that saved the old values refuses to use them.
 */
export function bumpVersion(t: Tensor): void {
  countWrite(t);
}

interface Saved {
  readonly tensor: Tensor;
  readonly version: number;
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
   * @internal Made by a library op (recordNode): its backward keeps nothing it creates but what it returns, so
   * the engine frees the rest (temporaries such as 1 - out^2 in tanh's backward) as soon as it returns.
   */
  library = false;

  /**
   * `saved` lists the tensors the backward function reads (their versions are checked before it runs); by default
   * the inputs.
   */
  constructor(readonly name: string, inputs: readonly (Tensor | null)[], backwardFn: BackwardFn | null, readonly inputShapes: readonly (readonly number[])[],
    saved: readonly (Tensor | null | undefined)[] = inputs) {
    const edges: Edge[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i];
      if (!t || !t.requiresGrad) {
        edges[i] = null;
        continue;
      }
      const fn = t.gradFn;
      edges[i] = fn ? { node: fn } : { leaf: t };
    }
    this.edges = edges;
    this.backwardFn = backwardFn;
    let kept: Saved[] | null = null;
    for (const t of saved) {
      if (!t) continue;
      (kept ??= []).push({ tensor: t, version: holdForGraph(t.storage) });
    }
    this.saved = kept;
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
    if (saved) for (const { tensor } of saved) letGoForGraph(tensor.storage);
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

/** The input shape recorded for a null input. */
const NO_SHAPE: readonly number[] = Object.freeze([]);

function anyRequiresGrad(inputs: readonly (Tensor | null)[]): boolean {
  for (let i = 0; i < inputs.length; i++) if (inputs[i]?.requiresGrad) return true;
  return false;
}

/**
 * Attaches a node of the op record `op` to its output when recording is on and any input requires grad (the cheap
 * half of running a record; see runOp in src/ops/op.ts). Returns the output.
 *
 * What op.saves lists is everything the backward reads: changing one in place before backward is detected, and memory
 * that only the graph holds is kept exactly until the nodes that saved it have run (releaseWithGraph in src/memory).
 * The backward decides which gradients to compute by the needs recorded now, not by requiresGrad at backward time,
 * and keeps nothing it creates but what it returns.
 */
export function recordNode<A extends OpAttrs>(op: OpRecord<A>, output: Tensor, inputs: readonly (Tensor | null)[], attrs: A): Tensor {
  if (!gradEnabled || !op.backward) return output;
  if (!anyRequiresGrad(inputs)) return output;
  const node = recordedNode(op, inputs, attrs, output);
  node.library = true;
  output._setGradFn(node);
  return output;
}

/** A node of a call of `op` (a record with a backward); `output` is what op.saves may save besides the inputs. */
export function recordedNode<A extends OpAttrs>(op: OpRecord<A>, inputs: readonly (Tensor | null)[], attrs: A, output: Tensor): GradNode {
  const needs: boolean[] = new Array(inputs.length);
  const shapes: (readonly number[])[] = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    needs[i] = t !== null && t.requiresGrad;
    shapes[i] = t?.shape ?? NO_SHAPE;
  }
  const saved = op.saves ? op.saves(inputs, output, needs, attrs) : NOTHING_SAVED;
  const node = new GradNode(op.name, inputs, null, shapes, saved);
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
      const inputGrads = node.library ? freeingTemporaries(node.name, () => node.apply(g, retain)) : node.apply(g, retain);
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
