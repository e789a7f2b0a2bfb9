/** Max and average pooling on the wasm device, and their gradients (adaptive pooling falls back to the js kernels). */
import type { Pool2dParams } from '../../kernels.js';
import { isF32, registerWasmKernel } from '../device.js';

/** The window parameters as the pooling kernels read them (the last entry: max: dilation, avg: countIncludePad). */
function windowTable(H: number, W: number, OH: number, OW: number, p: Pool2dParams, max: boolean): number[] {
  const head = [H, W, OH, OW, p.kernel[0], p.kernel[1], p.stride[0], p.stride[1], p.padding[0], p.padding[1]];
  return max ? [...head, p.dilation[0], p.dilation[1]] : [...head, p.countIncludePad ? 1 : 0];
}

registerWasmKernel('maxPool2d', (d, x, p, outH, outW) => {
  if (!isF32(x)) return undefined;
  const [N, C, H, W] = x.shape;
  const total = N * C * outH * outW;
  return d.launch([x], total * 8, () => {
    const out = d.alloc('float32', total);
    const indices = d.alloc('int32', total);
    if (total > 0) d.k.maxPool2d(N * C, d.dense(x), d.table(windowTable(H, W, outH, outW, p, true)), out.cell.ptr, indices.cell.ptr);
    return { out, indices };
  });
});

registerWasmKernel('maxPool2dBackward', (d, gradOut, indices, inputShape) => {
  if (!isF32(gradOut) || indices.storage.dtype !== 'int32') return undefined;
  const [N, C, H, W] = inputShape;
  const [, , OH, OW] = gradOut.shape;
  const total = N * C * H * W;
  return d.produce('float32', total, [gradOut, indices], 0, (po) => {
    d.heap.u8.fill(0, po, po + total * 4);
    d.k.maxPool2dBackward(N * C, H * W, OH * OW, d.dense(gradOut), d.dense(indices), po);
  });
});

registerWasmKernel('avgPool2d', (d, x, p, outH, outW) => {
  if (!isF32(x)) return undefined;
  const [N, C, H, W] = x.shape;
  return d.produce('float32', N * C * outH * outW, [x], 0, (po) =>
    d.k.avgPool2d(N * C, d.dense(x), d.table(windowTable(H, W, outH, outW, p, false)), po));
});

registerWasmKernel('avgPool2dBackward', (d, gradOut, inputShape, p) => {
  if (!isF32(gradOut)) return undefined;
  const [N, C, H, W] = inputShape;
  const [, , OH, OW] = gradOut.shape;
  const total = N * C * H * W;
  return d.produce('float32', total, [gradOut], 0, (po) => {
    d.heap.u8.fill(0, po, po + total * 4);
    d.k.avgPool2dBackward(N * C, d.dense(gradOut), d.table(windowTable(H, W, OH, OW, p, false)), po);
  });
});
