/**
 * Conformance: gather, scatterAdd, indexSelect and indexAdd (repeated indices included, so gradients and additions
 * accumulate) on every registered device against the js reference. See devices.ts for how a device joins.
 */
import { type DType, gather, indexAdd, indexSelect, scatterAdd } from '../../src/index.js';
import { indices } from './compare.js';
import { eachDevice } from './devices.js';

eachDevice('gather and scatter', (suite) => {
  for (const dtype of ['float32', 'float64', 'int32'] as DType[]) {
    const idx = (shape: number[], n: number) => ({ shape, dtype: 'int32' as DType, fill: indices(n) });
    suite.check({ op: 'gather', note: 'dim 1', inputs: [{ shape: [9, 13], dtype }, idx([9, 5], 13)], run: (x, i) => gather(x, 1, i) });
    suite.check({ op: 'gather', note: 'dim 0', inputs: [{ shape: [9, 13], dtype }, idx([12, 10], 9)], run: (x, i) => gather(x, 0, i) });
    suite.check({ op: 'gather', note: 'dim -1', inputs: [{ shape: [4, 5, 6], dtype }, idx([3, 5, 8], 6)], run: (x, i) => gather(x, -1, i) });
    suite.check({ op: 'scatterAdd', note: 'dim 1', inputs: [{ shape: [9, 13], dtype }, idx([9, 5], 13), { shape: [9, 5], dtype }], run: (x, i, s) => scatterAdd(x, 1, i, s) });
    suite.check({ op: 'scatterAdd', note: 'dim 0, src larger than index', inputs: [{ shape: [6, 13], dtype }, idx([11, 13], 6), { shape: [12, 13], dtype }], run: (x, i, s) => scatterAdd(x, 0, i, s) });
    suite.check({ op: 'indexSelect', note: 'dim 0', inputs: [{ shape: [8, 13], dtype }, idx([17], 8)], run: (x, i) => indexSelect(x, 0, i) });
    suite.check({ op: 'indexSelect', note: 'dim 1', inputs: [{ shape: [4, 9, 5], dtype }, idx([6], 9)], run: (x, i) => indexSelect(x, 1, i) });
    suite.check({ op: 'indexSelect', note: 'empty index', inputs: [{ shape: [8, 13], dtype }, idx([0], 8)], run: (x, i) => indexSelect(x, 0, i) });
    suite.check({ op: 'indexSelect', note: '0-d index', inputs: [{ shape: [8, 13], dtype }, idx([], 8)], run: (x, i) => indexSelect(x, 0, i) });
    suite.check({ op: 'indexAdd', note: 'dim 0', inputs: [{ shape: [8, 13], dtype }, idx([17], 8), { shape: [17, 13], dtype }], run: (x, i, s) => indexAdd(x, 0, i, s) });
    suite.check({ op: 'indexAdd', note: 'dim 1', inputs: [{ shape: [4, 9, 5], dtype }, idx([6], 9), { shape: [4, 6, 5], dtype }], run: (x, i, s) => indexAdd(x, 1, i, s) });
  }
  suite.check({ op: 'indexSelect', note: 'index out of range', inputs: [{ shape: [8, 13] }, { shape: [5], dtype: 'int32', fill: indices(20) }], run: (x, i) => indexSelect(x, 0, i.add(8)), throws: true });
  suite.check({ op: 'gather', note: 'index out of range', inputs: [{ shape: [8, 13] }, { shape: [8, 2], dtype: 'int32', fill: indices(20) }], run: (x, i) => gather(x, 1, i.add(13)), throws: true });
});
