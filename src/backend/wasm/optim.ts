/**
 * Fused optimiser updates for parameters on the wasm backend (registered with src/optim's registerUpdateRule): one
 * SIMD pass per parameter (assembly/optim.ts) instead of a dozen whole-tensor ops. Anything unusual (float64 or
 * non-contiguous tensors, amsgrad, maximize, the first momentum step that creates the buffer) takes the reference
 * rule.
 */
import { bumpVersion } from '../../autograd/engine.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type AdamOptions, type AdamState, adamUpdate, adamwUpdate } from '../../optim/adam.js';
import { type ParamGroup, registerUpdateRule, type UpdateRule } from '../../optim/optimizer.js';
import { type SGDOptions, type SGDState, sgdUpdate } from '../../optim/sgd.js';
import { WasmBackend } from './backend.js';

function fusable(...ts: (Tensor | undefined)[]): boolean {
  return ts.every((t) => t !== undefined && t.dtype === 'float32' && t.backend instanceof WasmBackend && t.isContiguous());
}

function fusedAdam(decoupled: boolean): UpdateRule<AdamState, AdamOptions> {
  const reference = decoupled ? adamwUpdate : adamUpdate;
  return (param: Tensor, grad: Tensor, state: AdamState, o: ParamGroup<AdamOptions>) => {
    if (o.amsgrad || o.maximize || !fusable(param, grad, state.expAvg, state.expAvgSq)) {
      reference(param, grad, state, o);
      return;
    }
    const [beta1, beta2] = o.betas;
    state.step += 1;
    const stepSize = o.lr / (1 - beta1 ** state.step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** state.step);
    const decay = decoupled ? 1 - o.lr * o.weightDecay : 1;
    const l2 = decoupled ? 0 : o.weightDecay;
    (param.backend as WasmBackend).adamStep(param, grad, state.expAvg, state.expAvgSq, beta1, beta2, stepSize, bc2Sqrt, o.eps, decay, l2);
    // in-place writes: autograd's version counters must see them (as the reference rules' in-place ops do)
    for (const t of [param, state.expAvg, state.expAvgSq]) bumpVersion(t);
  };
}

const fusedSgd: UpdateRule<SGDState, SGDOptions> = (param, grad, state, o) => {
  const buffer = state.momentumBuffer;
  if (o.maximize || (o.momentum !== 0 && !buffer) || !fusable(param, grad, o.momentum !== 0 ? buffer : param)) {
    sgdUpdate(param, grad, state, o);
    return;
  }
  (param.backend as WasmBackend).sgdStep(param, grad, o.momentum !== 0 ? buffer! : null, o.lr, o.momentum, o.dampening,
    o.weightDecay, o.nesterov);
  bumpVersion(param);
  if (o.momentum !== 0) bumpVersion(buffer!);
};

registerUpdateRule('adam', 'wasm', fusedAdam(false));
registerUpdateRule('adamw', 'wasm', fusedAdam(true));
registerUpdateRule('sgd', 'wasm', fusedSgd);
