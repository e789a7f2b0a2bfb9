/**
 * mlp-train and cnn-train: Adam (lr 1e-3), batch 64, cross-entropy, on the real MNIST digits. Every library sees the
 * same batches in the same order. Each first trains a throwaway model untimed (a number of steps and a minimum time),
 * so that its JIT-compiled code has settled, then a fresh model for a fixed number of timed steps: samples/s. mlp-train
 * then reports that model's test accuracy, so the figures show that each library actually learns.
 */
import { manualSeed } from '../../src/index.js';
import { loadMnist, batchAt, type MnistSplit } from '../lib/mnist.js';
import * as my from '../lib/myelin.js';
import { tfMlp, tfCnn, tfTrainer, tfAccuracy } from '../lib/tfmodels.js';
import type { TfBackend } from '../lib/tfjs.js';
import { median } from '../lib/stats.js';
import type { Cell, Metric, Workload } from '../lib/types.js';

export const BATCH = 64;

export interface Plan {
  /** Untimed steps of a throwaway model first (at least this many)... */
  warmup: number;
  /** ...and for at least this long (ms). */
  warmupMs: number;
  /** Timed steps of a fresh model... */
  steps: number;
  /** ...this many times at least, a fresh model each time: the median counts (a short stall of the host decides no figure)... */
  rounds: number;
  /** ...and until the timed rounds add up to this long (ms), so that a fast and a slow library see a like stretch of the host. */
  minMs: number;
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

function result(plan: Plan, rounds: number, ms: number, loss: number, acc: number | null): Record<string, Cell> {
  const timing = rounds > 1 ? `median of ${rounds} rounds of ${plan.steps} steps: ${(ms / 1000).toFixed(2)} s` : `${plan.steps} steps in ${(ms / 1000).toFixed(2)} s`;
  const out: Record<string, Cell> = {
    sps: { value: (plan.steps * BATCH) / (ms / 1000), note: `${timing}, last loss ${loss.toFixed(3)}` },
  };
  if (acc !== null) out.acc = { value: acc * 100, note: `after ${plan.steps} steps` };
  return out;
}

/** A step on raw batch data; returns the loss when asked for it (`last`), else null. */
type Step = (x: Float32Array, y: Int32Array, last: boolean) => number | null;

/** A model built the same way on every call, its training step, and how to free it. */
interface Trainee<M> {
  model: M;
  step: Step;
  dispose(): void;
}

/**
 * Trains a throwaway model from `fresh()` untimed for the plan's warm-up, then a new one for the timed steps in each
 * round, on consecutive batches of `train`. Returns the last round's model (the caller disposes it) and loss, the
 * number of rounds and the median of their milliseconds.
 */
function runPlan<M>(plan: Plan, train: MnistSplit, fresh: () => Trainee<M>): { trainee: Trainee<M>; rounds: number; ms: number; loss: number } {
  if (plan.warmup > 0 || plan.warmupMs > 0) {
    const scratch = fresh();
    const t0 = performance.now();
    for (let i = 0; i < plan.warmup || performance.now() - t0 < plan.warmupMs; i++) {
      const b = batchAt(train, i, BATCH);
      scratch.step(b.x, b.y, false);
    }
    scratch.dispose();
  }
  const times: number[] = [];
  let trainee = fresh();
  let loss = NaN;
  let spent = 0;
  for (let r = 0; r < plan.rounds || spent < plan.minMs; r++) {
    if (r > 0) {
      trainee.dispose();
      trainee = fresh();
    }
    const t0 = performance.now();
    for (let i = 0; i < plan.steps; i++) {
      const b = batchAt(train, i, BATCH);
      const l = trainee.step(b.x, b.y, i === plan.steps - 1);
      if (l !== null) loss = l;
    }
    times.push(performance.now() - t0);
    spent += times[r];
  }
  return { trainee, rounds: times.length, ms: median(times), loss };
}

const planStr = (p: Plan) => {
  const timed = p.rounds > 1 ? `median of ${p.minMs ? `${p.rounds}+ rounds (until ${p.minMs / 1000} s) of` : `${p.rounds} x`} ${p.steps}` : `${p.steps}`;
  return p.warmup || p.warmupMs ? `${timed} after a warm-up of ${p.warmup} steps${p.warmupMs ? ` and ${p.warmupMs / 1000} s` : ''}` : timed;
};

export function train(cfg: TrainConfig): Workload {
  const arch = cfg.kind === 'mlp' ? '784-128-64-10 ReLU MLP' : 'conv(8,5x5)-ReLU-maxpool2-conv(16,5x5)-ReLU-maxpool2-dense(10)';
  return {
    name: `${cfg.kind}-train`,
    description: `${arch}, Adam lr 1e-3, batch ${BATCH}, cross-entropy, MNIST; timed steps of a fresh model after an untimed warm-up on a throwaway one: Myelin ${planStr(cfg.plan.myelin)}, tfjs cpu ${planStr(cfg.plan.cpu)}, tfjs wasm ${planStr(cfg.plan.wasm)}`,
    metrics: metrics(cfg),
    async myelin() {
      const { train: tr, test } = loadMnist();
      const plan = cfg.plan.myelin;
      const { trainee, rounds, ms, loss } = runPlan(plan, tr, () => {
        manualSeed(0);
        const model = cfg.kind === 'mlp' ? my.mlp() : my.cnn();
        const step = my.trainer(model, cfg.kind);
        // the loss is read back only after the last step, as the tfjs loop does
        const run: Step = (x, y, last) => {
          const l = step(x, y);
          return last ? l.item() : null;
        };
        return { model, step: run, dispose: () => {} };
      });
      const acc = cfg.accuracy ? my.accuracy(trainee.model, cfg.kind, test.images, test.labels) : null;
      return result(plan, rounds, ms, loss, acc);
    },
    async tfjs(tf, backend: TfBackend) {
      const { train: tr, test } = loadMnist();
      const plan = cfg.plan[backend];
      const { trainee, rounds, ms, loss } = runPlan(plan, tr, () => {
        const model = cfg.kind === 'mlp' ? tfMlp(tf) : tfCnn(tf);
        return { model, step: tfTrainer(tf, model), dispose: () => model.dispose() };
      });
      try {
        const acc = cfg.accuracy ? tfAccuracy(tf, trainee.model, test.images, test.labels) : null;
        return result(plan, rounds, ms, loss, acc);
      } finally {
        trainee.dispose();
      }
    },
  };
}
