/** Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_, PyTorch 1.13). */
import { noGrad } from '../autograd/engine.js';
import { promoteTypes } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { div, cast } from '../ops/elementwise.js';
import { stack } from '../ops/shape.js';
import { zeros } from '../tensor/creation.js';

function gradsOf(parameters: Tensor | Iterable<Tensor>, op: string): Tensor[] {
  const params = parameters instanceof Tensor ? [parameters] : Array.from(parameters as Iterable<unknown>);
  const grads: Tensor[] = [];
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameters must be Tensors, item ${i} is ${p === null ? 'null' : typeof p}`);
    // clipping scales the gradients in place and keeps none of them: they stay the library's (see Tensor._peekGrad)
    const g = p._peekGrad();
    if (g) grads.push(g);
  });
  return grads;
}

function parseNormType(normType: number | 'inf', op: string): number {
  const p = normType === 'inf' ? Infinity : normType;
  if (typeof p !== 'number' || !(p > 0)) throw new RangeError(`${op}: normType must be a positive number or 'inf'/Infinity, got ${String(normType)}`);
  return p;
}

/** The p-norm of all elements of x (a 0-d tensor); p = Infinity gives the largest absolute value. */
function pNorm(x: Tensor, p: number): Tensor {
  if (x.size === 0) return x.sum(); // 0, also for the max norm (max of nothing)
  if (p === Infinity) return x.abs().max();
  if (p === 1) return x.abs().sum();
  if (p === 2) return x.mul(x).sum().sqrt();
  return x.abs().pow(p).sum().pow(1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their total norm (all gradients seen as one vector) is at
 * most `maxNorm`: each is multiplied by min(1, maxNorm / (total + 1e-6)). Returns the total norm before clipping
 * as a 0-d tensor (`.item()` for the number). Parameters without a gradient are ignored; with none, returns 0.
 * normType: any p > 0, or Infinity / 'inf' for the max norm. errorIfNonfinite: throw when the total norm is NaN or
 * infinite instead of scaling by it.
 */
export function clipGradNorm(parameters: Tensor | Iterable<Tensor>, maxNorm: number, normType: number | 'inf' = 2, errorIfNonfinite = false): Tensor {
  const op = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) throw new RangeError(`${op}: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
  const p = parseNormType(normType, op);
  const grads = gradsOf(parameters, op);
  return noGrad(() => {
    if (grads.length === 0) return zeros([]);
    const dtype = grads.map((g) => g.dtype).reduce(promoteTypes);
    const norms = grads.map((g) => cast(pNorm(g.detach(), p), dtype));
    const total = norms.length === 1 ? norms[0] : pNorm(stack(norms), p);
    if (errorIfNonfinite) {
      const v = total.item();
      if (!Number.isFinite(v)) {
        throw new RangeError(`${op}: the total norm of order ${p} of the gradients is non-finite (${v}), so it cannot be clipped; pass errorIfNonfinite = false to scale by it anyway`);
      }
    }
    const coef = div(maxNorm, total.add(1e-6)).clamp(null, 1);
    for (const g of grads) g.mul_(coef);
    return total;
  });
}

/** Clamps every gradient of `parameters` in place to [-clipValue, clipValue]. */
export function clipGradValue(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) throw new RangeError(`${op}: clipValue must be a number >= 0, got ${String(clipValue)}`);
  const grads = gradsOf(parameters, op);
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}
