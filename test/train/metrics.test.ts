import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Generator, accuracy, confusionMatrix, meanAbsoluteError, meanSquaredError, metricByName, precisionRecallF1, tensor,
  topKAccuracy, type MetricName, type Tensor,
} from '../../src/index.js';
import { predictedClasses, prfFromConfusion } from '../../src/train/metrics.js';

const close = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

/** [N, C] scores whose argmax is `classes` (one-hot-ish, with some noise that never changes the argmax). */
function scoresFor(classes: number[], c: number): Tensor {
  const data: number[][] = classes.map((k, i) => Array.from({ length: c }, (_, j) => (j === k ? 2 : 0.1 * ((i + j) % 3))));
  return tensor(data);
}

// 3 classes, 8 samples. Rows true, columns predicted:
//   true 0: [2, 1, 0]   true 1: [0, 1, 1]   true 2: [1, 0, 2]
const target3 = tensor([0, 0, 0, 1, 1, 2, 2, 2], { dtype: 'int32' });
const pred3 = scoresFor([0, 1, 0, 1, 2, 2, 2, 0], 3);

test('accuracy and the confusion matrix of a small multi-class example', () => {
  assert.deepEqual(Array.from(predictedClasses(pred3)), [0, 1, 0, 1, 2, 2, 2, 0]);
  close(accuracy(pred3, target3), 5 / 8, 'accuracy');
  assert.deepEqual(confusionMatrix(pred3, target3), [[2, 1, 0], [0, 1, 1], [1, 0, 2]]);
  assert.deepEqual(confusionMatrix(pred3, target3, 4), [[2, 1, 0, 0], [0, 1, 1, 0], [1, 0, 2, 0], [0, 0, 0, 0]]);
  // float targets holding class numbers are fine
  close(accuracy(pred3, target3.float()), 5 / 8, 'accuracy of float targets');
  // scores of 5 classes give a 5x5 matrix even when the labels only reach 2
  assert.equal(confusionMatrix(scoresFor([0, 1, 0, 1, 2, 2, 2, 0], 5), target3).length, 5);
});

test('precision, recall and F1: binary of class 1 and macro over classes (scikit-learn definitions)', () => {
  // class 0: tp 2, fp 1, fn 1; class 1: tp 1, fp 1, fn 1; class 2: tp 2, fp 1, fn 1
  const binary = precisionRecallF1(pred3, target3);
  close(binary.precision, 1 / 2, 'precision');
  close(binary.recall, 1 / 2, 'recall');
  close(binary.f1, 1 / 2, 'f1');
  const macro = precisionRecallF1(pred3, target3, { average: 'macro' });
  close(macro.precision, (2 / 3 + 1 / 2 + 2 / 3) / 3, 'macro precision');
  close(macro.recall, (2 / 3 + 1 / 2 + 2 / 3) / 3, 'macro recall');
  close(macro.f1, (2 / 3 + 1 / 2 + 2 / 3) / 3, 'macro f1');

  // an asymmetric example: target [0,0,1,1,1,2], predicted [0,1,1,1,2,2]
  // class 0: P 1/1, R 1/2, F1 2/3; class 1: P 2/3, R 2/3, F1 2/3; class 2: P 1/2, R 1/1, F1 2/3
  const t = tensor([0, 0, 1, 1, 1, 2], { dtype: 'int32' });
  const p = scoresFor([0, 1, 1, 1, 2, 2], 3);
  const m = precisionRecallF1(p, t, { average: 'macro' });
  close(m.precision, (1 + 2 / 3 + 1 / 2) / 3, 'macro precision');
  close(m.recall, (1 / 2 + 2 / 3 + 1) / 3, 'macro recall');
  close(m.f1, 2 / 3, 'macro f1');

  // a class that occurs in neither targets nor predictions is left out of the macro average (as scikit-learn);
  // here 4 score columns, class 3 never seen: the result is that of the 3-class example
  const p4 = scoresFor([0, 1, 1, 1, 2, 2], 4);
  const m4 = precisionRecallF1(p4, t, { average: 'macro' });
  close(m4.precision, m.precision, 'absent class precision');
  close(m4.f1, m.f1, 'absent class f1');
  assert.equal(confusionMatrix(p4, t).length, 4);
  const cm3 = confusionMatrix(p, t);
  const cm4 = [...cm3.map((row) => [...row, 0]), [0, 0, 0, 0]];
  assert.deepEqual(prfFromConfusion(cm4, 'macro'), prfFromConfusion(cm3, 'macro'));
  // ...but a class that is only predicted (never true) counts, with precision 0 and recall 0
  const p5 = scoresFor([3, 1, 1, 1, 2, 2], 4);
  const m5 = precisionRecallF1(p5, t, { average: 'macro' });
  // class 0: P 0/0 -> 0, R 0/2 = 0; class 1: P 2/3, R 2/3; class 2: P 1/2, R 1; class 3: P 0/1 = 0, R 0/0 -> 0
  close(m5.precision, (0 + 2 / 3 + 1 / 2 + 0) / 4, 'predicted-only class precision');
  close(m5.recall, (0 + 2 / 3 + 1 + 0) / 4, 'predicted-only class recall');
  close(m5.f1, (0 + 2 / 3 + 2 / 3 + 0) / 4, 'predicted-only class f1');
});

test('binary predictions: probabilities with a threshold, logits with threshold 0, zero division gives 0', () => {
  const probs = tensor([0.9, 0.2, 0.6, 0.4, 0.7, 0.1]);
  const target = tensor([1, 0, 0, 1, 1, 0]);
  // at 0.5: predicted [1,0,1,0,1,0]: tp 2 (0, 4), fp 1 (2), fn 1 (3), tn 2
  close(accuracy(probs, target), 4 / 6, 'accuracy');
  let r = precisionRecallF1(probs, target);
  close(r.precision, 2 / 3);
  close(r.recall, 2 / 3);
  close(r.f1, 2 / 3);
  assert.deepEqual(confusionMatrix(probs, target), [[2, 1], [1, 2]]);
  // at 0.65: predicted [1,0,0,0,1,0]: tp 2, fp 0, fn 1 -> P 1, R 2/3, F1 0.8
  r = precisionRecallF1(probs, target, { threshold: 0.65 });
  close(r.precision, 1);
  close(r.recall, 2 / 3);
  close(r.f1, 0.8);
  close(accuracy(probs, target, { threshold: 0.65 }), 5 / 6);
  // logits (log-odds of the same probabilities) [N, 1], thresholded at 0, agree with the probabilities at 0.5
  const logits = tensor([0.9, 0.2, 0.6, 0.4, 0.7, 0.1].map((q) => [Math.log(q / (1 - q))]));
  close(accuracy(logits, target, { threshold: 0 }), 4 / 6, 'logit accuracy');
  assert.deepEqual(precisionRecallF1(logits, target, { threshold: 0 }), precisionRecallF1(probs, target));
  // at the default 0.5 logits would be misread: -0.405 (q = 0.4) and 0.405 (q = 0.6) are both below 0.5
  assert.deepEqual(Array.from(predictedClasses(logits)), [1, 0, 0, 0, 1, 0]);
  const m = metricByName('f1', { threshold: 0 });
  m.update(logits, target);
  close(m.result(), 2 / 3, 'streaming f1 of logits');

  // nothing predicted positive: precision 0/0 -> 0, recall 0/3 = 0, F1 0
  r = precisionRecallF1(tensor([0.1, 0.2, 0.3, 0.4, 0.1, 0.2]), target);
  assert.deepEqual(r, { precision: 0, recall: 0, f1: 0 });
  // no positives at all, none predicted: everything 0 (scikit-learn's zero_division=0)
  r = precisionRecallF1(tensor([0.1, 0.2]), tensor([0, 0]));
  assert.deepEqual(r, { precision: 0, recall: 0, f1: 0 });
  assert.deepEqual(prfFromConfusion([[0, 0], [0, 0]], 'macro'), { precision: 0, recall: 0, f1: 0 });
});

test('topKAccuracy counts the target among the k highest scores', () => {
  const scores = tensor([
    [0.1, 0.5, 0.3, 0.05], // ranking 1, 2, 0, 3
    [0.7, 0.1, 0.15, 0.05], // ranking 0, 2, 1, 3
    [0.2, 0.2, 0.1, 0.5], // ranking 3, then 0 and 1 tied, 2
    [0.25, 0.3, 0.4, 0.05], // ranking 2, 1, 0, 3
  ]);
  const target = tensor([2, 1, 2, 0], { dtype: 'int32' });
  // target ranks: 2nd, 3rd, 4th, 3rd
  close(topKAccuracy(scores, target, 1), 0);
  close(topKAccuracy(scores, target, 2), 1 / 4);
  close(topKAccuracy(scores, target, 3), 3 / 4);
  close(topKAccuracy(scores, target, 4), 1);
  close(topKAccuracy(scores, target, 10), 1);
  close(topKAccuracy(scores, tensor([1, 0, 3, 2], { dtype: 'int32' }), 1), 1);
  // top-1 is accuracy
  close(topKAccuracy(pred3, target3, 1), accuracy(pred3, target3));
  assert.throws(() => topKAccuracy(scores, target, 0), /topKAccuracy: k must be a positive integer, got 0/);
  assert.throws(() => topKAccuracy(scores, tensor([0, 1, 4, 0]), 2), /topKAccuracy: target 4 \(sample 2\) is not a class in \[0, 4\)/);
  assert.throws(() => topKAccuracy(tensor([0.1, 0.2]), tensor([0, 1]), 1), /topKAccuracy: predictions must be \[N, C\], got \[2\]/);
});

test('meanSquaredError and meanAbsoluteError by hand; [N, 1] predictions against [N] targets', () => {
  const pred = tensor([[1], [2.5], [-1], [4]]);
  const target = tensor([1.5, 2, 1, 4]);
  // errors -0.5, 0.5, -2, 0
  close(meanSquaredError(pred, target), (0.25 + 0.25 + 4 + 0) / 4, 'mse');
  close(meanAbsoluteError(pred, target), (0.5 + 0.5 + 2 + 0) / 4, 'mae');
  assert.throws(() => meanSquaredError(pred, tensor([1, 2, 3])), /meanSquaredError: predictions \[4,1\] and target \[3\] differ in size/);
  assert.throws(() => meanAbsoluteError(pred, tensor([1, 2, 3])), /meanAbsoluteError: predictions \[4,1\] and target \[3\] differ in size/);
});

test('streaming metrics over batches equal the metric over the whole data', () => {
  const g = new Generator(5);
  const n = 53, c = 4;
  const scores = tensor(Array.from({ length: n }, () => Array.from({ length: c }, () => g.normal())));
  // labels skewed to the low classes so early batches may lack class 3
  const labels = tensor(Array.from({ length: n }, (_, i) => (i < 20 ? i % 2 : g.integer(0, c))), { dtype: 'int32' });
  const whole: Record<MetricName, number> = {
    accuracy: accuracy(scores, labels),
    topKAccuracy: topKAccuracy(scores, labels, 2),
    precision: precisionRecallF1(scores, labels).precision,
    recall: precisionRecallF1(scores, labels).recall,
    f1: precisionRecallF1(scores, labels).f1,
    macroF1: precisionRecallF1(scores, labels, { average: 'macro' }).f1,
    mse: meanSquaredError(scores.select(1, 0), labels.float()),
    mae: meanAbsoluteError(scores.select(1, 0), labels.float()),
  };
  for (const name of Object.keys(whole) as MetricName[]) {
    const m = metricByName(name, { k: 2 });
    assert.equal(m.name, name);
    for (const bs of [1, 7, 53]) {
      m.reset();
      for (let i = 0; i < n; i += bs) {
        const len = Math.min(bs, n - i);
        const p = name === 'mse' || name === 'mae' ? scores.select(1, 0).narrow(0, i, len) : scores.narrow(0, i, len);
        const t = name === 'mse' || name === 'mae' ? labels.float().narrow(0, i, len) : labels.narrow(0, i, len);
        m.update(p, t);
      }
      assert.ok(Math.abs(m.result() - whole[name]) < 1e-6, `${name} in batches of ${bs}: ${m.result()} vs ${whole[name]}`);
    }
    m.reset();
    assert.equal(m.result(), 0, `${name} after reset`);
  }
  // a metric's numbers are not all trivially equal: the example is informative
  assert.ok(whole.accuracy > 0 && whole.accuracy < 1);
  assert.ok(whole.macroF1 > 0 && whole.macroF1 < 1);
});

test('metricByName: unknown names and bad labels are errors; large inputs work', () => {
  assert.throws(() => metricByName('auc' as MetricName), /metrics: unknown metric 'auc' \(known: accuracy, topKAccuracy, precision, recall, f1, macroF1, mse, mae\)/);
  assert.throws(() => accuracy(pred3, tensor([0, 1])), /accuracy: 8 predictions but target of shape \[2\]/);
  assert.throws(() => confusionMatrix(pred3, target3, 2), /confusionMatrix: target 2 \(sample 5\) is not a class in \[0, 2\) \(numClasses 2\)/);
  assert.throws(() => confusionMatrix(pred3, tensor([0, 0, 0, 1, 1, 2, 2, -1])), /confusionMatrix: target -1 \(sample 7\) is negative/);
  assert.throws(() => predictedClasses(tensor([[[1]]])), /metrics: predictions must be \[N, C\], \[N\] or \[N, 1\], got \[1,1,1\]/);
  // 300,000 samples: no call-stack overflow from the class count
  const n = 300_000;
  const probs = new Float32Array(n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3 === 0 ? 1 : 0;
    probs[i] = i % 5 === 0 ? 0.9 : 0.1;
  }
  const cm = confusionMatrix(tensor(probs), tensor(labels));
  let tp = 0, fp = 0;
  for (let i = 0; i < n; i++) {
    if (probs[i] > 0.5 && labels[i] === 1) tp++;
    if (probs[i] > 0.5 && labels[i] === 0) fp++;
  }
  assert.equal(cm[1][1], tp);
  assert.equal(cm[0][1], fp);
  assert.equal(cm[0][0] + cm[0][1] + cm[1][0] + cm[1][1], n);
});
