/**
 * Finite-difference gradient checking in float64: compares autograd's gradient of sum(f(inputs) * weights) with
 * central differences, element by element. Random weights make every output element matter.
 */
import assert from 'node:assert/strict';
import { Tensor, tensor, randn, noGrad } from '../../src/index.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Indices of inputs to check (default: all float inputs). */
  only?: number[];
}

function perturbed(x: Tensor, i: number, delta: number): Tensor {
  const d = x.data();
  d[i] += delta;
  return tensor(d, { dtype: x.dtype, shape: x.shape.slice() });
}

/**
 * Checks the gradients of `f` at `inputs` (float64 tensors; they may be non-contiguous views). Throws an assertion
 * error naming the input and element that disagree.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): void {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = options;
  for (const x of inputs) assert.equal(x.dtype, 'float64', 'gradcheck needs float64 inputs');
  const check = options.only ?? inputs.map((_, i) => i);
  // leaves with requiresGrad, keeping each input's own strides (views stay views)
  const leaves = inputs.map((x, i) => {
    const leaf = x.detach();
    if (check.includes(i)) leaf.requiresGrad = true;
    return leaf;
  });
  const out = f(...leaves);
  const weights = noGrad(() => randn(out.shape.slice(), { dtype: 'float64' }));
  out.mul(weights).sum().backward();
  const objective = (xs: Tensor[]) => noGrad(() => f(...xs).mul(weights).sum().item());
  for (const i of check) {
    const analytic = leaves[i].grad;
    assert.ok(analytic, `input ${i}: no gradient was computed`);
    const a = analytic.data();
    const n = inputs[i].size;
    for (let k = 0; k < n; k++) {
      const xs = inputs.map((x) => x);
      xs[i] = perturbed(inputs[i], k, eps);
      const plus = objective(xs);
      xs[i] = perturbed(inputs[i], k, -eps);
      const minus = objective(xs);
      const numeric = (plus - minus) / (2 * eps);
      const diff = Math.abs(numeric - a[k]);
      if (!(diff <= atol + rtol * Math.abs(numeric))) {
        assert.fail(`gradient mismatch for input ${i}, element ${k}: autograd ${a[k]}, finite difference ${numeric}`);
      }
    }
  }
}

/** A float64 random tensor (normal, or uniform in [lo, hi) when a range is given). */
export function rand64(shape: number[], lo?: number, hi?: number): Tensor {
  const t = randn(shape, { dtype: 'float64' });
  if (lo === undefined || hi === undefined) return t;
  return noGrad(() => t.sigmoid().mul(hi - lo).add(lo));
}

/** Elementwise closeness with a message naming where it fails. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4, what = 'value'): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) assert.fail(`${what}[${i}]: got ${a}, expected ${e}`);
  }
}
