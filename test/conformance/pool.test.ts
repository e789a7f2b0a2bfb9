/**
 * Conformance: max pooling (with its indices), average pooling and adaptive average pooling, with stride, padding,
 * dilation and ceilMode, on every registered device against the js reference. Inputs hold many ties (halves),
 * which decide the argmax and where max pooling's gradient goes. See devices.ts for how a device joins.
 */
import {
  type AvgPool2dOptions, type DType, type MaxPool2dOptions, adaptiveAvgPool2d, avgPool2d, maxPool2d, maxPool2dWithIndices,
} from '../../src/index.js';
import { eachDevice } from './devices.js';

const note = (k: unknown, o: object): string => `kernel ${JSON.stringify(k)} ${JSON.stringify(o).replace(/"/g, '')}`;

const MAX: [number | [number, number], MaxPool2dOptions][] = [
  [2, {}],
  [3, { stride: 2, padding: 1 }],
  [[2, 3], { stride: [1, 2], dilation: 2 }],
  [3, { stride: 2, ceilMode: true }],
];
const AVG: [number | [number, number], AvgPool2dOptions][] = [
  [2, {}],
  [3, { stride: 2, padding: 1 }],
  [3, { stride: 2, padding: 1, countIncludePad: false }],
  [[2, 3], { stride: 2, ceilMode: true }],
];
const ADAPTIVE: (number | [number | null, number | null])[] = [[4, 3], 1, [null, 5], [11, 13]];

eachDevice('pooling', (suite) => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    const x = { shape: [2, 3, 9, 11], dtype, fill: 'halves' as const };
    for (const [k, o] of MAX) {
      suite.check({ op: 'maxPool2d', note: note(k, o), inputs: [x], run: (t) => maxPool2d(t, k, o) });
      suite.check({ op: 'maxPool2dWithIndices', note: note(k, o), inputs: [x], run: (t) => maxPool2dWithIndices(t, k, o) });
    }
    for (const [k, o] of AVG) suite.check({ op: 'avgPool2d', note: note(k, o), inputs: [x], run: (t) => avgPool2d(t, k, o) });
    for (const size of ADAPTIVE) {
      suite.check({ op: 'adaptiveAvgPool2d', note: `size ${JSON.stringify(size)}`, inputs: [x], run: (t) => adaptiveAvgPool2d(t, size) });
    }
    // unbatched
    suite.check({ op: 'maxPool2d', note: 'kernel 2, unbatched', inputs: [{ ...x, shape: [3, 9, 11] }], run: (t) => maxPool2d(t, 2) });
    suite.check({ op: 'avgPool2d', note: 'kernel 2, unbatched', inputs: [{ ...x, shape: [3, 9, 11] }], run: (t) => avgPool2d(t, 2) });
  }
  suite.check({ op: 'maxPool2d', note: 'kernel larger than the input', inputs: [{ shape: [1, 2, 3, 3] }], run: (t) => maxPool2d(t, 5), throws: true });
});
