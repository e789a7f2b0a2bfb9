/**
 * Fusions: runs of layers that a Sequential executes as one call, giving the same values and gradients as the layers
 * run in turn with fewer ops and one intermediate tensor fewer each. A rule lists the classes it matches, in order; a
 * layer matches only when it is exactly that class running its own forward (a subclass, or a forward replaced on the
 * instance to watch it, runs as written). A new fusion (Conv2d+ReLU, Linear+GELU) is one entry in FUSIONS.
 */
import type { Module } from './module.js';
import type { Tensor } from '../tensor/tensor.js';
import { Linear } from './layers/linear.js';
import { ReLU } from './layers/activation.js';

export interface FusionRule {
  readonly name: string;
  /** The classes of the consecutive layers it replaces. */
  readonly layers: readonly Function[];
  /** What the matched layers compute together, for input x. */
  readonly run: (layers: readonly Module[], x: Tensor) => Tensor;
}

export const FUSIONS: readonly FusionRule[] = [
  { name: 'Linear+ReLU', layers: [Linear, ReLU], run: ([linear], x) => (linear as Linear).forwardRelu(x) },
];

/** One step of a plan: a layer run by its own forward (rule null), or consecutive layers run by a rule. */
export interface PlanStep {
  readonly layers: readonly Module[];
  readonly rule: FusionRule | null;
}

interface Plan {
  readonly steps: readonly PlanStep[];
  /** The layers it was made for and the forward each had then, to tell when it is out of date. */
  readonly layers: readonly Module[];
  readonly forwards: readonly Function[];
}

const plans = new WeakMap<object, Plan>();

function isPlain(m: Module | undefined, cls: Function): boolean {
  return m !== undefined && m.constructor === cls && !Object.prototype.hasOwnProperty.call(m, 'forward');
}

function makePlan(layers: readonly Module[]): Plan {
  const steps: PlanStep[] = [];
  for (let i = 0; i < layers.length;) {
    const rule = FUSIONS.find((r) => r.layers.every((cls, k) => isPlain(layers[i + k], cls))) ?? null;
    const n = rule ? rule.layers.length : 1;
    steps.push({ layers: layers.slice(i, i + n), rule });
    i += n;
  }
  return { steps, layers: layers.slice(), forwards: layers.map((m) => m.forward) };
}

function isCurrent(plan: Plan, layers: readonly Module[]): boolean {
  return plan.layers.length === layers.length && layers.every((m, i) => m === plan.layers[i] && m.forward === plan.forwards[i]);
}

/**
 * How `owner` (a Sequential) runs `layers`, its children in order: made once and kept until a child is added,
 * replaced or given a forward of its own.
 */
export function fusionPlan(owner: object, layers: readonly Module[]): readonly PlanStep[] {
  let plan = plans.get(owner);
  if (!plan || !isCurrent(plan, layers)) plans.set(owner, (plan = makePlan(layers)));
  return plan.steps;
}
