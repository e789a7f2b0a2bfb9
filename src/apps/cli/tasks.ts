/**
 * The training tasks behind `myelin train`: each builds a zoo model, trains it on bundled real data with fit(),
 * reports per-epoch figures, and saves the model with enough metadata for `myelin eval` / `predict` / `info`.
 */
import { datasets } from '../../data/index.js';
import { TfidfVectorizer } from '../../data/text.js';
import { saveModel } from '../../io/model-file.js';
import { digitsCnn, digitsLesson, digitsMlp, spamClassifier, xorNet } from '../../models/index.js';
import type { Module } from '../../nn/module.js';
import { mseLoss } from '../../nn/losses.js';
import { Adam, CosineAnnealingLR, SGD } from '../../optim/index.js';
import { tensor } from '../../tensor/creation.js';
import { manualSeed } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { LambdaCallback, type Logs } from '../../train/callbacks.js';
import { evaluate, fit, predict } from '../../train/fit.js';
import { confusionMatrix, metricByName, precisionRecallF1 } from '../../train/metrics.js';

export interface TrainFlags {
  model?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed: number;
  out?: string;
  json: boolean;
}

export interface TrainSummary {
  task: string;
  model: string;
  epochs: number;
  train_loss: number;
  test_accuracy: number;
  samples_per_s: number;
  out: string;
  f1?: number;
}

/** Where human-readable lines go; JSON mode prints only JSON lines to stdout. */
export interface Output {
  line(text: string): void;
  json(value: object): void;
}

export const DIGIT_MODELS = ['mlp', 'cnn', 'lesson'] as const;
type DigitModel = (typeof DIGIT_MODELS)[number];

/** Default hyper-parameters per digits model, chosen to pass the accuracy targets quickly on 2 cores. */
const DIGIT_DEFAULTS: Record<DigitModel, { build: () => Module; epochs: number; batchSize: number; lr: number }> = {
  mlp: { build: digitsMlp, epochs: 15, batchSize: 64, lr: 1e-3 },
  cnn: { build: digitsCnn, epochs: 10, batchSize: 64, lr: 2e-3 },
  lesson: { build: digitsLesson, epochs: 30, batchSize: 32, lr: 1e-2 },
};

const round = (v: number, digits = 4) => Number(v.toFixed(digits));

/** One JSON object per epoch in JSON mode (snake_case keys), nothing otherwise (fit prints its own progress). */
function epochReporter(out: Output, json: boolean, evalKey: string): LambdaCallback {
  return new LambdaCallback({
    onEpochEnd(epoch: number, logs: Logs) {
      if (!json) return;
      const row: Record<string, number> = { epoch, train_loss: round(logs.loss) };
      if (logs.accuracy !== undefined) row.train_accuracy = round(logs.accuracy);
      if (logs.valLoss !== undefined) row[`${evalKey}_loss`] = round(logs.valLoss);
      if (logs.valAccuracy !== undefined) row[`${evalKey}_accuracy`] = round(logs.valAccuracy);
      if (logs.valF1 !== undefined) row[`${evalKey}_f1`] = round(logs.valF1);
      row.samples_per_s = Math.round(logs.samplesPerSecond);
      out.json(row);
    },
  });
}

function last(history: Record<string, number[]>, key: string): number {
  const v = history[key];
  return v && v.length ? v[v.length - 1] : NaN;
}

function mean(values: number[] | undefined): number {
  return values && values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

export async function trainMnist(flags: TrainFlags, out: Output): Promise<TrainSummary> {
  const name = (flags.model ?? 'mlp') as DigitModel;
  const d = DIGIT_DEFAULTS[name];
  manualSeed(flags.seed);
  const model = d.build();
  const epochs = flags.epochs ?? d.epochs;
  const { train, test } = datasets.mnist();
  if (!flags.json) {
    out.line(`Training the ${name} digit classifier on ${train.labels.shape[0]} real handwritten digits (test: ${test.labels.shape[0]}), ${epochs} epochs`);
    out.line(model.toString());
  }
  // Adam with the learning rate annealed to zero along a cosine over the run.
  const optimizer = new Adam(model.parameters(), { lr: flags.lr ?? d.lr });
  const history = await fit(model, [train.images, train.labels], {
    epochs,
    batchSize: flags.batchSize ?? d.batchSize,
    optimizer,
    scheduler: new CosineAnnealingLR(optimizer, { tMax: epochs }),
    loss: 'crossEntropy',
    metrics: ['accuracy'],
    validationData: [test.images, test.labels],
    seed: flags.seed,
    verbose: !flags.json,
    callbacks: [epochReporter(out, flags.json, 'test')],
  });
  const testLogs = evaluate(model, [test.images, test.labels], { metrics: ['accuracy'] });
  const path = flags.out ?? `mnist-${name}.safetensors`;
  await saveModel(model, path, { metadata: { task: 'mnist', model: name, test_accuracy: String(testLogs.accuracy) } });
  if (!flags.json) out.line(`Test accuracy ${(100 * testLogs.accuracy).toFixed(2)}% on ${test.labels.shape[0]} held-out digits. Saved the model to ${path}`);
  return {
    task: 'mnist', model: name, epochs: history.epoch.length,
    train_loss: round(last(history.history, 'loss')), test_accuracy: round(testLogs.accuracy),
    samples_per_s: Math.round(mean(history.history.samplesPerSecond)), out: path,
  };
}

/** TF-IDF features of the emails; the vectoriser's vocabulary is saved with the model. */
export const SPAM_VECTORIZER = { maxFeatures: 10000, minDf: 2 };

export async function trainSpam(flags: TrainFlags, out: Output): Promise<TrainSummary> {
  manualSeed(flags.seed);
  const { train, test } = datasets.spamAssassin();
  const vectorizer = new TfidfVectorizer(SPAM_VECTORIZER);
  const xTrain = vectorizer.fitTransform(train.texts);
  const xTest = vectorizer.transform(test.texts);
  const yTrain = tensor(Array.from(train.labels), { dtype: 'float32' }).reshape([-1, 1]);
  const yTest = tensor(Array.from(test.labels), { dtype: 'float32' }).reshape([-1, 1]);
  const model = spamClassifier(xTrain.shape[1]);
  const epochs = flags.epochs ?? 10;
  if (!flags.json) out.line(`Training a spam filter (logistic regression on ${xTrain.shape[1]} TF-IDF features) on ${train.texts.length} emails (test: ${test.texts.length}), ${epochs} epochs`);
  const f1 = () => metricByName('f1', { threshold: 0 });
  const history = await fit(model, [xTrain, yTrain], {
    epochs,
    batchSize: flags.batchSize ?? 32,
    optimizer: 'adam',
    lr: flags.lr ?? 1e-2,
    loss: 'bceWithLogits',
    metrics: [metricByName('accuracy', { threshold: 0 }), f1()],
    validationData: [xTest, yTest],
    seed: flags.seed,
    verbose: !flags.json,
    callbacks: [epochReporter(out, flags.json, 'test')],
  });
  const logits = predict(model, xTest);
  const prf = precisionRecallF1(logits, yTest, { threshold: 0 });
  const cm = confusionMatrix(logits, yTest, 2, { threshold: 0 });
  const accuracy = (cm[0][0] + cm[1][1]) / test.texts.length;
  const path = flags.out ?? 'spam.safetensors';
  await saveModel(model, path, {
    metadata: { task: 'spam', model: 'logistic', test_accuracy: String(accuracy), f1: String(prf.f1), vectorizer: JSON.stringify(vectorizer.toJSON()) },
  });
  if (!flags.json) {
    out.line(`Test: accuracy ${(100 * accuracy).toFixed(2)}%, precision ${prf.precision.toFixed(4)}, recall ${prf.recall.toFixed(4)}, F1 ${prf.f1.toFixed(4)}`);
    out.line(formatConfusion(cm, ['ham', 'spam']));
    out.line(`Saved the model to ${path}`);
  }
  return {
    task: 'spam', model: 'logistic', epochs: history.epoch.length,
    train_loss: round(last(history.history, 'loss')), test_accuracy: round(accuracy),
    samples_per_s: Math.round(mean(history.history.samplesPerSecond)), out: path, f1: round(prf.f1),
  };
}

export function formatConfusion(cm: number[][], names: string[]): string {
  const w = Math.max(8, ...names.map((n) => n.length + 2), ...cm.flat().map((v) => String(v).length + 2));
  const pad = (s: string) => s.padStart(w);
  const lines = ['confusion matrix (rows: true class, columns: predicted)', pad('') + names.map(pad).join('')];
  cm.forEach((row, i) => lines.push(pad(names[i]) + row.map((v) => pad(String(v))).join('')));
  return lines.join('\n');
}

/**
 * XOR as in the beginners' tutorial: 2-4-1 sigmoid network, MSE, plain full-batch gradient descent. The tutorial's
 * lr 0.1 needs tens of thousands of epochs; the CLI default lr 2 reaches the same solution in a few thousand.
 */
export async function trainXor(flags: TrainFlags, out: Output): Promise<TrainSummary> {
  manualSeed(flags.seed);
  const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = tensor([[0], [1], [1], [0]]);
  const model = xorNet();
  const lr = flags.lr ?? 2;
  const epochs = flags.epochs ?? 5000;
  const optimizer = new SGD(model.parameters(), { lr });
  const started = performance.now();
  let loss = NaN;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    optimizer.zeroGrad();
    const l = mseLoss(model.forward(x) as Tensor, y);
    l.backward();
    optimizer.step();
    loss = l.item();
    if (!Number.isFinite(loss)) throw new Error(`train xor: the loss became ${loss} at epoch ${epoch}; lower --lr`);
    if (epoch % Math.max(1, Math.floor(epochs / 10)) === 0 || epoch === epochs) {
      if (flags.json) out.json({ epoch, train_loss: round(loss, 6) });
      else out.line(`epoch ${epoch}/${epochs} - mse ${loss.toFixed(6)}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const p = predict(model, x).data();
  const correct = Array.from(p).filter((v, i) => (v > 0.5 ? 1 : 0) === [0, 1, 1, 0][i]).length;
  const path = flags.out ?? 'xor.safetensors';
  await saveModel(model, path, { metadata: { task: 'xor', model: 'xor', test_accuracy: String(correct / 4) } });
  if (!flags.json) {
    out.line(['0 xor 0', '0 xor 1', '1 xor 0', '1 xor 1'].map((s, i) => `${s} -> ${p[i].toFixed(3)}`).join('\n'));
    out.line(`${correct}/4 correct, MSE ${loss.toFixed(6)}. Saved the model to ${path}`);
  }
  return {
    task: 'xor', model: 'xor', epochs, train_loss: round(loss, 6), test_accuracy: correct / 4,
    samples_per_s: Math.round((4 * epochs) / seconds), out: path,
  };
}
