/**
 * mlp-train and cnn-train: Adam (lr 1e-3), batch 64, cross-entropy, on the real MNIST digits. Every library sees the
 * same batches in the same order. Each first trains a throwaway model untimed (a number of steps and a minimum time),
 * so that its JIT-compiled code has settled, then fresh models for a fixed number of timed steps each, in rounds:
 * samples/s, the median round's. mlp-train then reports the last model's test accuracy, so the figures show that each
 * library actually learns.
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
  /** Timed steps of each fresh model. */
  steps: number;
  /** Timed rounds; the median round's figure counts (a short stall of the host decides no figure). */
  rounds: number;
  /**
   * A round trains fresh models until its timed steps have taken this long (ms), at least one; its figure is its
   * samples over that time. Equal for two libraries, it gives both as many samples, each as long, of the host's
   * drifting speed.
   */
  roundMs: number;
}

export interface TrainConfig {
  kind: 'mlp' | 'cnn';
  /** Plan per implementation (mlp-train gives all the same steps per model, so their accuracies compare). */
  plan: { myelin: Plan; cpu: Plan; wasm: Plan };
  /** Evaluate test accuracy after training. */
  accuracy: boolean;
}

function metrics(cfg: TrainConfig): Metric[] {
  const m: Metric[] = [{ key: 'sps', label: 'train samples/s', unit: 'samples/s', better: 'higher' }];
  if (cfg.accuracy) m.push({ key: 'acc', label: 'test accuracy %', unit: '%', better: 'higher' });
  return m;
}

function result(plan: Plan, models: number, ms: number, loss: number, acc: number | null): Record<string, Cell> {
  const per = `${plan.steps} steps in ${(ms / 1000).toFixed(2)} s`;
  const timing = plan.rounds > 1 ? `median of ${plan.rounds} rounds (${models} models in all): ${per}` : per;
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
 * Trains a throwaway model from `fresh()` untimed for the plan's warm-up, then the plan's rounds of new models, each
 * for the timed steps on consecutive batches of `train`. Returns the last model (the caller disposes it) and its loss,
 * how many models were timed, and the median round's milliseconds per model.
 */
function runPlan<M>(plan: Plan, train: MnistSplit, fresh: () => Trainee<M>): { trainee: Trainee<M>; models: number; ms: number; loss: number } {
  if (plan.warmup > 0 || plan.warmupMs > 0) {
    const scratch = fresh();
    const t0 = performance.now();
    for (let i = 0; i < plan.warmup || performance.now() - t0 < plan.warmupMs; i++) {
      const b = batchAt(train, i, BATCH);
      scratch.step(b.x, b.y, false);
    }
    scratch.dispose();
  }
  const perModel: number[] = [];
  let trainee: Trainee<M> | null = null;
  let models = 0;
  let loss = NaN;
  for (let r = 0; r < plan.rounds; r++) {
    let spent = 0, count = 0;
    do {
      trainee?.dispose();
      trainee = fresh();
      const t0 = performance.now();
      for (let i = 0; i < plan.steps; i++) {
        const b = batchAt(train, i, BATCH);
        const l = trainee.step(b.x, b.y, i === plan.steps - 1);
        if (l !== null) loss = l;
      }
      spent += performance.now() - t0;
      count++;
    } while (spent < plan.roundMs);
    perModel.push(spent / count);
    models += count;
  }
  return { trainee: trainee!, models, ms: median(perModel), loss };
}

const planStr = (p: Plan) => {
  const round = p.roundMs ? `rounds of fresh models for ${p.roundMs / 1000} s or more` : 'rounds';
  const timed = p.rounds > 1 ? `${p.steps} per model, median of ${p.rounds} ${round}` : `${p.steps}`;
  return p.warmup || p.warmupMs ? `${timed} after a warm-up of ${p.warmup} steps${p.warmupMs ? ` and ${p.warmupMs / 1000} s` : ''}` : timed;
};

export function train(cfg: TrainConfig): Workload {
  const arch = cfg.kind === 'mlp' ? '784-128-64-10 ReLU MLP' : 'conv(8,5x5)-ReLU-maxpool2-conv(16,5x5)-ReLU-maxpool2-dense(10)';
  return {
    name: `${cfg.kind}-train`,
    description: `${arch}, Adam lr 1e-3, batch ${BATCH}, cross-entropy, MNIST; timed steps of fresh models after an untimed warm-up on a throwaway one: Myelin ${planStr(cfg.plan.myelin)}, tfjs cpu ${planStr(cfg.plan.cpu)}, tfjs wasm ${planStr(cfg.plan.wasm)}`,
    metrics: metrics(cfg),
    async myelin() {
      const { train: tr, test } = loadMnist();
      const plan = cfg.plan.myelin;
      const { trainee, models, ms, loss } = runPlan(plan, tr, () => {
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
      return result(plan, models, ms, loss, acc);
    },
    async tfjs(tf, backend: TfBackend) {
      const { train: tr, test } = loadMnist();
      const plan = cfg.plan[backend];
      const { trainee, models, ms, loss } = runPlan(plan, tr, () => {
        const model = cfg.kind === 'mlp' ? tfMlp(tf) : tfCnn(tf);
        return { model, step: tfTrainer(tf, model), dispose: () => model.dispose() };
      });
      try {
        const acc = cfg.accuracy ? tfAccuracy(tf, trainee.model, test.images, test.labels) : null;
        return result(plan, models, ms, loss, acc);
      } finally {
        trainee.dispose();
      }
    },
  };
}
