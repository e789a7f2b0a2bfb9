/** Random kernels on the wasm device: the js draws, kept where the caller's data is kept (see fromTypedArray). */
import { dropoutMaskKernel } from '../../js/kernels/random.js';
import { registerWasmKernel } from '../device.js';

// the mask is read by dropout's forward and backward products: borrowed by those reads, like a batch of the caller's
// data, it never takes pages of linear memory
registerWasmKernel('dropoutMask', (d, n, dtype, p, generator) => {
  const s = d.adopt(dropoutMaskKernel(n, dtype, p, generator), dtype);
  s.cell.fromCaller = true;
  return s;
});
