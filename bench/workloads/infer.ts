/**
 * mlp-infer and cnn-infer: forward passes without gradients on MNIST test images, untrained weights (speed does not
 * depend on them). Each call builds the input tensor from a Float32Array and reads the logits back, as an application
 * serving predictions would.
 */
import { manualSeed, noGrad, tensor } from '../../src/index.js';
import { loadMnist } from '../lib/mnist.js';
import * as my from '../lib/myelin.js';
import { measure, type Timing } from '../lib/stats.js';
import { tfMlp, tfCnn, tfInput } from '../lib/tfmodels.js';
import type { Cell, Workload } from '../lib/types.js';

const BIG = 256;

const latency = (t: Timing): Cell => ({ value: t.medianMs, note: `median of ${t.reps}` });
const throughput = (t: Timing): Cell => ({ value: BIG / (t.medianMs / 1000), note: `median of ${t.reps} batches` });

export function infer(kind: 'mlp' | 'cnn'): Workload {
  return {
    name: `${kind}-infer`,
    description: `${kind === 'mlp' ? 'the mlp-train MLP' : 'the cnn-train CNN'}, forward only: batch-1 latency and batch-${BIG} throughput, input creation and read-back included`,
    metrics: [
      { key: 'lat1', label: 'batch-1 latency ms', unit: 'ms', better: 'lower' },
      { key: 'thr', label: `batch-${BIG} samples/s`, unit: 'samples/s', better: 'higher' },
    ],
    async myelin() {
      const { test } = loadMnist();
      manualSeed(0);
      const model = kind === 'mlp' ? my.mlp() : my.cnn();
      model.eval();
      const run = (n: number) => () => noGrad(() => my.forward(model, tensor(test.images.subarray(0, n * 784), { shape: my.inputShape(kind, n) })).data());
      const t1 = await measure(run(1), { warmup: 20, budgetMs: 700 });
      const tb = await measure(run(BIG), { warmup: 2, budgetMs: 1000 });
      return { lat1: latency(t1), thr: throughput(tb) };
    },
    async tfjs(tf) {
      const { test } = loadMnist();
      const model = kind === 'mlp' ? tfMlp(tf) : tfCnn(tf);
      try {
        const run = (n: number) => () => tf.tidy(() => model.forward(tfInput(tf, kind, test.images.subarray(0, n * 784), n)).dataSync());
        const t1 = await measure(run(1), { warmup: 20, budgetMs: 700 });
        const tb = await measure(run(BIG), { warmup: 2, budgetMs: 1000 });
        return { lat1: latency(t1), thr: throughput(tb) };
      } finally {
        model.dispose();
      }
    },
  };
}
