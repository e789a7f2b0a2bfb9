import type { Tensor } from '../tensor/tensor.js';

/** Clears `.grad` of every given tensor (what an optimiser's zeroGrad does for its parameters). */
export function zeroGrad(tensors: Iterable<Tensor>): void {
  for (const t of tensors) t.grad = null;
}
