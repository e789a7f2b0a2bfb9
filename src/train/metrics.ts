/**
 * Metrics: plain functions over whole predictions, and streaming versions that fit()/evaluate() accumulate batch by
 * batch. Predictions may be class scores [N, C] (argmax is taken), or for binary tasks probabilities/logits [N] or
 * [N, 1] (thresholded).
 */
import { noGrad } from '../autograd/engine.js';
import { shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export interface ClassOptions {
  /** For binary predictions [N] / [N,1]: the decision threshold (0.5 for probabilities; use 0 for logits). */
  threshold?: number;
}

/** Predicted class per sample: argmax over dim 1 for [N, C], threshold for [N] / [N, 1]. */
export function predictedClasses(pred: Tensor, { threshold = 0.5 }: ClassOptions = {}): Int32Array {
  return noGrad(() => {
    if (pred.ndim === 2 && pred.shape[1] > 1) return pred.argmax(1).data() as Int32Array;
    if (pred.ndim === 1 || (pred.ndim === 2 && pred.shape[1] === 1)) {
      const d = pred.data();
      const out = new Int32Array(d.length);
      for (let i = 0; i < d.length; i++) out[i] = d[i] > threshold ? 1 : 0;
      return out;
    }
    throw new RangeError(`metrics: predictions must be [N, C], [N] or [N, 1], got ${shapeStr(pred.shape)}`);
  });
}

function labelsOf(target: Tensor, n: number, op: string): Int32Array {
  if (target.size !== n) throw new RangeError(`${op}: ${n} predictions but target of shape ${shapeStr(target.shape)}`);
  const d = target.data();
  const out = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = Math.round(d[i]);
  return out;
}

export function accuracy(pred: Tensor, target: Tensor, options: ClassOptions = {}): number {
  const p = predictedClasses(pred, options);
  const t = labelsOf(target, p.length, 'accuracy');
  let correct = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === t[i]) correct++;
  return p.length ? correct / p.length : 0;
}

/** Fraction of samples whose target is among the k highest scores of [N, C] (a tie with the target's score counts as a hit). */
export function topKAccuracy(pred: Tensor, target: Tensor, k = 5): number {
  if (pred.ndim !== 2) throw new RangeError(`topKAccuracy: predictions must be [N, C], got ${shapeStr(pred.shape)}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topKAccuracy: k must be a positive integer, got ${k}`);
  const [n, c] = pred.shape;
  const scores = pred.data();
  const t = labelsOf(target, n, 'topKAccuracy');
  checkLabels('topKAccuracy', t, c, `predictions ${shapeStr(pred.shape)} have ${c} classes`);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i * c + t[i]];
    let higher = 0;
    for (let j = 0; j < c; j++) if (scores[i * c + j] > s) higher++;
    if (higher < k) hits++;
  }
  return n ? hits / n : 0;
}

/** Throws unless every label is in [0, c). */
function checkLabels(op: string, labels: Int32Array, c: number, why: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= c) throw new RangeError(`${op}: target ${labels[i]} (sample ${i}) is not a class in [0, ${c}) (${why})`);
  }
}

/**
 * counts[t][p]: rows are true classes, columns predicted classes. The size is `numClasses`, or by default the
 * number of score columns of [N, C] predictions or the largest label + 1, whichever is larger (at least 2).
 */
export function confusionMatrix(pred: Tensor, target: Tensor, numClasses?: number, options: ClassOptions = {}): number[][] {
  const p = predictedClasses(pred, options);
  const t = labelsOf(target, p.length, 'confusionMatrix');
  let c: number;
  if (numClasses !== undefined) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`confusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
    c = numClasses;
    checkLabels('confusionMatrix', t, c, `numClasses ${c}`);
    for (let i = 0; i < p.length; i++) {
      if (p[i] >= c) throw new RangeError(`confusionMatrix: predicted class ${p[i]} (sample ${i}) is not in [0, ${c}) (numClasses ${c})`);
    }
  } else {
    // a loop, not Math.max(...labels): spreading a large array overflows the call stack
    c = pred.ndim === 2 && pred.shape[1] > 1 ? pred.shape[1] : 2;
    for (let i = 0; i < t.length; i++) {
      if (t[i] < 0) throw new RangeError(`confusionMatrix: target ${t[i]} (sample ${i}) is negative`);
      if (t[i] >= c) c = t[i] + 1;
      if (p[i] >= c) c = p[i] + 1;
    }
  }
  const m = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  for (let i = 0; i < p.length; i++) m[t[i]][p[i]]++;
  return m;
}

export interface PrfResult {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Precision/recall/F1 from a confusion matrix: of class `positive` ('binary') or averaged over classes ('macro').
 * As scikit-learn: a ratio with a zero denominator is 0, and the macro average is over the classes that occur among
 * the targets or the predictions (a row of the matrix that is all zeros and a column that is all zeros are left out).
 */
export function prfFromConfusion(m: number[][], average: 'binary' | 'macro' = 'binary', positive = 1): PrfResult {
  const classStats = (c: number): PrfResult => {
    const tp = m[c][c];
    let fp = 0, fn = 0;
    for (let i = 0; i < m.length; i++) {
      if (i !== c) {
        fp += m[i][c];
        fn += m[c][i];
      }
    }
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1 };
  };
  if (average === 'binary') {
    if (!(positive >= 0 && positive < m.length)) throw new RangeError(`precisionRecallF1: positive class ${positive} is not in [0, ${m.length})`);
    return classStats(positive);
  }
  const present = m.map((_, c) => m[c].some((v) => v > 0) || m.some((row) => row[c] > 0));
  const all = m.map((_, c) => c).filter((c) => present[c]).map(classStats);
  if (all.length === 0) return { precision: 0, recall: 0, f1: 0 };
  const avg = (k: keyof PrfResult) => all.reduce((s, r) => s + r[k], 0) / all.length;
  return { precision: avg('precision'), recall: avg('recall'), f1: avg('f1') };
}

export function precisionRecallF1(pred: Tensor, target: Tensor, options: ClassOptions & { average?: 'binary' | 'macro'; numClasses?: number } = {}): PrfResult {
  return prfFromConfusion(confusionMatrix(pred, target, options.numClasses, options), options.average ?? 'binary');
}

function checkSizes(op: string, pred: Tensor, target: Tensor): void {
  if (pred.size !== target.size) throw new RangeError(`${op}: predictions ${shapeStr(pred.shape)} and target ${shapeStr(target.shape)} differ in size`);
}

export function meanSquaredError(pred: Tensor, target: Tensor): number {
  checkSizes('meanSquaredError', pred, target);
  return noGrad(() => pred.sub(target.reshape(pred.shape.slice())).square().mean().item());
}

export function meanAbsoluteError(pred: Tensor, target: Tensor): number {
  checkSizes('meanAbsoluteError', pred, target);
  return noGrad(() => pred.sub(target.reshape(pred.shape.slice())).abs().mean().item());
}

/** A metric accumulated over batches (what fit() and evaluate() use). */
export interface Metric {
  readonly name: string;
  reset(): void;
  update(pred: Tensor, target: Tensor): void;
  result(): number;
}

class ConfusionMetric implements Metric {
  private m: number[][] = [];
  constructor(readonly name: string, private readonly pick: (m: number[][]) => number, private readonly options: ClassOptions = {}) {}
  reset(): void {
    this.m = [];
  }
  update(pred: Tensor, target: Tensor): void {
    const batch = confusionMatrix(pred, target, undefined, this.options);
    const c = Math.max(batch.length, this.m.length);
    const grown = Array.from({ length: c }, (_, i) => Array.from({ length: c }, (_, j) => (this.m[i]?.[j] ?? 0) + (batch[i]?.[j] ?? 0)));
    this.m = grown;
  }
  result(): number {
    return this.m.length ? this.pick(this.m) : 0;
  }
  matrix(): number[][] {
    return this.m.map((r) => r.slice());
  }
}

class MeanMetric implements Metric {
  private total = 0;
  private count = 0;
  constructor(readonly name: string, private readonly fn: (pred: Tensor, target: Tensor) => number) {}
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
  update(pred: Tensor, target: Tensor): void {
    const n = pred.shape[0] ?? 1;
    this.total += this.fn(pred, target) * n;
    this.count += n;
  }
  result(): number {
    return this.count ? this.total / this.count : 0;
  }
}

export type MetricName = 'accuracy' | 'topKAccuracy' | 'precision' | 'recall' | 'f1' | 'macroF1' | 'mse' | 'mae';

/** A streaming metric by name (options: threshold for binary predictions, k for topKAccuracy). */
export function metricByName(name: MetricName, options: ClassOptions & { k?: number } = {}): Metric {
  const trace = (m: number[][]) => m.reduce((s, r, i) => s + r[i], 0) / Math.max(1, m.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0));
  switch (name) {
    case 'accuracy': return new ConfusionMetric('accuracy', trace, options);
    case 'precision': return new ConfusionMetric('precision', (m) => prfFromConfusion(m).precision, options);
    case 'recall': return new ConfusionMetric('recall', (m) => prfFromConfusion(m).recall, options);
    case 'f1': return new ConfusionMetric('f1', (m) => prfFromConfusion(m).f1, options);
    case 'macroF1': return new ConfusionMetric('macroF1', (m) => prfFromConfusion(m, 'macro').f1, options);
    case 'topKAccuracy': return new MeanMetric('topKAccuracy', (p, t) => topKAccuracy(p, t, options.k ?? 5));
    case 'mse': return new MeanMetric('mse', meanSquaredError);
    case 'mae': return new MeanMetric('mae', meanAbsoluteError);
    default: throw new Error(`metrics: unknown metric '${name as string}' (known: accuracy, topKAccuracy, precision, recall, f1, macroF1, mse, mae)`);
  }
}
