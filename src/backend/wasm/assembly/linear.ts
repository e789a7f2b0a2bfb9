/**
 * The epilogue of a fused linear layer: after the GEMM has written x @ w^T into out[rows, n] (row-major, hot in
 * cache), one pass adds the bias row and applies the activation, with the same float32 roundings as a separate add
 * and relu.
 */
import { ACTIVATION_CODES } from './codes';

/** out[i, j] = act(out[i, j] + bias[j]) for contiguous out [rows, n]; bias 0: no bias. act: ACTIVATION_CODES. */
export function biasActF32(rows: i32, n: i32, out: usize, bias: usize, act: i32): void {
  const zero = f32x4.splat(0);
  const rowB = <usize>n << 2;
  for (let i = 0; i < rows; i++) {
    const r = out + <usize>i * rowB;
    let j = 0;
    if (bias != 0) {
      if (act == ACTIVATION_CODES.relu) {
        for (; j + 4 <= n; j += 4) {
          const o = <usize>j << 2;
          const v = f32x4.add(v128.load(r + o), v128.load(bias + o));
          // x <= 0 ? 0 : x (NaN stays NaN, as relu)
          v128.store(r + o, v128.andnot(v, f32x4.le(v, zero)));
        }
      } else {
        for (; j + 4 <= n; j += 4) {
          const o = <usize>j << 2;
          v128.store(r + o, f32x4.add(v128.load(r + o), v128.load(bias + o)));
        }
      }
    } else if (act == ACTIVATION_CODES.relu) {
      for (; j + 4 <= n; j += 4) {
        const o = <usize>j << 2;
        const v = v128.load(r + o);
        v128.store(r + o, v128.andnot(v, f32x4.le(v, zero)));
      }
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(r + o);
      if (bias != 0) v += load<f32>(bias + o);
      if (act == ACTIVATION_CODES.relu && v <= 0) v = 0;
      store<f32>(r + o, v);
    }
  }
}
