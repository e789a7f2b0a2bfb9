/**
 * Conformance: softmax and logSoftmax, dropout under a seed, embedding, oneHot, batch and layer normalisation on every
 * registered device against the js reference. See devices.ts for how a device joins.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { F, Generator, type DType, dropout, embedding, logSoftmax, oneHot, softmax, tensor } from '../../src/index.js';
import { withBackend } from '../helpers/backend.js';
import { indices } from './compare.js';
import { OWN_RANDOM_DRAWS, eachDevice } from './devices.js';

eachDevice('softmax, dropout, embedding', (suite) => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    for (const [op, f] of [['softmax', softmax], ['logSoftmax', logSoftmax]] as const) {
      for (const dim of [-1, 0, 1]) suite.check({ op, note: `dim ${dim}`, inputs: [{ shape: [5, 6, 7], dtype }], run: (x) => f(x, dim) });
      // large logits: the max is subtracted before exp
      suite.check({ op, note: 'dim 1, logits near 80', inputs: [{ shape: [4, 33], dtype, fill: (g) => 80 + 10 * g.normal() }], run: (x) => f(x, 1) });
      suite.check({ op, note: 'dim 0', inputs: [{ shape: [], dtype }], run: (x) => f(x, 0) });
      suite.check({ op, note: 'dim 1', inputs: [{ shape: [0, 9], dtype }], run: (x) => f(x, 1) });
      suite.check({ op, note: 'dim -1, one long row', inputs: [{ shape: [1, 1000], dtype }], run: (x) => f(x, -1) });
    }

    if (!OWN_RANDOM_DRAWS.has(suite.device)) {
      // the mask comes from the Generator: the same seed gives the same mask on every device
      for (const p of [0.3, 0.8]) {
        suite.check({ op: 'dropout', note: `p ${p}, seeded`, inputs: [{ shape: [9, 17], dtype }], run: (x) => dropout(x, { p, generator: new Generator(11) }) });
      }
      suite.check({ op: 'F.dropout', note: 'p 0.5, seeded', inputs: [{ shape: [0, 3], dtype }], run: (x) => F.dropout(x, { generator: new Generator(3) }) });
    }
    suite.check({ op: 'dropout', note: 'p 1', inputs: [{ shape: [9, 17], dtype }], run: (x) => dropout(x, { p: 1 }) });
    suite.check({ op: 'dropout', note: 'eval', inputs: [{ shape: [9, 17], dtype }], run: (x) => dropout(x, { training: false }) });

    suite.check({ op: 'embedding', inputs: [{ shape: [5, 7], dtype: 'int32', fill: indices(10) }, { shape: [10, 9], dtype }], run: (i, w) => embedding(i, w) });
    suite.check({ op: 'embedding', note: '0-d indices', inputs: [{ shape: [], dtype: 'int32', fill: indices(10) }, { shape: [10, 9], dtype }], run: (i, w) => embedding(i, w) });
    suite.check({ op: 'embedding', note: 'no indices', inputs: [{ shape: [0, 3], dtype: 'int32' }, { shape: [10, 9], dtype }], run: (i, w) => embedding(i, w) });
  }
  for (const dtype of ['float32', 'float64'] as DType[]) {
    const channels = (fill?: 'positive') => ({ shape: [5], dtype, fill });
    const stats = (fill?: 'positive') => ({ shape: [5], dtype, fill, grad: false });
    suite.check({
      op: 'F.batchNorm', note: 'training, running statistics updated in place',
      inputs: [{ shape: [4, 5, 3, 6], dtype }, channels(), channels(), stats(), stats('positive')],
      // the running statistics are outputs too: the update writes through their layouts
      run: (x, w, b, rm, rv) => [F.batchNorm(x, { weight: w, bias: b, runningMean: rm, runningVar: rv, training: true }), rm.add(0), rv.add(0)],
    });
    suite.check({
      op: 'F.batchNorm', note: 'eval', inputs: [{ shape: [7, 5], dtype }, channels(), channels(), stats(), stats('positive')],
      run: (x, w, b, rm, rv) => F.batchNorm(x, { weight: w, bias: b, runningMean: rm, runningVar: rv }),
    });
    suite.check({
      op: 'F.layerNorm', note: 'over the last 2 dims', inputs: [{ shape: [4, 6, 7], dtype }, { shape: [6, 7], dtype }, { shape: [6, 7], dtype }],
      run: (x, w, b) => F.layerNorm(x, [6, 7], w, b),
    });
  }
  suite.check({ op: 'softmax', note: 'int32 refused', inputs: [{ shape: [3, 4], dtype: 'int32' }], run: (x) => softmax(x, 1), throws: true });
  suite.check({ op: 'embedding', note: 'index out of range', inputs: [{ shape: [5], dtype: 'int32', fill: indices(10) }, { shape: [4, 9] }], run: (i, w) => embedding(i.add(4), w), throws: true });
  suite.check({ op: 'oneHot', inputs: [{ shape: [4, 6], dtype: 'int32', fill: indices(5) }], run: (i) => oneHot(i, 5) });
  suite.check({ op: 'oneHot', note: 'classes inferred', inputs: [{ shape: [13], dtype: 'int32', fill: indices(7) }], run: (i) => oneHot(i) });

  if (OWN_RANDOM_DRAWS.has(suite.device)) {
    // a device with its own random draws: each element is dropped or scaled by 1/(1-p), about p of them dropped
    it('dropout (p 0.3): every element is dropped or scaled by 1/(1-p), and about 30% are dropped', () => {
      withBackend(suite.device, () => {
        const x = tensor(new Float32Array(20000).fill(2));
        const y = dropout(x, { p: 0.3, generator: new Generator(5) }).data();
        let dropped = 0;
        for (const v of y) {
          if (v === 0) dropped++;
          else assert.ok(Math.abs(v - 2 / 0.7) < 1e-5, `dropout on ${suite.device}: kept element ${v}, expected ${2 / 0.7}`);
        }
        assert.ok(Math.abs(dropped / y.length - 0.3) < 0.02, `dropout on ${suite.device}: ${dropped} of ${y.length} dropped, expected about 30%`);
      });
    });
  }
});
