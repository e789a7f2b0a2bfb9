/**
 * mlp-train and cnn-train: Adam (lr 1e-3), batch 64, cross-entropy, on the real MNIST digits. Every library sees the
 * same batches in the same order; samples/s is timed over a fixed number of steps after a few untimed warm-up steps.
 * mlp-train then reports test accuracy, so the figures show that each library actually learns.
 */
import { manualSeed } from '../../src/index.js';
import { loadMnist, batchAt, type MnistSplit } from '../lib/mnist.js';
import * as my from '../lib/myelin.js';
import { tfMlp, tfCnn, tfTrainer, tfAccuracy } from '../lib/tfmodels.js';
import type { TfBackend } from '../lib/tfjs.js';
import type { Cell, Metric, Workload } from '../lib/types.js';

export const BATCH = 64;

export interface Plan {
  /** Untimed steps first. */
  warmup: number;
  /** Timed steps. */
  steps: number;
}

export interface TrainConfig {
  kind: 'mlp' | 'cnn';
  /** Steps per implementation (mlp-train gives all the same plan, so their accuracies compare). */
  plan: { myelin: Plan; cpu: Plan; wasm: Plan };
  /** Evaluate test accuracy after training. */
  accuracy: boolean;
}

function metrics(cfg: TrainConfig): Metric[] {
  const m: Metric[] = [{ key: 'sps', label: 'train samples/s', unit: 'samples/s', better: 'higher' }];
  if (cfg.accuracy) m.push({ key: 'acc', label: 'test accuracy %', unit: '%', better: 'higher' });
  return m;
}

function result(plan: Plan, ms: number, loss: number, acc: number | null): Record<string, Cell> {
  const out: Record<string, Cell> = {
    sps: { value: (plan.steps * BATCH) / (ms / 1000), note: `${plan.steps} steps in ${(ms / 1000).toFixed(2)} s, last loss ${loss.toFixed(3)}` },
  };
  if (acc !== null) out.acc = { value: acc * 100, note: `after ${plan.warmup + plan.steps} steps` };
  return out;
}

/**
 * Runs the plan's untimed warm-up steps, then times its steps, on consecutive batches of `train`; `step` returns the
 * loss when asked for it (`last`), else null. Returns the timed milliseconds and the last loss.
 */
function runPlan(plan: Plan, train: MnistSplit, step: (x: Float32Array, y: Int32Array, last: boolean) => number | null): { ms: number; loss: number } {
  for (let i = 0; i < plan.warmup; i++) {
    const b = batchAt(train, i, BATCH);
    step(b.x, b.y, false);
  }
  let loss = NaN;
  const t0 = performance.now();
  for (let i = 0; i < plan.steps; i++) {
    const b = batchAt(train, plan.warmup + i, BATCH);
    const l = step(b.x, b.y, i === plan.steps - 1);
    if (l !== null) loss = l;
  }
  return { ms: performance.now() - t0, loss };
}

const planStr = (p: Plan) => (p.warmup ? `${p.warmup} + ${p.steps}` : `${p.steps}`);

export function train(cfg: TrainConfig): Workload {
  const arch = cfg.kind === 'mlp' ? '784-128-64-10 ReLU MLP' : 'conv(8,5x5)-ReLU-maxpool2-conv(16,5x5)-ReLU-maxpool2-dense(10)';
  return {
    name: `${cfg.kind}-train`,
    description: `${arch}, Adam lr 1e-3, batch ${BATCH}, cross-entropy, MNIST; untimed warm-up + timed steps: Myelin ${planStr(cfg.plan.myelin)}, tfjs cpu ${planStr(cfg.plan.cpu)}, tfjs wasm ${planStr(cfg.plan.wasm)}`,
    metrics: metrics(cfg),
    async myelin() {
      const { train: tr, test } = loadMnist();
      manualSeed(0);
      const model = cfg.kind === 'mlp' ? my.mlp() : my.cnn();
      const step = my.trainer(model, cfg.kind);
      const plan = cfg.plan.myelin;
      // the loss is read back only after the last step, as the tfjs loop does
      const { ms, loss } = runPlan(plan, tr, (x, y, last) => {
        const l = step(x, y);
        return last ? l.item() : null;
      });
      const acc = cfg.accuracy ? my.accuracy(model, cfg.kind, test.images, test.labels) : null;
      return result(plan, ms, loss, acc);
    },
    async tfjs(tf, backend: TfBackend) {
      const { train: tr, test } = loadMnist();
      const model = cfg.kind === 'mlp' ? tfMlp(tf) : tfCnn(tf);
      try {
        const step = tfTrainer(tf, model);
        const plan = cfg.plan[backend];
        const { ms, loss } = runPlan(plan, tr, step);
        const acc = cfg.accuracy ? tfAccuracy(tf, model, test.images, test.labels) : null;
        return result(plan, ms, loss, acc);
      } finally {
        model.dispose();
      }
    },
  };
}
