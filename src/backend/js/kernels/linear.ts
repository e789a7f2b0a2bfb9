import { type LinearActivation, registerKernel } from '../../kernels.js';
import type { View } from '../../device.js';
import type { TypedArray } from '../../../tensor/dtype.js';
import { matmulKernel } from './matmul.js';
import { dataOf } from '../storage.js';

/**
 * act(x @ w^T + bias) for x: [M, K], w: [N, K], bias: [N] (strided views) -> [M, N]. The product is rounded to the
 * output dtype before the bias is added, and the sum again before the activation, exactly as matmul, add and relu
 * would round it one after the other.
 */
export function linearKernel(x: View, w: View, bias: View | null, activation: LinearActivation): TypedArray {
  const N = w.shape[0];
  const wt: View = { storage: w.storage, shape: [w.shape[1], N], strides: [w.strides[1], w.strides[0]], offset: w.offset };
  const out = matmulKernel(x, wt, []);
  const M = x.shape[0];
  if (bias) {
    const b = dataOf(bias), s = bias.strides[0], o = bias.offset;
    for (let i = 0; i < M; i++) {
      const r = i * N;
      for (let j = 0; j < N; j++) out[r + j] = out[r + j] + b[o + j * s];
    }
  }
  if (activation === 'relu') {
    // x <= 0 ? 0 : x (NaN stays NaN, as relu)
    for (let i = 0; i < out.length; i++) if (out[i] <= 0) out[i] = 0;
  }
  return out;
}

registerKernel('linear', 'js', (d, x, w, bias, activation) => d.adopt(linearKernel(x, w, bias, activation), x.storage.dtype));
