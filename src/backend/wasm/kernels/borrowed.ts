/**
 * js kernels whose results the wasm device keeps as it keeps the caller's data (see fromTypedArray): on the JavaScript
 * heap, borrowed by their first reads, never given pages of linear memory. Each such result is read once or twice and
 * dropped (dropout's mask by the forward and backward products; an augmented batch by the first layer).
 */
import type { DType, TypedArray } from '../../../tensor/dtype.js';
import { dropoutMaskKernel } from '../../js/kernels/random.js';
import { shiftImagesKernel } from '../../js/kernels/image.js';
import { type WasmDevice, type WasmStorage, registerWasmKernel } from '../device.js';

function borrowed(d: WasmDevice, data: TypedArray, dtype: DType): WasmStorage {
  const s = d.adopt(data, dtype);
  s.cell.fromCaller = true;
  return s;
}

registerWasmKernel('dropoutMask', (d, n, dtype, p, generator) => borrowed(d, dropoutMaskKernel(n, dtype, p, generator), dtype));
registerWasmKernel('shiftImages', (d, x, dy, dx) => borrowed(d, shiftImagesKernel(x, dy, dx), x.storage.dtype));
