/**
 * Conformance: conv1d, conv2d and convTranspose2d with stride, padding, dilation and groups (gradients of input,
 * weight and bias) on every registered device against the js reference. See devices.ts for how a device joins.
 */
import { type ConvOptions, type ConvTransposeOptions, type DType, conv1d, conv2d, convTranspose2d } from '../../src/index.js';
import { eachDevice } from './devices.js';

const note = (o: object): string => JSON.stringify(o).replace(/"/g, '');

/** [input, weight, options]: sizes off the tile multiples, non-square images and kernels. */
const CONV2D: [number[], number[], ConvOptions][] = [
  [[2, 4, 9, 11], [6, 4, 3, 3], {}],
  [[2, 4, 9, 11], [6, 4, 3, 2], { stride: 2, padding: 1 }],
  [[2, 4, 9, 11], [6, 4, 3, 3], { dilation: 2, padding: [2, 1] }],
  [[2, 4, 9, 11], [6, 2, 3, 3], { groups: 2, stride: [1, 2] }],
  [[2, 4, 9, 11], [8, 1, 3, 3], { groups: 4, padding: 1 }],
  [[2, 4, 9, 11], [5, 4, 3, 3], { padding: 'same' }],
  [[2, 4, 9, 11], [5, 4, 1, 1], {}],
  [[4, 9, 11], [6, 4, 3, 3], { padding: 1 }],
  [[0, 4, 9, 11], [6, 4, 3, 3], {}],
];

const CONV1D: [number[], number[], ConvOptions][] = [
  [[2, 4, 17], [6, 4, 3], {}],
  [[2, 4, 17], [6, 2, 3], { groups: 2, stride: 2, padding: 1, dilation: 2 }],
  [[4, 17], [6, 4, 5], { padding: 'same' }],
];

/** [input, weight [Cin, Cout/groups, kH, kW], options]. */
const TRANSPOSED: [number[], number[], ConvTransposeOptions][] = [
  [[2, 4, 5, 6], [4, 3, 3, 3], {}],
  [[2, 4, 5, 6], [4, 3, 3, 2], { stride: 2, padding: 1, outputPadding: 1 }],
  [[2, 4, 5, 6], [4, 3, 3, 3], { dilation: 2, padding: [1, 2] }],
  [[2, 4, 5, 6], [4, 3, 3, 3], { groups: 2, stride: [2, 1] }],
  [[4, 5, 6], [4, 3, 2, 2], { stride: 2 }],
];

eachDevice('convolutions', (suite) => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    for (const [xs, ws, o] of CONV2D) {
      const out = ws[0];
      suite.check({ op: 'conv2d', note: note(o), inputs: [{ shape: xs, dtype }, { shape: ws, dtype }, { shape: [out], dtype }], run: (x, w, b) => conv2d(x, w, b, o) });
    }
    suite.check({ op: 'conv2d', note: 'no bias', inputs: [{ shape: [2, 4, 9, 11], dtype }, { shape: [6, 4, 3, 3], dtype }], run: (x, w) => conv2d(x, w) });
    for (const [xs, ws, o] of CONV1D) {
      suite.check({ op: 'conv1d', note: note(o), inputs: [{ shape: xs, dtype }, { shape: ws, dtype }, { shape: [ws[0]], dtype }], run: (x, w, b) => conv1d(x, w, b, o) });
    }
    for (const [xs, ws, o] of TRANSPOSED) {
      const out = ws[1] * (o.groups ?? 1);
      suite.check({ op: 'convTranspose2d', note: note(o), inputs: [{ shape: xs, dtype }, { shape: ws, dtype }, { shape: [out], dtype }], run: (x, w, b) => convTranspose2d(x, w, b, o) });
    }
  }
  // big enough for the device to split the product across threads
  suite.check({
    op: 'conv2d', note: 'threads, padding 1', inputs: [{ shape: [2, 8, 24, 24] }, { shape: [16, 8, 3, 3] }, { shape: [16] }],
    run: (x, w, b) => conv2d(x, w, b, { padding: 1 }), layouts: ['contiguous', 'strided'], tol: { atol: 1e-4, rtol: 1e-4 },
  });
  suite.check({ op: 'conv2d', note: 'channels differ', inputs: [{ shape: [2, 4, 9, 11] }, { shape: [6, 3, 3, 3] }], run: (x, w) => conv2d(x, w), throws: true });
});
