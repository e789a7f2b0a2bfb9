/**
 * The conformance harness checked against devices made to differ from the reference: one that claims no float64
 * (its float64 cases are skipped and counted), and two with a kernel broken on purpose (the suite fails, and the
 * message names the op, the device, the dtypes, the layout and the shapes). The devices are the js backend under
 * other names, each running one kernel of its own (changed on purpose) before the js ones.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DType, type Storage, type TypedArray, type View, cast, getBackend, neg, registerBackend, relu } from '../../src/index.js';
import type { HostStorage } from '../../src/backend/device.js';
import { registerKernel } from '../../src/backend/kernels.js';
import { JsDevice } from '../../src/backend/js/index.js';
import { withBackend } from '../helpers/backend.js';
import { conform } from './compare.js';
import { DeviceSuite } from './devices.js';

const js = withBackend('js', () => getBackend());

/** Host storage's elements, for handing a js kernel's result to another device. */
const dataOf = (s: Storage): TypedArray => (s as HostStorage).data;

/** A device of host storage named `name` that runs its own kernels first, then the js ones. */
function variant(name: string, supportsDType: (d: DType) => boolean = () => true): void {
  registerBackend(name, () => Object.assign(new JsDevice(name, [name, 'js']), { supportsDType }));
}

const denseRows = (x: View): boolean => x.strides.length === 0 || x.strides[x.strides.length - 1] === 1;

variant('js-without-float64', (d) => d !== 'float64');
// negation that forgets to negate views whose rows are not dense (transposed, strided)
variant('js-broken-neg');
registerKernel('unary', 'js-broken-neg', (d, op, x, outDType, alpha, beta) =>
  d.adopt(dataOf(js.kernels.unary(op === 'neg' && !denseRows(x) ? 'identity' : op, x, outDType, alpha, beta)), outDType));
// relu's gradient kernel that lets the gradient through where the output is 0 as well
variant('js-broken-relu-grad');
registerKernel('binary', 'js-broken-relu-grad', (d, op, a, b, outShape, outDType) =>
  d.adopt(dataOf(js.kernels.binary(op === 'reluBackward' ? 'mul' : op, a, b, outShape, outDType)), outDType));

describe('conformance harness', () => {
  describe('a device without float64', () => {
    const suite = new DeviceSuite('js-without-float64');
    suite.check({ op: 'neg', inputs: [{ shape: [3, 4] }], run: neg });
    suite.check({ op: 'neg', inputs: [{ shape: [3, 4], dtype: 'float64' }], run: neg });
    suite.check({ op: 'cast', note: 'to float64', inputs: [{ shape: [3, 4] }], needs: ['float64'], run: (x) => cast(x, 'float64') });
    suite.declareCoverage();
    it('has its float64 cases skipped and counted', () => {
      assert.deepEqual(suite.counts, { declared: 3, passed: 1, skipped: 2 });
    });
  });

  it('fails a device whose kernel is wrong on some layouts, naming op, device, dtypes, layout and shapes', () => {
    assert.throws(() => conform('js-broken-neg', { op: 'neg', inputs: [{ shape: [3, 4] }], run: neg }), {
      message: /^neg on js-broken-neg: dtypes float32, layout transposed, shapes \[3, 4\]: output 0: \d+ of 12 elements differ; worst at flat index \d+: js-broken-neg \S+, js \S+/,
    });
  });

  it('fails a device whose forward values agree but whose gradient does not', () => {
    assert.throws(() => conform('js-broken-relu-grad', { op: 'relu', inputs: [{ shape: [6, 5], fill: 'halves' }], run: relu }), {
      message: /^relu on js-broken-relu-grad: dtypes float32, layout contiguous, shapes \[6, 5\]: gradient of input 0 \(its storage \[6, 5\]\): \d+ of 30 elements differ/,
    });
  });
});
