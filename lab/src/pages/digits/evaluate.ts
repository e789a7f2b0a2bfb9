/**
 * Testing a digit model in the page (a model file someone loads, or the trained one when a learner asks which digits
 * it got wrong): the 2,000 held-out digits in batches, yielding between them so the page keeps responding.
 */
import { noGrad, tensor, zeros, type Module, type Tensor } from 'myelin';
import { PIXELS, type DigitSplit } from '../../digits/data.js';

export interface TestResult {
  accuracy: number;
  /** confusion[truth][predicted] */
  confusion: number[][];
  /** the predicted digit for each test digit */
  predictions: Uint8Array;
}

const BATCH = 250;

/** Why `model` cannot read digits (it must take [N, 1, 28, 28] and give [N, 10]), or null if it can. */
export function digitModelProblem(model: Module): string | null {
  try {
    const out = noGrad(() => model.forward(zeros([2, 1, 28, 28])) as Tensor);
    if (out.shape.length !== 2 || out.shape[0] !== 2 || out.shape[1] !== 10) return `output shape [${out.shape.join(', ')}] for 2 digits`;
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export async function testModel(model: Module, test: DigitSplit): Promise<TestResult> {
  const n = test.count;
  const predictions = new Uint8Array(n);
  const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  let right = 0;
  for (let i = 0; i < n; i += BATCH) {
    const m = Math.min(BATCH, n - i);
    const x = new Float32Array(m * PIXELS);
    for (let k = 0; k < x.length; k++) x[k] = test.pixels[i * PIXELS + k] / 255;
    const pred = noGrad(() => (model.forward(tensor(x).reshape([m, 1, 28, 28])) as Tensor).argmax(1).data());
    for (let k = 0; k < m; k++) {
      const truth = test.labels[i + k], p = Number(pred[k]);
      predictions[i + k] = p;
      confusion[truth][p]++;
      if (p === truth) right++;
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  return { accuracy: right / n, confusion, predictions };
}
