/**
 * Trains a digit model off the page's thread: Adam on cross-entropy over the bundled training digits, evaluated on
 * the held-out ones after every epoch; streams the loss, the weights (as a model file's bytes) and, at the end, the
 * confusion matrix. The same loop a user writes by hand with Myelin.
 */
import { DataLoader, F, manualSeed, modelToBytes, models, nn, noGrad, optim, tensor, TensorDataset, type Module, type Tensor } from 'myelin';
import { loadDigits, PIXELS, type DigitSplit } from './data.js';
import type { PageMessage, TrainRequest, WorkerMessage } from './protocol.js';

const post = (m: WorkerMessage, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);
let stopRequested = false;

function buildModel(arch: TrainRequest['arch']): Module {
  if (arch === 'lesson') return models.digitsLesson();
  if (arch === 'mlp') return models.digitsMlp();
  if (arch === 'cnn') return models.digitsCnn();
  const layers: Module[] = [new nn.Flatten()];
  let width = PIXELS;
  for (const h of arch.hidden) {
    layers.push(new nn.Linear(width, h), new nn.ReLU());
    if (arch.dropout > 0) layers.push(new nn.Dropout(arch.dropout));
    width = h;
  }
  layers.push(new nn.Linear(width, 10));
  return new nn.Sequential(...layers);
}

/** A split's first n digits as tensors: images [n, 1, 28, 28] in [0, 1], labels int32 [n]. */
function tensors(split: DigitSplit, n = split.count): [Tensor, Tensor] {
  const px = new Float32Array(n * PIXELS);
  for (let i = 0; i < px.length; i++) px[i] = split.pixels[i] / 255;
  return [tensor(px).reshape([n, 1, 28, 28]), tensor(Int32Array.from(split.labels.subarray(0, n)), { dtype: 'int32' })];
}

/** Loss, accuracy and (optionally) the confusion matrix of the model on the given digits, in batches. */
function evaluate(model: Module, x: Tensor, y: Tensor, withConfusion = false): { loss: number; accuracy: number; confusion: number[][] } {
  model.eval();
  const n = x.shape[0];
  const labels = y.data();
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  let lossSum = 0, right = 0;
  noGrad(() => {
    for (let i = 0; i < n; i += 500) {
      const m = Math.min(500, n - i);
      const logits = model.forward(x.narrow(0, i, m)) as Tensor;
      lossSum += F.crossEntropy(logits, y.narrow(0, i, m)).item() * m;
      const pred = logits.argmax(1).data();
      for (let k = 0; k < m; k++) {
        if (pred[k] === labels[i + k]) right++;
        if (withConfusion) confusion[labels[i + k]][pred[k]]++;
      }
    }
  });
  model.train();
  return { loss: lossSum / n, accuracy: right / n, confusion };
}

const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

async function train(req: TrainRequest): Promise<void> {
  stopRequested = false;
  const digits = await loadDigits(req.dataUrl);
  post({ type: 'loaded', train: digits.train.count, test: digits.test.count });
  manualSeed(req.seed);
  const [xTrain, yTrain] = tensors(digits.train, Math.min(req.trainSize ?? digits.train.count, digits.train.count));
  const [xTest, yTest] = tensors(digits.test);
  const model = buildModel(req.arch);
  const optimizer = new optim.Adam(model.parameters(), { lr: req.lr, weightDecay: req.weightDecay ?? 0 });
  const loader = new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize: req.batchSize, shuffle: true, seed: req.seed });
  let step = 0, lastSnapshot = performance.now(), t0 = performance.now(), seen = 0;
  outer: for (let epoch = 1; epoch <= req.epochs; epoch++) {
    let lossSum = 0, right = 0, count = 0;
    for (const [x, y] of loader) {
      optimizer.zeroGrad();
      const logits = model.forward(x) as Tensor;
      const loss = F.crossEntropy(logits, y);
      loss.backward();
      optimizer.step();
      step++;
      const m = x.shape[0];
      seen += m;
      const l = loss.item();
      lossSum += l * m;
      count += m;
      const pred = logits.argmax(1).data(), lab = y.data();
      for (let k = 0; k < m; k++) if (pred[k] === lab[k]) right++;
      const now = performance.now();
      if (step % 10 === 0) post({ type: 'step', step, epoch, loss: l, samplesPerSecond: seen / ((now - t0) / 1000) });
      if (now - lastSnapshot > (req.snapshotMs ?? 500)) {
        lastSnapshot = now;
        const bytes = modelToBytes(model.eval());
        model.train();
        post({ type: 'weights', step, bytes }, [bytes.buffer]);
        await pause(); // let a 'stop' arrive
        if (stopRequested) break outer;
      }
    }
    const test = evaluate(model, xTest, yTest);
    const nEval = Math.min(req.evalTrain ?? 0, xTrain.shape[0]);
    const seenTrain = nEval > 0 ? evaluate(model, xTrain.narrow(0, 0, nEval), yTrain.narrow(0, 0, nEval)) : { loss: lossSum / count, accuracy: right / count };
    post({ type: 'epoch', epoch, trainLoss: seenTrain.loss, trainAccuracy: seenTrain.accuracy, testLoss: test.loss, testAccuracy: test.accuracy });
    await pause();
    if (stopRequested) break;
  }
  const final = evaluate(model, xTest, yTest, true);
  const bytes = modelToBytes(model.eval());
  post({ type: 'done', step, testAccuracy: final.accuracy, confusion: final.confusion, bytes, stopped: stopRequested }, [bytes.buffer]);
}

self.onmessage = (e: MessageEvent<PageMessage>) => {
  const m = e.data;
  if (m.type === 'stop') stopRequested = true;
  else train(m).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
post({ type: 'ready' });
