/**
 * Conformance: matrix products (matmul 1-D/2-D/batched/broadcast, dot, outer) and the linear layer (F.linear, and a
 * Linear+ReLU Sequential, which a device may fuse) on every registered device against the js reference.
 * See devices.ts for how a device joins.
 */
import { type DType, F, dot, manualSeed, matmul, nn, outer } from '../../src/index.js';
import { eachDevice } from './devices.js';

/** [a, b] shapes: sizes off the 4/8 tile multiples, vectors on either side, batch dims broadcast, empty and K = 0. */
const PRODUCTS: [number[], number[]][] = [
  [[13, 21], [21, 11]],
  [[21], [21, 11]],
  [[13, 21], [21]],
  [[21], [21]],
  [[3, 9, 10], [3, 10, 7]],
  [[2, 1, 9, 10], [3, 10, 7]],
  [[4, 9, 10], [10, 7]],
  [[10], [2, 10, 7]],
  [[0, 10], [10, 7]],
  [[9, 0], [0, 7]],
];

eachDevice('matrix products', (suite) => {
  for (const dtype of ['float32', 'float64', 'int32'] as DType[]) {
    for (const [sa, sb] of PRODUCTS) {
      suite.check({ op: 'matmul', inputs: [{ shape: sa, dtype }, { shape: sb, dtype }], run: (a, b) => matmul(a, b) });
    }
    suite.check({ op: 'dot', inputs: [{ shape: [67], dtype }, { shape: [67], dtype }], run: (a, b) => dot(a, b) });
    suite.check({ op: 'outer', inputs: [{ shape: [13], dtype }, { shape: [9], dtype }], run: (a, b) => outer(a, b) });
  }
  // large enough to be split across threads (2*M*N*K above 2 MFLOP), with K beyond one packed block
  suite.check({ op: 'matmul', note: 'threads', inputs: [{ shape: [67, 150] }, { shape: [150, 131] }], run: (a, b) => matmul(a, b), tol: { atol: 1e-4, rtol: 1e-4 } });
  suite.check({ op: 'matmul', note: 'dtypes differ', inputs: [{ shape: [3, 4] }, { shape: [4, 2], dtype: 'float64' }], run: (a, b) => matmul(a, b), throws: true });
  suite.check({ op: 'matmul', note: 'inner sizes differ', inputs: [{ shape: [3, 4] }, { shape: [5, 2] }], run: (a, b) => matmul(a, b), throws: true });

  for (const dtype of ['float32', 'float64'] as DType[]) {
    for (const xs of [[9, 13], [2, 5, 13], [13], [0, 13]]) {
      suite.check({ op: 'F.linear', inputs: [{ shape: xs, dtype }, { shape: [11, 13], dtype }, { shape: [11], dtype }], run: (x, w, b) => F.linear(x, w, b) });
    }
    suite.check({ op: 'F.linear', note: 'no bias', inputs: [{ shape: [9, 13], dtype }, { shape: [11, 13], dtype }], run: (x, w) => F.linear(x, w) });
  }
  suite.check({ op: 'F.linear', note: 'threads', inputs: [{ shape: [64, 100] }, { shape: [120, 100] }, { shape: [120] }], run: (x, w, b) => F.linear(x, w, b), tol: { atol: 1e-4, rtol: 1e-4 } });
  // halves: exact zeros before the ReLU, where its gradient is decided
  suite.check({
    op: 'Sequential(Linear, ReLU)', note: 'seeded weights', inputs: [{ shape: [9, 13], fill: 'halves' }],
    run: (x) => {
      manualSeed(7);
      return new nn.Sequential(new nn.Linear(13, 11), new nn.ReLU()).forward(x);
    },
  });
});
