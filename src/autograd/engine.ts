/**
 * Reverse-mode autograd over a graph recorded eagerly by ops. A GradNode belongs to one op result; it points at the
 * nodes of its inputs (or at leaf tensors) and holds a backward closure that owns the tensors the op saved. The
 * closure is dropped after use unless the graph is retained, so a training step's activations become garbage as
 * soon as backward finishes.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeStr, shapesEqual } from '../tensor/shape.js';

/** Maps the gradient of an op's output to the gradients of its inputs (null for inputs needing none). */
export type BackwardFn = (gradOutput: Tensor) => (Tensor | null)[];

/** Where an input's gradient goes: the node that produced it, or the leaf tensor itself. */
type Edge = { node: GradNode } | { leaf: Tensor } | null;

export class GradNode {
  readonly edges: Edge[];
  private backwardFn: BackwardFn | null;
  /** A non-leaf tensor whose `.grad` the user asked to keep (`retainGrad()`). */
  retained: Tensor | null = null;

  constructor(readonly name: string, inputs: readonly (Tensor | null)[], backwardFn: BackwardFn, readonly inputShapes: readonly (readonly number[])[]) {
    this.edges = inputs.map((t) => {
      if (!t || !t.requiresGrad) return null;
      return t.gradFn ? { node: t.gradFn } : { leaf: t };
    });
    this.backwardFn = backwardFn;
  }

  get released(): boolean {
    return this.backwardFn === null;
  }

  apply(grad: Tensor, retain: boolean): (Tensor | null)[] {
    const fn = this.backwardFn;
    if (!fn) {
      throw new Error(
        `backward: trying to go through the graph a second time (at ${this.name}); its saved tensors were freed after ` +
          'the first backward. Pass { retainGraph: true } to the first backward() if you need to call it twice.',
      );
    }
    if (!retain) this.backwardFn = null;
    return fn(grad);
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
 * Attaches a backward rule to an op's output when recording is on and any input requires grad.
 * Returns the output for chaining.
 */
export function recordOp(name: string, output: Tensor, inputs: readonly (Tensor | null)[], backward: BackwardFn): Tensor {
  if (!gradEnabled) return output;
  if (!inputs.some((t) => t !== null && t.requiresGrad)) return output;
  output._setGradFn(new GradNode(name, inputs, backward, inputs.map((t) => (t ? t.shape : []))));
  return output;
}

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

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  // a fresh copy: backward may hand the same tensor to several inputs, and optimisers update .grad in place
  leaf.grad = leaf.grad ? leaf.grad.add(g) : g.clone();
}

export function runBackward(root: Tensor, gradient: Tensor, options: BackwardOptions = {}): void {
  const retain = options.retainGraph ?? false;
  if (!root.gradFn) {
    if (root.requiresGrad) noGrad(() => accumulateLeaf(root, gradient));
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
      if (node.retained) node.retained.grad = node.retained.grad ? node.retained.grad.add(g) : g;
      const inputGrads = node.apply(g, retain);
      node.edges.forEach((edge, i) => {
        const gi = inputGrads[i];
        if (!edge || !gi) return;
        const expected = node.inputShapes[i];
        if (!shapesEqual(gi.shape, expected)) {
          throw new Error(`backward of ${node.name}: gradient shape ${shapeStr(gi.shape)} does not match input shape ${shapeStr(expected)}`);
        }
        if ('leaf' in edge) accumulateLeaf(edge.leaf, gi);
        else {
          const prev = grads.get(edge.node);
          grads.set(edge.node, prev ? prev.add(gi) : gi);
        }
      });
    }
  });
}
