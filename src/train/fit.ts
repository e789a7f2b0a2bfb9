/**
 * Keras-style training in one call: fit(), evaluate(), predict(). Each is a thin loop over public pieces
 * (DataLoader, Module.forward, a loss function, an Optimizer, metrics, callbacks); the README shows the same loop
 * written by hand.
 */
import { noGrad } from '../autograd/engine.js';
import { DataLoader } from '../data/dataloader.js';
import { Dataset, TensorDataset } from '../data/dataset.js';
import type { Module } from '../nn/module.js';
import { moduleTypeName } from '../nn/registry.js';
import * as losses from '../nn/losses.js';
import { cat } from '../ops/shape.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, clipGradNorm, LRScheduler, ReduceLROnPlateau } from '../optim/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import { shapeStr } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import type { Callback, Logs, TrainingContext } from './callbacks.js';
import { type Metric, type MetricName, metricByName } from './metrics.js';
import { ProgressBar, type ProgressStream } from './progress.js';

export type LossFn = (prediction: Tensor, target: Tensor) => Tensor;
export type LossName = 'crossEntropy' | 'nll' | 'mse' | 'l1' | 'huber' | 'smoothL1' | 'bce' | 'bceWithLogits';
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

/** Training or evaluation data: [inputs, targets], a Dataset of [input, target] items, or a DataLoader of batches. */
export type Data = readonly [Tensor, Tensor] | Dataset<Tensor[]> | DataLoader<Tensor[]>;

export interface FitOptions {
  epochs?: number;
  /** Used when the data is not already a DataLoader (default 32). */
  batchSize?: number;
  /** Shuffle the training data each epoch (default true; ignored for a DataLoader, which has its own setting). */
  shuffle?: boolean;
  /** A loss function (prediction, target) -> scalar, or a name (default 'crossEntropy'). */
  loss?: LossFn | LossName;
  /** An optimiser over the model's parameters, or a name (then `lr` sets its learning rate; default 'adam'). */
  optimizer?: Optimizer | OptimizerName;
  lr?: number;
  /** Metrics computed on every batch and over the validation data: names or Metric objects. */
  metrics?: (MetricName | Metric)[];
  validationData?: Data;
  /** Hold out this last fraction of [inputs, targets] for validation (as Keras: before shuffling). */
  validationSplit?: number;
  callbacks?: Callback[];
  /** Stepped once per epoch; ReduceLROnPlateau gets valLoss (or loss without validation data). */
  scheduler?: LRScheduler | ReduceLROnPlateau;
  /** Clip the global gradient norm to this value before every step. */
  clipGradNorm?: number;
  /** false: print nothing. Default: a progress bar on a terminal, one line per epoch otherwise. */
  verbose?: boolean;
  /** Where progress goes (default process.stdout). */
  progressStream?: ProgressStream;
  /** Seed for shuffling (default: the global generator, see manualSeed). */
  seed?: number;
}

export interface History {
  /** Epoch numbers (1-based) that ran. */
  epoch: number[];
  /** Each logged quantity per epoch: loss, accuracy, ..., valLoss, valAccuracy, ..., lr, samplesPerSecond. */
  history: Record<string, number[]>;
}

export interface EvaluateOptions {
  loss?: LossFn | LossName;
  metrics?: (MetricName | Metric)[];
  batchSize?: number;
}

export class NonFiniteLossError extends Error {
  constructor(readonly value: number, readonly epoch: number, readonly step: number) {
    super(`fit: the loss became ${value} at epoch ${epoch}, step ${step}; lower the learning rate, check the inputs for NaN/Inf, or clip gradients (clipGradNorm)`);
    this.name = 'NonFiniteLossError';
  }
}

/** The loss function for a name (or the function itself). */
export function lossByName(loss: LossFn | LossName): LossFn {
  if (typeof loss === 'function') return loss;
  switch (loss) {
    case 'crossEntropy': return (p, t) => losses.crossEntropy(p, t);
    case 'nll': return (p, t) => losses.nllLoss(p, t);
    case 'mse': return (p, t) => losses.mseLoss(p, t);
    case 'l1': return (p, t) => losses.l1Loss(p, t);
    case 'huber': return (p, t) => losses.huberLoss(p, t);
    case 'smoothL1': return (p, t) => losses.smoothL1Loss(p, t);
    case 'bce': return (p, t) => losses.binaryCrossEntropy(p, t);
    case 'bceWithLogits': return (p, t) => losses.binaryCrossEntropyWithLogits(p, t);
    default: throw new Error(`fit: unknown loss '${loss as string}' (known: crossEntropy, nll, mse, l1, huber, smoothL1, bce, bceWithLogits, or a function)`);
  }
}

/** An optimiser for a name, over `params`. */
export function optimizerByName(name: OptimizerName, params: Iterable<Tensor>, lr?: number): Optimizer {
  const opts = lr === undefined ? {} : { lr };
  switch (name) {
    case 'sgd': return new SGD(params, { lr: lr ?? 0.01 });
    case 'adam': return new Adam(params, opts);
    case 'adamw': return new AdamW(params, opts);
    case 'rmsprop': return new RMSprop(params, opts);
    case 'adagrad': return new Adagrad(params, opts);
    default: throw new Error(`fit: unknown optimizer '${name as string}' (known: sgd, adam, adamw, rmsprop, adagrad, or an Optimizer)`);
  }
}

function metricsFrom(list: (MetricName | Metric)[] = []): Metric[] {
  return list.map((m) => (typeof m === 'string' ? metricByName(m) : m));
}

function checkPair(op: string, data: readonly [Tensor, Tensor], what = 'data'): void {
  const [x, y] = data;
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new TypeError(`${op}: ${what} must be [inputs, targets] tensors, a Dataset or a DataLoader`);
  const label = what === 'data' ? '' : `${what} `;
  if (x.ndim === 0 || y.ndim === 0 || x.shape[0] !== y.shape[0]) {
    throw new RangeError(`${op}: ${label}inputs ${shapeStr(x.shape)} and targets ${shapeStr(y.shape)} must have the same number of samples (dim 0)`);
  }
}

function isPair(data: unknown): data is readonly [Tensor, Tensor] {
  return Array.isArray(data) && data.length === 2 && data[0] instanceof Tensor;
}

/** A DataLoader for any accepted data form. */
function loaderFor(op: string, data: Data, batchSize: number, shuffle: boolean, generator?: Generator, what = 'data'): DataLoader<Tensor[]> {
  if (data instanceof DataLoader) return data;
  if (isPair(data)) {
    checkPair(op, data, what);
    return new DataLoader(new TensorDataset(data[0], data[1]), { batchSize, shuffle, generator });
  }
  if (data instanceof Dataset) return new DataLoader(data, { batchSize, shuffle, generator });
  throw new TypeError(`${op}: ${what} must be [inputs, targets] tensors, a Dataset or a DataLoader`);
}

function splitBatch(op: string, batch: unknown): [Tensor, Tensor] {
  if (!Array.isArray(batch) || batch.length < 2 || !(batch[0] instanceof Tensor) || !(batch[1] instanceof Tensor)) {
    throw new TypeError(`${op}: each batch must be [inputs, targets] tensors`);
  }
  return [batch[0], batch[1]];
}

/** Runs `fn` with the model in eval mode, then puts every sub-module back in the mode it had (mixed modes included). */
function inEvalMode<T>(model: Module, fn: () => T): T {
  const modes = [...model.modules()].map((m) => [m, m.training] as const);
  model.eval();
  try {
    return fn();
  } finally {
    for (const [m, mode] of modes) m.training = mode;
  }
}

function forward(model: Module, x: Tensor): Tensor {
  const out = model.forward(x);
  if (!(out instanceof Tensor)) throw new TypeError(`fit: ${moduleTypeName(model)}.forward must return a Tensor`);
  return out;
}

/** Loss and metrics of `model` over `data`, without gradients, in eval mode (the mode is restored afterwards). */
export function evaluate(model: Module, data: Data, options: EvaluateOptions = {}): Logs {
  return evaluateLoader(model, loaderFor('evaluate', data, options.batchSize ?? 256, false), options);
}

function evaluateLoader(model: Module, loader: DataLoader<Tensor[]>, options: EvaluateOptions): Logs {
  const lossFn = lossByName(options.loss ?? 'crossEntropy');
  const metrics = metricsFrom(options.metrics);
  return inEvalMode(model, () =>
    noGrad(() => {
      let total = 0, count = 0;
      for (const m of metrics) m.reset();
      for (const batch of loader) {
        const [x, y] = splitBatch('evaluate', batch);
        const pred = forward(model, x);
        total += lossFn(pred, y).item() * x.shape[0];
        count += x.shape[0];
        for (const m of metrics) m.update(pred, y);
      }
      const logs: Logs = { loss: count ? total / count : NaN };
      for (const m of metrics) logs[m.name] = m.result();
      return logs;
    }));
}

/** The model's outputs for `inputs`, computed in batches in eval mode without gradients. */
export function predict(model: Module, inputs: Tensor, options: { batchSize?: number } = {}): Tensor {
  const batchSize = options.batchSize ?? 256;
  if (!(inputs instanceof Tensor)) throw new TypeError(`predict: inputs must be a Tensor, got ${Array.isArray(inputs) ? 'an array' : typeof inputs}`);
  if (inputs.ndim === 0) throw new RangeError('predict: inputs must have a batch dimension, got a 0-d tensor');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`predict: batchSize must be a positive integer, got ${batchSize}`);
  return inEvalMode(model, () =>
    noGrad(() => {
      const n = inputs.shape[0];
      if (n <= batchSize) return forward(model, inputs);
      const outs: Tensor[] = [];
      for (let i = 0; i < n; i += batchSize) outs.push(forward(model, inputs.narrow(0, i, Math.min(batchSize, n - i))));
      return cat(outs, 0);
    }));
}

function holdOut(data: Data, fraction: number): [Data, Data] {
  if (!isPair(data)) throw new TypeError('fit: validationSplit needs the data as [inputs, targets] tensors');
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`fit: validationSplit must be in (0, 1), got ${fraction}`);
  checkPair('fit', data);
  const [x, y] = data;
  const n = x.shape[0];
  const nVal = Math.floor(n * fraction);
  if (nVal < 1 || nVal >= n) throw new RangeError(`fit: validationSplit ${fraction} of ${n} samples leaves an empty split`);
  return [
    [x.narrow(0, 0, n - nVal), y.narrow(0, 0, n - nVal)],
    [x.narrow(0, n - nVal, nVal), y.narrow(0, n - nVal, nVal)],
  ];
}

/** Trains `model` on `data`; returns the per-epoch history of every logged quantity. */
export async function fit(model: Module, data: Data, options: FitOptions = {}): Promise<History> {
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fit: epochs must be a non-negative integer, got ${epochs}`);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`fit: batchSize must be a positive integer, got ${batchSize}`);
  let trainData = data;
  let valData = options.validationData;
  if (options.validationSplit !== undefined) {
    if (valData) throw new Error('fit: give validationData or validationSplit, not both');
    [trainData, valData] = holdOut(data, options.validationSplit);
  }
  const generator = options.seed === undefined ? undefined : new Generator(options.seed);
  const loader = loaderFor('fit', trainData, batchSize, options.shuffle ?? true, generator);
  // checked now, not after the first epoch of training
  const valLoader = valData === undefined ? undefined : loaderFor('fit', valData, Math.max(batchSize, 256), false, undefined, 'validationData');
  const lossFn = lossByName(options.loss ?? 'crossEntropy');
  const opt = options.optimizer;
  const optimizer = opt === undefined || typeof opt === 'string' ? optimizerByName(opt ?? 'adam', model.parameters(), options.lr) : opt;
  if (options.lr !== undefined && opt !== undefined && typeof opt !== 'string') {
    throw new Error('fit: lr applies only to an optimizer given by name; set it on your Optimizer instead');
  }
  const metrics = metricsFrom(options.metrics);
  const callbacks = options.callbacks ?? [];
  const stream: ProgressStream | undefined = options.verbose === false ? undefined : (options.progressStream ?? defaultStream());
  const steps = loader.length;
  const bar = stream ? new ProgressBar(stream, epochs, steps) : undefined;
  const ctx: TrainingContext = { model, epochs, stopTraining: false };
  const history: History = { epoch: [], history: {} };
  const emit = async (fn: (cb: Callback) => void | Promise<void>) => {
    for (const cb of callbacks) await fn(cb);
  };

  await emit((cb) => cb.onTrainBegin?.(ctx));
  let logs: Logs = {};
  for (let epoch = 1; epoch <= epochs && !ctx.stopTraining; epoch++) {
    await emit((cb) => cb.onEpochBegin?.(epoch, ctx));
    model.train();
    for (const m of metrics) m.reset();
    bar?.epochStart();
    const start = performance.now();
    let lossSum = 0, samples = 0, step = 0;
    for (const batch of loader) {
      step++;
      const [x, y] = splitBatch('fit', batch);
      optimizer.zeroGrad();
      const pred = forward(model, x);
      const loss: unknown = lossFn(pred, y);
      if (!(loss instanceof Tensor)) throw new TypeError(`fit: the loss function must return a Tensor, got ${loss === null ? 'null' : typeof loss}`);
      if (loss.size !== 1) throw new RangeError(`fit: the loss must be a scalar, got shape ${shapeStr(loss.shape)}`);
      const value = loss.item();
      if (!Number.isFinite(value)) throw new NonFiniteLossError(value, epoch, step);
      loss.backward();
      if (options.clipGradNorm !== undefined) clipGradNorm(model.parameters(), options.clipGradNorm);
      optimizer.step();
      const n = x.shape[0];
      lossSum += value * n;
      samples += n;
      noGrad(() => {
        for (const m of metrics) m.update(pred.detach(), y);
      });
      const stepLogs: Logs = { loss: lossSum / samples };
      for (const m of metrics) stepLogs[m.name] = m.result();
      bar?.step(epoch, step, samples, stepLogs);
      await emit((cb) => cb.onBatchEnd?.(step, stepLogs, ctx));
    }
    const seconds = (performance.now() - start) / 1000;
    logs = { loss: samples ? lossSum / samples : NaN };
    for (const m of metrics) logs[m.name] = m.result();
    if (valLoader) {
      const val = evaluateLoader(model, valLoader, { loss: lossFn, metrics });
      // The training figures are already in logs, so the same metric objects can be reused.
      for (const [k, v] of Object.entries(val)) logs[`val${k[0].toUpperCase()}${k.slice(1)}`] = v;
    }
    logs.lr = optimizer.paramGroups[0].lr;
    logs.samplesPerSecond = samples / Math.max(seconds, 1e-9);
    const sched = options.scheduler;
    if (sched instanceof ReduceLROnPlateau) sched.step(logs.valLoss ?? logs.loss);
    else sched?.step();
    bar?.epochEnd(epoch, samples, withoutRate(logs));
    history.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
    await emit((cb) => cb.onEpochEnd?.(epoch, logs, ctx));
  }
  await emit((cb) => cb.onTrainEnd?.(logs, ctx));
  return history;
}

/** process.stdout under Node; nothing where there is no process (browsers), so fit prints nothing there. */
function defaultStream(): ProgressStream | undefined {
  const proc = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  return proc?.stdout;
}

/** The logs a progress line shows (it prints samples/s itself). */
function withoutRate(logs: Logs): Logs {
  const { samplesPerSecond: _rate, ...rest } = logs;
  return rest;
}
