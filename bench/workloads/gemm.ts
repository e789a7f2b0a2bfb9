/** gemm-N: float32 N x N matrix multiply, GFLOP/s (2 N^3 flops per call). */
import { matmul, randn, manualSeed } from '../../src/index.js';
import { measure, type Timing } from '../lib/stats.js';
import type { Cell, Workload } from '../lib/types.js';

const gflops = (n: number, t: Timing): Cell => ({ value: (2 * n ** 3) / (t.medianMs * 1e6), note: `median of ${t.reps}` });

export function gemm(n: number): Workload {
  const budgetMs = n >= 512 ? 1500 : 800;
  return {
    name: `gemm-${n}`,
    description: `float32 [${n}, ${n}] x [${n}, ${n}] matrix multiply (both libraries compute eagerly and synchronously, so the call's return ends the work)`,
    metrics: [{ key: 'gflops', label: 'GFLOP/s', unit: 'GFLOP/s', better: 'higher' }],
    async myelin() {
      manualSeed(1);
      const a = randn([n, n]);
      const b = randn([n, n]);
      const t = await measure(() => matmul(a, b), { budgetMs });
      return { gflops: gflops(n, t) };
    },
    async tfjs(tf) {
      const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
      const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
      try {
        const t = await measure(() => tf.matMul(a, b).dispose(), { budgetMs });
        return { gflops: gflops(n, t) };
      } finally {
        a.dispose();
        b.dispose();
      }
    },
  };
}
