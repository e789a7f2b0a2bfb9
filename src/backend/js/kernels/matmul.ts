import type { View } from '../../device.js';
import { type TypedArray, typedArrayFor } from '../../../tensor/dtype.js';
import { broadcastStrides, sizeOf, stridedOffsets, type Shape } from '../../../tensor/shape.js';
import { gemm } from './gemm.js';
import { dataOf } from '../storage.js';
import { registerKernel } from '../../kernels.js';

/**
 * Batched matmul over strided operands. Each batch's A and B are gathered into dense row-major scratch (cheap next to
 * the O(MNK) product), then multiplied by the register-blocked gemm the convolutions use.
 */
export function matmulKernel(a: View, b: View, outBatch: Shape): TypedArray {
  const ra = a.shape.length, rb = b.shape.length;
  const M = a.shape[ra - 2], K = a.shape[ra - 1], N = b.shape[rb - 1];
  const batches = sizeOf(outBatch);
  const dtype = a.storage.dtype;
  const out = typedArrayFor(dtype, batches * M * N);
  const da = dataOf(a), db = dataOf(b);
  const aBatch = stridedOffsets(outBatch, broadcastStrides(a.shape.slice(0, -2), a.strides.slice(0, -2), outBatch), a.offset);
  const bBatch = stridedOffsets(outBatch, broadcastStrides(b.shape.slice(0, -2), b.strides.slice(0, -2), outBatch), b.offset);
  const sam = a.strides[ra - 2], sak = a.strides[ra - 1];
  const sbk = b.strides[rb - 2], sbn = b.strides[rb - 1];
  const A = new Float64Array(M * K);
  const B = new Float64Array(K * N);
  const C = new Float64Array(M * N);
  for (let bi = 0; bi < batches; bi++) {
    const ao = aBatch[bi], bo = bBatch[bi];
    for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) A[i * K + k] = da[ao + i * sam + k * sak];
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) B[k * N + j] = db[bo + k * sbk + j * sbn];
    gemm(false, false, M, N, K, A, 0, K, B, 0, N, C, 0, N, false);
    out.set(C, bi * M * N);
  }
  return out;
}

registerKernel('matmul', 'js', (d, a, b, outBatch) => d.adopt(matmulKernel(a, b, outBatch), a.storage.dtype));
