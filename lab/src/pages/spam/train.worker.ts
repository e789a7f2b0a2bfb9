/**
 * Trains the spam filter off the main thread: TF-IDF features of the training e-mails (the vocabulary learned from
 * them), the CLI's model (logistic regression, models.spamClassifier), Adam. Every few steps it measures the test
 * e-mails and posts the numbers, the test spam probabilities (for the page's confusion matrix) and the model as bytes
 * (for the page's own predictions). Stopping is the page terminating the worker.
 *
 * The library finishes loading its kernels (a top-level await) before this module runs, and messages sent to a worker
 * before then can be lost: so the worker says 'ready' first, and the page sends the request on that.
 */
import { DataLoader, F, TensorDataset, TfidfVectorizer, manualSeed, modelToBytes, models, noGrad, optim, tensor, type Tensor } from 'myelin';

/** The e-mails of one split: 1 = spam, 0 = good mail. */
export interface Split {
  texts: string[];
  labels: number[];
}

export interface TrainRequest {
  train: Split;
  test: Split;
  epochs: number;
  lr: number;
  seed: number;
}

export type WorkerMessage =
  | { type: 'ready' }
  /** the vectoriser, fitted on the training e-mails (its vocabulary and idf): sent once, before training */
  | { type: 'features'; vectorizer: ReturnType<TfidfVectorizer['toJSON']>; vocabularySize: number }
  | {
    type: 'progress';
    step: number;
    totalSteps: number;
    epoch: number;
    /** mean training loss over the steps since the last report */
    loss: number;
    testLoss: number;
    /** at the 0.5 threshold */
    testAccuracy: number;
    /** the model's spam probability for each test e-mail */
    testProbabilities: Float32Array;
    stepsPerSecond: number;
    /** modelToBytes of the model now */
    model: Uint8Array;
  }
  | { type: 'done' }
  | { type: 'error'; message: string };

/** Terms in at least 2 training e-mails, the 5,000 most frequent: enough for 0.97 on the test e-mails, and small. */
export const VECTORIZER = { maxFeatures: 5000, minDf: 2 };
const BATCH_SIZE = 32;
/** steps between reports: about 40 points on the curves for the default 6 epochs */
const REPORT_EVERY = 8;

function post(message: WorkerMessage, transfer: Transferable[] = []): void {
  postMessage(message, { transfer });
}

function labelsTensor(labels: number[]): Tensor {
  return tensor(Float32Array.from(labels), { shape: [labels.length, 1] });
}

function train(req: TrainRequest): void {
  manualSeed(req.seed);
  const vectorizer = new TfidfVectorizer(VECTORIZER);
  const xTrain = vectorizer.fitTransform(req.train.texts);
  const xTest = vectorizer.transform(req.test.texts);
  const yTrain = labelsTensor(req.train.labels);
  const yTest = labelsTensor(req.test.labels);
  post({ type: 'features', vectorizer: vectorizer.toJSON(), vocabularySize: vectorizer.numFeatures });

  const model = models.spamClassifier(vectorizer.numFeatures);
  const optimizer = new optim.Adam(model.parameters(), { lr: req.lr });
  const loader = new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize: BATCH_SIZE, shuffle: true, seed: req.seed });
  const totalSteps = req.epochs * loader.length;
  const t0 = performance.now();
  let step = 0;
  let lossSum = 0;
  let lossCount = 0;

  const report = (epoch: number): void => {
    const { testLoss, testProbabilities } = noGrad(() => {
      const logits = model.forward(xTest);
      // data() is a fresh float32 copy: it can be transferred
      return { testLoss: F.binaryCrossEntropyWithLogits(logits, yTest).item(), testProbabilities: logits.sigmoid().data() as Float32Array };
    });
    let correct = 0;
    testProbabilities.forEach((p, i) => { if ((p >= 0.5 ? 1 : 0) === req.test.labels[i]) correct++; });
    const bytes = modelToBytes(model);
    post({
      type: 'progress', step, totalSteps, epoch, loss: lossSum / lossCount, testLoss, testAccuracy: correct / testProbabilities.length,
      testProbabilities, stepsPerSecond: step / ((performance.now() - t0) / 1000), model: bytes,
    }, [testProbabilities.buffer, bytes.buffer as ArrayBuffer]);
    lossSum = 0;
    lossCount = 0;
  };

  for (let epoch = 1; epoch <= req.epochs; epoch++) {
    for (const [xb, yb] of loader) {
      const loss = F.binaryCrossEntropyWithLogits(model.forward(xb), yb);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      lossSum += loss.item();
      lossCount++;
      step++;
      if (step % REPORT_EVERY === 0 || step === totalSteps) report(epoch);
    }
  }
  post({ type: 'done' });
}

addEventListener('message', (e: MessageEvent<TrainRequest>) => {
  try {
    train(e.data);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
post({ type: 'ready' });
