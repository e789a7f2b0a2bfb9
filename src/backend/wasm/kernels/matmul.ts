/** Matrix products on the wasm device: batched matmul and the fused linear layer, on the packed GEMM. */
import { ACTIVATION_CODES } from '../abi.js';
import { isF32, registerWasmKernel } from '../device.js';
import { broadcastStrides, sizeOf, stridedOffsets } from '../../../tensor/shape.js';

registerWasmKernel('matmul', (d, a, b, outBatch) => {
  if (!isF32(a, b)) return undefined;
  const ra = a.shape.length, rb = b.shape.length;
  const M = a.shape[ra - 2], K = a.shape[ra - 1], N = b.shape[rb - 1];
  const batches = sizeOf(outBatch);
  return d.produce('float32', batches * M * N, [a, b], 0, (po) => {
    // one product (no batch dims): its offsets need no table
    const aBatch = outBatch.length === 0 ? [a.offset] : stridedOffsets(outBatch, broadcastStrides(a.shape.slice(0, -2), a.strides.slice(0, -2), outBatch), a.offset);
    const bBatch = outBatch.length === 0 ? [b.offset] : stridedOffsets(outBatch, broadcastStrides(b.shape.slice(0, -2), b.strides.slice(0, -2), outBatch), b.offset);
    const pa = d.ptrOf(a), pb = d.ptrOf(b);
    const sam = a.strides[ra - 2], sak = a.strides[ra - 1];
    const sbk = b.strides[rb - 2], sbn = b.strides[rb - 1];
    for (let bi = 0; bi < batches; bi++) {
      d.gemm(M, N, K, pa + aBatch[bi] * 4, sam, sak, pb + bBatch[bi] * 4, sbk, sbn, po + bi * M * N * 4, N, false);
    }
  });
});

/**
 * act(x @ w^T + bias) in one kernel call: the GEMM (split across threads when large) writes the product into the
 * output, then one pass over the hot output adds the bias and applies the activation (../assembly/linear.ts).
 */
registerWasmKernel('linear', (d, x, w, bias, activation) => {
  if (!isF32(x, w) || (bias && !isF32(bias))) return undefined;
  const M = x.shape[0], K = x.shape[1], N = w.shape[0];
  return d.produce('float32', M * N, bias ? [x, w, bias] : [x, w], N * 4, (po) => {
    d.gemm(M, N, K, d.addr(x), x.strides[0], x.strides[1], d.addr(w), w.strides[1], w.strides[0], po, N, false);
    if (bias || activation !== 'none') {
      d.k.biasActF32(M, N, po, bias ? d.dense(bias) : 0, ACTIVATION_CODES[activation]);
    }
  });
});
