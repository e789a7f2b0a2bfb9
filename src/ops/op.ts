/**
 * Ops as records: each op that records a graph node is declared once, with its name, its forward (kernel calls), its
 * backward rule and what the backward reads. The records are static (one per op, made at module load); a call
 * allocates only its attributes and what the graph node needs. The node of a recorded call keeps its record and
 * attributes (`node.op`, `node.attrs`), which is what graph printing, export and the completeness tests iterate over.
 */
import { recordNode } from '../autograd/engine.js';
import type { Tensor } from '../tensor/tensor.js';

/** An op call's non-tensor arguments (dims, keepdim, stride, padding, alpha, dtype, ...): a plain object. */
export type OpAttrs = object;

type Inputs = readonly (Tensor | null)[];
type Grads = (Tensor | null)[];

export interface OpDef<A extends OpAttrs = OpAttrs> {
  readonly name: string;
  /** A line on what the op computes. */
  readonly doc?: string;
  /**
   * The output from the inputs via the backend's kernels; records nothing. Absent for ops whose public function
   * computes its output itself (in-place writes, ops with a second output) and only records a node with recordNode.
   */
  readonly forward?: (inputs: Inputs, attrs: A) => Tensor;
  /**
   * The inputs' gradients from the output's gradient: `saved` is what `saves` returned (in its order), `needs` which
   * inputs required a gradient when the op ran (decide by it, not by requiresGrad at backward time, so the backward
   * reads only what it saved), `inputs` the op's inputs for their shapes and dtypes only (their values may have been
   * changed in place since; read values through `saved`). Absent for ops with no gradient (comparisons, casts to int).
   */
  readonly backward?: (g: Tensor, saved: Inputs, attrs: A, needs: readonly boolean[], inputs: Inputs) => Grads;
  /**
   * The tensors the backward reads, among the inputs and the output (null for one not needed with these needs): they
   * are checked for in-place changes before the backward runs and kept until it has. Absent: it reads none.
   */
  readonly saves?: (inputs: Inputs, out: Tensor, needs: readonly boolean[], attrs: A) => Inputs;
}

export type OpRecord<A extends OpAttrs = OpAttrs> = OpDef<A>;

const registry = new Map<string, OpRecord>();

/** Declares an op and registers it under its name (unique). */
export function defineOp<A extends OpAttrs = OpAttrs>(def: OpDef<A>): OpRecord<A> {
  if (registry.has(def.name)) throw new Error(`defineOp: an op named '${def.name}' is already defined`);
  registry.set(def.name, def as unknown as OpRecord);
  return def;
}

/** Every defined op, in definition order. */
export function listOps(): OpRecord[] {
  return [...registry.values()];
}

export function getOp(name: string): OpRecord | undefined {
  return registry.get(name);
}

/** Runs a record: its forward, then a graph node when recording is on and an input requires grad. */
export function runOp<A extends OpAttrs>(op: OpRecord<A>, inputs: Inputs, attrs: A): Tensor {
  return recordNode(op, op.forward!(inputs, attrs), inputs, attrs);
}

/** Attributes of ops that have none (shared, never written). */
export const NO_ATTRS: OpAttrs = Object.freeze({});

export { recordNode };
