/**
 * Fused optimiser updates on the wasm device: one SIMD pass per parameter (../assembly/optim.ts) instead of a dozen
 * whole-tensor ops, in place on contiguous float32 views (anything else declines to the js kernels). When they are
 * tried is decided in src/optim/adam.ts and sgd.ts.
 */
import type { View } from '../../device.js';
import { isF32, registerWasmKernel } from '../device.js';
import { isContiguous, sizeOf } from '../../../tensor/shape.js';

function fusable(...vs: View[]): boolean {
  return isF32(...vs) && vs.every((v) => isContiguous(v.shape, v.strides));
}

registerWasmKernel('adamStep', (d, p, g, m, v, c) => {
  if (!fusable(p, g, m, v)) return undefined;
  d.launch([p, g, m, v], 0, () => {
    const n = sizeOf(p.shape);
    const pp = d.addr(p, true), pg = d.addr(g), pm = d.addr(m, true), pv = d.addr(v, true);
    const pool = d.poolFor(n, d.parallelElements);
    if (pool) pool.adam(n, pp, pg, pm, pv, [c.beta1, c.beta2, c.stepSize, c.bc2Sqrt, c.eps, c.decay, c.l2]);
    else d.k.adamF32(n, pp, pg, pm, pv, c.beta1, c.beta2, c.stepSize, c.bc2Sqrt, c.eps, c.decay, c.l2);
  });
  return true;
});

registerWasmKernel('sgdStep', (d, p, g, buf, o) => {
  if (!(buf ? fusable(p, g, buf) : fusable(p, g))) return undefined;
  d.launch(buf ? [p, g, buf] : [p, g], 0, () =>
    d.k.sgdF32(sizeOf(p.shape), d.addr(p, true), d.addr(g), buf ? d.addr(buf, true) : 0, o.lr, o.momentum, o.dampening,
      o.weightDecay, o.nesterov ? 1 : 0));
  return true;
});
