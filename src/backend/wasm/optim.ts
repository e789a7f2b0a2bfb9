/**
 * Fused optimiser updates for parameters on the wasm backend: one SIMD pass per parameter (assembly/optim.ts) instead
 * of a dozen whole-tensor ops. Only float32 contiguous tensors go to the kernels; when they run is decided in
 * src/optim/fused.ts.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { fusedAdamRule, fusedSgdRule, type AdamKernel, type SgdKernel } from '../../optim/fused.js';
import { registerUpdateRule } from '../../optim/optimizer.js';
import { WasmBackend } from './backend.js';

function fusable(...ts: (Tensor | undefined)[]): boolean {
  return ts.every((t) => t !== undefined && t.dtype === 'float32' && t.backend instanceof WasmBackend && t.isContiguous());
}

const adamKernel: AdamKernel = (param, grad, expAvg, expAvgSq, c) => {
  (param.backend as WasmBackend).adamStep(param, grad, expAvg, expAvgSq, c.beta1, c.beta2, c.stepSize, c.bc2Sqrt, c.eps, c.decay, c.l2);
};

const sgdKernel: SgdKernel = (param, grad, buffer, o) => {
  (param.backend as WasmBackend).sgdStep(param, grad, buffer, o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov);
};

registerUpdateRule('adam', 'wasm', fusedAdamRule(false, fusable, adamKernel));
registerUpdateRule('adamw', 'wasm', fusedAdamRule(true, fusable, adamKernel));
registerUpdateRule('sgd', 'wasm', fusedSgdRule(fusable, sgdKernel));
