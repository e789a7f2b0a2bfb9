/**
 * Learning-rate schedules (torch.optim.lr_scheduler, PyTorch 1.13). Each scheduler sets `lr` of every parameter group
 * of its optimiser. Call `step()` once per epoch (or iteration) after `optimizer.step()`. The updates use PyTorch's
 * chainable forms, the same floating-point expressions in the same order, so the lr sequences agree with PyTorch's
 * and several schedulers can act on one optimiser at once (their factors multiply).
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Optimizer } from './optimizer.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any, any>;

/** A scheduler's state as plain data (everything but the optimiser and functions). */
export type SchedulerStateDict = Record<string, unknown>;

export interface SchedulerOptions {
  /** Index of the last epoch when resuming (groups must then carry `initialLr`); -1 starts afresh. */
  lastEpoch?: number;
}

function copyValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyValue(x)]));
  return v;
}

function checkOptimizer(name: string, optimizer: AnyOptimizer): void {
  if (!optimizer || typeof optimizer !== 'object' || !Array.isArray((optimizer as AnyOptimizer).paramGroups)) {
    throw new TypeError(`${name}: expected an Optimizer, got ${optimizer === null ? 'null' : typeof optimizer}`);
  }
}

/** Throws on option names the scheduler does not know (a typo would otherwise silently mean the default). */
function checkKeys(name: string, options: object | undefined, known: string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new TypeError(`${name}: options must be an object, got ${String(options)}`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k) && k !== 'lastEpoch') throw new TypeError(`${name}: unknown option '${k}' (known: ${[...known, 'lastEpoch'].join(', ')})`);
  }
}

function checkPositiveInt(name: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${name}: ${what} must be a positive integer, got ${String(v)}`);
}

function checkFinite(name: string, what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${name}: ${what} must be a finite number, got ${String(v)}`);
}

/** Base of the epoch-driven schedulers (PyTorch's _LRScheduler). */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** Each group's lr when the schedule began (`initialLr`). */
  baseLrs: number[];
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  protected constructor(name: string, optimizer: AnyOptimizer, lastEpoch = -1) {
    checkOptimizer(name, optimizer);
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) throw new RangeError(`${name}: lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`${name}: param 'initialLr' is not set in paramGroups[${i}] when resuming (lastEpoch ${lastEpoch})`);
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Subclasses call this at the end of their constructor: it takes the first step (epoch 0). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The new lr of every group at `lastEpoch`, from the current ones (chainable form). */
  protected abstract getLr(): number[];

  /** Advances one epoch and sets the groups' lr. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lr of every group as last set by this scheduler. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  protected get groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Everything except the optimiser and functions, as plain data. */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || typeof v === 'function') continue;
      out[k] = copyValue(v);
    }
    return out;
  }

  loadStateDict(state: SchedulerStateDict): void {
    if (!state || typeof state !== 'object') throw new TypeError(`${this.constructor.name}.loadStateDict: expected an object as returned by stateDict()`);
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      if (k === 'optimizer' || typeof self[k] === 'function') continue;
      if (!(k in self)) throw new Error(`${this.constructor.name}.loadStateDict: unknown key '${k}'`);
      self[k] = copyValue(v);
    }
  }
}

export interface StepLROptions extends SchedulerOptions {
  /** Decay every stepSize epochs. */
  stepSize: number;
  /** Multiplicative decay (default 0.1). */
  gamma?: number;
}

/** lr = initialLr * gamma^floor(epoch / stepSize). */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: AnyOptimizer, options: StepLROptions) {
    checkKeys('StepLR', options, ['stepSize', 'gamma']);
    super('StepLR', optimizer, options?.lastEpoch);
    checkPositiveInt('StepLR', 'stepSize', options.stepSize);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    checkFinite('StepLR', 'gamma', this.gamma);
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma);
  }
}

export interface MultiStepLROptions extends SchedulerOptions {
  /** Epochs at which lr is multiplied by gamma (a repeated milestone applies gamma that many times). */
  milestones: number[];
  gamma?: number;
}

/** lr = initialLr * gamma^(number of milestones <= epoch). */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;
  constructor(optimizer: AnyOptimizer, options: MultiStepLROptions) {
    checkKeys('MultiStepLR', options, ['milestones', 'gamma']);
    super('MultiStepLR', optimizer, options?.lastEpoch);
    if (!Array.isArray(options.milestones) || options.milestones.some((m) => !Number.isInteger(m))) {
      throw new TypeError(`MultiStepLR: milestones must be a list of integers, got ${JSON.stringify(options.milestones)}`);
    }
    this.milestones = options.milestones.slice().sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    checkFinite('MultiStepLR', 'gamma', this.gamma);
    this.initialStep();
  }
  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma ** count);
  }
}

export interface ExponentialLROptions extends SchedulerOptions {
  gamma: number;
}

/** lr = initialLr * gamma^epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: AnyOptimizer, options: ExponentialLROptions) {
    checkKeys('ExponentialLR', options, ['gamma']);
    super('ExponentialLR', optimizer, options?.lastEpoch);
    checkFinite('ExponentialLR', 'gamma', options.gamma);
    this.gamma = options.gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * this.gamma);
  }
}

export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Half-period in epochs: lr reaches etaMin at epoch tMax, then rises again. */
  tMax: number;
  etaMin?: number;
}

/** lr = etaMin + (initialLr - etaMin) (1 + cos(pi epoch / tMax)) / 2 (SGDR's cosine annealing, no restarts). */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: AnyOptimizer, options: CosineAnnealingLROptions) {
    checkKeys('CosineAnnealingLR', options, ['tMax', 'etaMin']);
    super('CosineAnnealingLR', optimizer, options?.lastEpoch);
    if (typeof options.tMax !== 'number' || !(options.tMax > 0) || !Number.isFinite(options.tMax)) {
      throw new RangeError(`CosineAnnealingLR: tMax must be a positive number, got ${String(options.tMax)}`);
    }
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    checkFinite('CosineAnnealingLR', 'etaMin', this.etaMin);
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, tMax, etaMin } = this;
    if (e === 0) return this.groupLrs;
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / tMax))) / 2);
    }
    if (pyMod(e - 1 - tMax, 2 * tMax) === 0) {
      return this.groupLrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return this.groupLrs.map(
      (lr) => ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (lr - etaMin) + etaMin,
    );
  }
}

/** Python's modulo (the result has the divisor's sign). */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

export interface LinearLROptions extends SchedulerOptions {
  /** Factor at epoch 0 (default 1/3). */
  startFactor?: number;
  /** Factor from epoch totalIters on (default 1). */
  endFactor?: number;
  /** Epochs over which the factor moves linearly (default 5). */
  totalIters?: number;
}

/** lr = initialLr * (start + (end - start) * min(epoch, totalIters) / totalIters): warm-up (or linear decay). */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, options: LinearLROptions = {}) {
    checkKeys('LinearLR', options, ['startFactor', 'endFactor', 'totalIters']);
    super('LinearLR', optimizer, options.lastEpoch);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    checkPositiveInt('LinearLR', 'totalIters', this.totalIters);
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.groupLrs.map((lr) => lr * s);
    if (e > n) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }
}

export interface ConstantLROptions extends SchedulerOptions {
  /** Factor applied until totalIters (default 1/3). */
  factor?: number;
  totalIters?: number;
}

/** lr = initialLr * factor for epochs < totalIters, then initialLr. */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, options: ConstantLROptions = {}) {
    checkKeys('ConstantLR', options, ['factor', 'totalIters']);
    super('ConstantLR', optimizer, options.lastEpoch);
    this.factor = options.factor ?? 1 / 3;
    this.totalIters = options.totalIters ?? 5;
    if (!(this.factor > 0 && this.factor <= 1)) throw new RangeError(`ConstantLR: factor must be in (0, 1], got ${this.factor}`);
    checkPositiveInt('ConstantLR', 'totalIters', this.totalIters);
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groupLrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.groupLrs;
    return this.groupLrs.map((lr) => lr * (1 / this.factor));
  }
}

export interface LambdaLROptions extends SchedulerOptions {
  /** epoch -> factor of initialLr; one function for all groups or one per group. Not saved by stateDict. */
  lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[];
}

/** lr = initialLr * lrLambda(epoch). */
export class LambdaLR extends LRScheduler {
  lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: AnyOptimizer, options: LambdaLROptions) {
    checkKeys('LambdaLR', options, ['lrLambda']);
    super('LambdaLR', optimizer, options?.lastEpoch);
    const n = optimizer.paramGroups.length;
    const f = options.lrLambda;
    if (Array.isArray(f)) {
      if (f.length !== n) throw new RangeError(`LambdaLR: expected ${n} lrLambda functions (one per group), got ${f.length}`);
      this.lrLambdas = f.slice();
    } else {
      this.lrLambdas = new Array(n).fill(f);
    }
    if (this.lrLambdas.some((fn) => typeof fn !== 'function')) throw new TypeError('LambdaLR: lrLambda must be a function or a list of functions');
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }
  override stateDict(): SchedulerStateDict {
    const out = super.stateDict();
    delete out.lrLambdas;
    return out;
  }
  override loadStateDict(state: SchedulerStateDict): void {
    const { lrLambdas: _ignored, ...rest } = state;
    super.loadStateDict(rest);
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min': reduce when the metric stops decreasing; 'max': when it stops increasing. */
  mode?: 'min' | 'max';
  /** new lr = lr * factor (must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. */
  patience?: number;
  /** How much better than the best a metric must be to count as an improvement. */
  threshold?: number;
  /** 'rel': relative to the best (best * (1 -/+ threshold)); 'abs': best -/+ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown?: number;
  /** Lower bound on lr, for all groups or one per group. */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped. */
  eps?: number;
}

/** Reduces the lr of every group by `factor` when a metric has not improved for `patience` epochs. */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  /** Best metric so far (starts at +/-Infinity; saved as null through JSON). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  protected lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const name = 'ReduceLROnPlateau';
    checkOptimizer(name, optimizer);
    checkKeys(name, options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    this.optimizer = optimizer;
    this.mode = options.mode ?? 'min';
    this.factor = options.factor ?? 0.1;
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? 'rel';
    this.cooldown = options.cooldown ?? 0;
    this.eps = options.eps ?? 1e-8;
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`${name}: mode must be 'min' or 'max', got '${String(this.mode)}'`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') throw new RangeError(`${name}: thresholdMode must be 'rel' or 'abs', got '${String(this.thresholdMode)}'`);
    if (!(this.factor < 1 && this.factor >= 0)) throw new RangeError(`${name}: factor must be in [0, 1), got ${this.factor}`);
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new RangeError(`${name}: patience must be an integer >= 0, got ${this.patience}`);
    if (!Number.isInteger(this.cooldown) || this.cooldown < 0) throw new RangeError(`${name}: cooldown must be an integer >= 0, got ${this.cooldown}`);
    checkFinite(name, 'threshold', this.threshold);
    checkFinite(name, 'eps', this.eps);
    const n = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new RangeError(`${name}: expected ${n} minLr values (one per group), got ${minLr.length}`);
      this.minLrs = minLr.slice();
    } else {
      this.minLrs = new Array(n).fill(minLr);
    }
    this.minLrs.forEach((v) => checkFinite(name, 'minLr', v));
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private get modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and reduces the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = typeof metric === 'number' ? metric : metric.item();
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer') out[k] = copyValue(v);
    return out;
  }

  loadStateDict(state: SchedulerStateDict): void {
    if (!state || typeof state !== 'object') throw new TypeError('ReduceLROnPlateau.loadStateDict: expected an object as returned by stateDict()');
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      if (k === 'optimizer') continue;
      if (!(k in self)) throw new Error(`ReduceLROnPlateau.loadStateDict: unknown key '${k}'`);
      self[k] = copyValue(v);
    }
    // JSON turns the initial +/-Infinity into null
    if (this.best === null || this.best === undefined) this.best = this.modeWorse;
  }
}
