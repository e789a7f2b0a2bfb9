/**
 * Conformance: what shape ops ask of a device (copies of views, cat, stack, pad, repeat, triangles, maskedFill) and
 * in-place ops (add_, sub_, mul_, div_, clamp_, fill_, copy_, zero_) on tensors, on views of them and through the
 * graph, and a move to the reference and back (toBackend), on every registered device against the js reference. See
 * devices.ts for how a device joins.
 */
import { Tensor, type DType, cat, maskedFill, pad, stack } from '../../src/index.js';
import { REFERENCE } from './compare.js';
import { eachDevice } from './devices.js';

const ALL: DType[] = ['float32', 'float64', 'int32', 'bool'];

type InPlace = (t: Tensor, other: Tensor) => Tensor;
/** In-place ops (the call, shown in the title), each given a second tensor of the shape it writes, which some ignore. */
const IN_PLACE: [string, string, InPlace][] = [
  ['add_', 'other', (t, o) => t.add_(o)],
  ['add_', 'other, alpha 0.5', (t, o) => t.add_(o, 0.5)],
  ['sub_', 'other, alpha 2', (t, o) => t.sub_(o, 2)],
  ['mul_', 'other', (t, o) => t.mul_(o)],
  ['mul_', '3', (t) => t.mul_(3)],
  ['div_', '|other| + 0.5', (t, o) => t.div_(o.abs().add(0.5))],
  ['clamp_', '-0.5, 0.7', (t) => t.clamp_(-0.5, 0.7)],
  ['fill_', '1.25', (t) => t.fill_(1.25)],
  ['zero_', '', (t) => t.zero_()],
  ['copy_', 'other', (t, o) => t.copy_(o)],
];

eachDevice('shape and in-place ops', (suite) => {
  for (const dtype of ALL) {
    const x = { shape: [6, 7, 5], dtype };
    suite.check({ op: 'contiguous', inputs: [x], run: (t) => t.contiguous() });
    suite.check({ op: 'clone', inputs: [x], run: (t) => t.clone() });
    suite.check({ op: 'reshape', note: 'of a view, a copy', inputs: [x], run: (t) => t.reshape(-1) });
    suite.check({ op: 'expand', note: 'then contiguous', inputs: [{ shape: [6, 1, 5], dtype }], run: (t) => t.expand(6, 4, 5).contiguous() });
    suite.check({ op: 'cat', note: 'dim 1', inputs: [x, { shape: [6, 3, 5], dtype }, { shape: [6, 0, 5], dtype }], run: (a, b, c) => cat([a, b, c], 1) });
    suite.check({ op: 'stack', note: 'dim 2', inputs: [x, x], run: (a, b) => stack([a, b], 2) });
    suite.check({ op: 'pad', note: '[1, 2, 0, 3]', inputs: [x], run: (t) => pad(t, [1, 2, 0, 3], dtype === 'bool' ? 1 : 2) });
    suite.check({ op: 'repeat', note: '[2, 1, 3]', inputs: [x], run: (t) => t.repeat(2, 1, 3) });
    suite.check({ op: 'triu', note: 'diagonal 1', inputs: [x], run: (t) => t.triu(1) });
    suite.check({ op: 'tril', note: 'diagonal -1', inputs: [x], run: (t) => t.tril(-1) });
    suite.check({ op: 'maskedFill', inputs: [x, { shape: [7, 1], dtype: 'bool' }], run: (t, m) => maskedFill(t, m, 1) });
    suite.check({ op: 'split', note: '[2, 4, 1] along dim 1', inputs: [x], run: (t) => t.split([2, 4, 1], 1).map((p) => p.contiguous()) });
  }

  for (const dtype of ['float32', 'float64'] as DType[]) {
    for (const [op, args, f] of IN_PLACE) {
      const note = (where: string) => (args ? `${args}, ${where}` : where);
      // on a tensor made by an op: the change is part of the graph, both inputs get gradients
      suite.check({
        op, note: note('on an op result'), inputs: [{ shape: [6, 7], dtype }, { shape: [6, 7], dtype }],
        run: (x, o) => f(x.mul(2), o).mul(x),
      });
      // on a view (every other column) of an op result: the base's gradient is split at the window
      suite.check({
        op, note: note('on a view of an op result'), inputs: [{ shape: [6, 7], dtype }, { shape: [6, 4], dtype }],
        run: (x, o) => {
          const y = x.mul(2);
          f(y.slice(1, 0, null, 2), o);
          return y.sigmoid();
        },
      });
      // on the input itself (no gradient): the write goes through the input's own layout into its storage
      suite.check({
        op, note: note('on the input'), inputs: [{ shape: [6, 7], dtype, grad: false }, { shape: [7], dtype }],
        run: (x, o) => [f(x, o.expand(6, 7)), x.add(0)],
      });
    }
  }
  // across devices and back: the gradient returns along the same way
  suite.check({
    op: 'toBackend', note: 'to the reference and back', inputs: [{ shape: [6, 7] }],
    run: (x) => x.toBackend(REFERENCE).exp().toBackend(x.device).mul(x),
  });
  suite.check({
    op: 'add_', note: 'int32, on the input', inputs: [{ shape: [6, 7], dtype: 'int32' }, { shape: [6, 7], dtype: 'int32' }],
    run: (x, o) => x.add_(o),
  });
  suite.check({
    op: 'add_', note: 'on an expanded view', inputs: [{ shape: [6, 1], grad: false }, { shape: [6, 7] }],
    run: (x, o) => x.expand(6, 7).add_(o), throws: true,
  });
  suite.check({
    op: 'mul_', note: 'on a leaf that requires grad', inputs: [{ shape: [6, 7] }], run: (x) => x.mul_(2), throws: true,
  });
});
