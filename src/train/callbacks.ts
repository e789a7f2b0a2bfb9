/**
 * Callbacks hook into fit(): early stopping, or your own. The ones that write files (checkpoints, a JSON-lines log)
 * are in file-callbacks.ts, for Node.
 */
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/engine.js';

export type Logs = Record<string, number>;

/** What a callback sees: the model being trained and a switch to stop after this epoch. */
export interface TrainingContext {
  model: Module;
  epochs: number;
  stopTraining: boolean;
}

/** Hooks fit() calls; each may return a promise, which fit awaits before going on. */
export interface Callback {
  onTrainBegin?(ctx: TrainingContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainingContext): void | Promise<void>;
  onBatchEnd?(step: number, logs: Logs, ctx: TrainingContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainingContext): void | Promise<void>;
  onTrainEnd?(logs: Logs, ctx: TrainingContext): void | Promise<void>;
}

export interface MonitorOptions {
  /** The log key to watch, e.g. 'valLoss' (default) or 'valAccuracy'. */
  monitor?: string;
  /** 'min' for losses, 'max' for scores; 'auto' picks max for accuracy/f1/precision/recall keys. */
  mode?: 'min' | 'max' | 'auto';
  /** Smallest change that counts as an improvement. */
  minDelta?: number;
}

/** Tracks the best value of one logged quantity. */
export class Monitor {
  readonly key: string;
  private readonly sign: number;
  private readonly minDelta: number;
  best = Infinity;

  constructor({ monitor = 'valLoss', mode = 'auto', minDelta = 0 }: MonitorOptions) {
    this.key = monitor;
    const max = mode === 'max' || (mode === 'auto' && /acc|f1|precision|recall|auc/i.test(monitor));
    this.sign = max ? -1 : 1;
    this.minDelta = Math.abs(minDelta);
  }

  /** True when logs[key] improves on the best so far (and records it). */
  improved(logs: Logs): boolean {
    const v = logs[this.key];
    if (v === undefined) {
      throw new Error(`callback: monitored quantity '${this.key}' is not in the logs (available: ${Object.keys(logs).join(', ')})`);
    }
    const score = this.sign * v;
    if (score < this.best - this.minDelta) {
      this.best = score;
      return true;
    }
    return false;
  }
}

function snapshot(model: Module): Map<string, Tensor> {
  return noGrad(() => new Map([...model.stateDict()].map(([k, t]) => [k, t.clone()])));
}

export interface EarlyStoppingOptions extends MonitorOptions {
  /** Epochs without improvement before stopping. */
  patience?: number;
  /** Put back the weights of the best epoch when training stops. */
  restoreBestWeights?: boolean;
}

export class EarlyStopping implements Callback {
  private monitor: Monitor;
  private wait = 0;
  private best: Map<string, Tensor> | null = null;
  stoppedEpoch = 0;
  bestEpoch = 0;

  constructor(private readonly options: EarlyStoppingOptions = {}) {
    this.monitor = new Monitor(options);
  }

  /** A new fit() starts afresh (as Keras): no best value, no waiting, no saved weights. */
  onTrainBegin(): void {
    this.monitor = new Monitor(this.options);
    this.wait = 0;
    this.best = null;
    this.stoppedEpoch = 0;
    this.bestEpoch = 0;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): void {
    if (this.monitor.improved(logs)) {
      this.wait = 0;
      this.bestEpoch = epoch;
      if (this.options.restoreBestWeights) this.best = snapshot(ctx.model);
      return;
    }
    this.wait++;
    if (this.wait >= (this.options.patience ?? 0)) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
    }
  }

  onTrainEnd(_logs: Logs, ctx: TrainingContext): void {
    if (this.options.restoreBestWeights && this.best) ctx.model.loadStateDict(this.best);
  }
}

/** A callback from plain functions. */
export class LambdaCallback implements Callback {
  constructor(hooks: Callback) {
    Object.assign(this, hooks);
  }
}
