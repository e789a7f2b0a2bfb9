/**
 * Conformance: the loss functions (F.*) with their options and every reduction, on every registered device against
 * the js reference; gradients reach the input (and the target where it is a float tensor that requires grad).
 * See devices.ts for how a device joins.
 */
import { F, type DType } from '../../src/index.js';
import { type Fill, indices } from './compare.js';
import { eachDevice } from './devices.js';

const REDUCTIONS = ['mean', 'sum', 'none'] as const;
const probability: Fill = (g) => 0.02 + 0.96 * g.random();
const unit: Fill = (g) => g.random();

eachDevice('losses', (suite) => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    const pairOf = (fill?: Fill, targetFill?: Fill) => [{ shape: [9, 13], dtype, fill }, { shape: [9, 13], dtype, fill: targetFill }];
    for (const reduction of REDUCTIONS) {
      const r = { reduction };
      suite.check({ op: 'F.mseLoss', note: reduction, inputs: pairOf(), run: (x, t) => F.mseLoss(x, t, r) });
      suite.check({ op: 'F.l1Loss', note: reduction, inputs: pairOf('halves', 'halves'), run: (x, t) => F.l1Loss(x, t, r) });
      suite.check({ op: 'F.smoothL1Loss', note: `${reduction}, beta 0.5`, inputs: pairOf(), run: (x, t) => F.smoothL1Loss(x, t, { ...r, beta: 0.5 }) });
      suite.check({ op: 'F.huberLoss', note: `${reduction}, delta 0.7`, inputs: pairOf(), run: (x, t) => F.huberLoss(x, t, { ...r, delta: 0.7 }) });
      suite.check({
        op: 'F.binaryCrossEntropy', note: reduction, inputs: [{ shape: [9, 13], dtype, fill: probability }, { shape: [9, 13], dtype, fill: unit, grad: false }],
        run: (x, t) => F.binaryCrossEntropy(x, t, r),
      });
      suite.check({
        op: 'F.binaryCrossEntropyWithLogits', note: `${reduction}, weight and posWeight`,
        inputs: [{ shape: [9, 13], dtype }, { shape: [9, 13], dtype, fill: unit, grad: false }, { shape: [13], dtype, fill: 'positive', grad: false }, { shape: [13], dtype, fill: 'positive', grad: false }],
        run: (x, t, w, pw) => F.binaryCrossEntropyWithLogits(x, t, { ...r, weight: w, posWeight: pw }),
      });
      const classes = { shape: [9], dtype: 'int32' as DType, fill: indices(13) };
      suite.check({ op: 'F.crossEntropy', note: reduction, inputs: [{ shape: [9, 13], dtype }, classes], run: (x, t) => F.crossEntropy(x, t, r) });
      suite.check({
        op: 'F.crossEntropy', note: `${reduction}, weight, ignoreIndex 2, labelSmoothing 0.1`,
        inputs: [{ shape: [9, 13], dtype }, classes, { shape: [13], dtype, fill: 'positive', grad: false }],
        run: (x, t, w) => F.crossEntropy(x, t, { ...r, weight: w, ignoreIndex: 2, labelSmoothing: 0.1 }),
      });
      suite.check({
        op: 'F.crossEntropy', note: `${reduction}, [N, C, L] logits`, inputs: [{ shape: [3, 13, 5], dtype }, { shape: [3, 5], dtype: 'int32', fill: indices(13) }],
        run: (x, t) => F.crossEntropy(x, t, r),
      });
      suite.check({
        op: 'F.crossEntropy', note: `${reduction}, probability targets`, inputs: [{ shape: [9, 13], dtype }, { shape: [9, 13], dtype, grad: false }],
        run: (x, t) => F.crossEntropy(x, t.softmax(1), r),
      });
      suite.check({
        op: 'F.nllLoss', note: `${reduction}, weight, ignoreIndex 0`, inputs: [{ shape: [9, 13], dtype }, classes, { shape: [13], dtype, fill: 'positive', grad: false }],
        run: (x, t, w) => F.nllLoss(x.logSoftmax(1), t, { ...r, weight: w, ignoreIndex: 0 }),
      });
    }
  }
  suite.check({ op: 'F.crossEntropy', note: 'target out of range', inputs: [{ shape: [9, 13] }, { shape: [9], dtype: 'int32', fill: indices(13) }], run: (x, t) => F.crossEntropy(x, t.add(13)), throws: true });
});
