/**
 * Every op validates its inputs, and its error names the op and the offending shapes/dtypes/values. Messages are
 * asserted exactly where they are part of the contract, so a regression in wording is a deliberate change.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as M from '../../src/index.js';
import { Tensor, noGrad, ones, registerBackend, setBackend, tensor, zeros } from '../../src/index.js';
import { JsDevice } from '../../src/backend/js/index.js';
import { withBackend } from '../helpers/backend.js';

const i32 = (data: number[] | number[][]) => tensor(data, { dtype: 'int32' });
const z = (...shape: number[]) => zeros(shape);

/** [what, call, exact message or pattern, error class] */
type Row = [string, () => unknown, string | RegExp, (new (...a: any[]) => Error)?];

function check(rows: Row[]): void {
  for (const [what, call, message, kind] of rows) {
    test(what, () => {
      assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof Error, `${what}: threw a non-Error ${String(e)}`);
        if (kind) assert.ok(e instanceof kind, `${what}: expected a ${kind.name}, got ${e.constructor.name}: ${e.message}`);
        if (typeof message === 'string') assert.equal(e.message, message);
        else assert.match(e.message, message);
        return true;
      });
    });
  }
}

describe('matmul, dot, outer', () => {
  check([
    ['2-D inner dims differ', () => M.matmul(z(2, 3), z(4, 5)), 'matmul: shapes [2,3] and [4,5] cannot be multiplied (3 != 4)', RangeError],
    ['1-D lengths differ', () => M.matmul(z(3), z(4)), 'matmul: shapes [3] and [4] cannot be multiplied (3 != 4)', RangeError],
    ['2-D . 1-D names the original shapes', () => M.matmul(z(2, 3), z(4)), 'matmul: shapes [2,3] and [4] cannot be multiplied (3 != 4)', RangeError],
    ['1-D . 2-D names the original shapes', () => z(3).matmul(z(4, 2)), 'matmul: shapes [3] and [4,2] cannot be multiplied (3 != 4)', RangeError],
    ['0-d operand', () => M.matmul(z(), z(3)), 'matmul: both arguments need at least 1 dim, got shapes [] and [3]', RangeError],
    ['dtypes differ', () => M.matmul(z(2, 3), zeros([3, 2], { dtype: 'float64' })), 'matmul: dtypes float32 and float64 differ (convert one with .to())', TypeError],
    ['bool operands', () => M.matmul(tensor([true]), tensor([true])), 'matmul: bool tensors are not supported', TypeError],
    ['dot of 2-D', () => M.dot(z(3, 1), z(3)), 'dot: expects two 1-D tensors, got shapes [3,1] and [3]', RangeError],
    ['dot lengths differ', () => M.dot(z(3), z(4)), 'dot: shapes [3] and [4] have different lengths', RangeError],
    ['outer of 2-D', () => M.outer(z(3), z(2, 2)), 'outer: expects two 1-D tensors, got shapes [3] and [2,2]', RangeError],
  ]);
});

test('matmul: batch dims that cannot broadcast are reported with both full shapes', () => {
  assert.throws(() => M.matmul(z(2, 3, 4), z(3, 4, 5)), { message: /^matmul: .*\[2,3,4\].*\[3,4,5\]/ });
  assert.throws(() => M.matmul(z(2, 1, 3, 4), z(5, 2, 4, 4)), { message: 'matmul: batch dims of shapes [2,1,3,4] and [5,2,4,4] cannot be broadcast together (2 != 5 at batch dim 0)' });
});

describe('broadcasting', () => {
  check([
    ['add', () => M.add(z(2, 3), z(4, 3)), 'add: shapes [2,3] and [4,3] cannot be broadcast together (2 != 4 at dim 0)', RangeError],
    ['add with more dims on the right', () => z(3).add(z(2, 2)), 'add: shapes [3] and [2,2] cannot be broadcast together (3 != 2 at dim 1)', RangeError],
    ['where', () => M.where(zeros([2], { dtype: 'bool' }), z(3), z(3)), 'where: shapes [2] and [3] cannot be broadcast together (2 != 3 at dim 0)', RangeError],
    ['in-place source larger than target', () => z(2).copy_(z(2, 2)), 'copy_: source of shape [2,2] cannot be broadcast into [2]', RangeError],
    ['in-place add growing the target', () => z(2).add_(z(3, 2)), 'add_: source of shape [3,2] cannot be broadcast into [2]', RangeError],
    ['maskedFill mask incompatible', () => z(2, 3).maskedFill(zeros([4, 3], { dtype: 'bool' }), 1), 'maskedFill: shapes [4,3] and [2,3] cannot be broadcast together (4 != 2 at dim 0)', RangeError],
    ['maskedFill mask that would grow the input', () => z(3).maskedFill(zeros([2, 3], { dtype: 'bool' }), 1), 'maskedFill: mask [2,3] would change the shape of [3]', RangeError],
  ]);
  const binaries: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['sub', M.sub], ['mul', M.mul], ['div', M.div], ['pow', M.pow], ['maximum', M.maximum], ['minimum', M.minimum],
    ['eq', M.eq], ['ne', M.ne], ['lt', M.lt], ['le', M.le], ['gt', M.gt], ['ge', M.ge],
    ['logicalAnd', M.logicalAnd], ['logicalOr', M.logicalOr], ['logicalXor', M.logicalXor],
  ];
  check(binaries.map(([name, f]): Row => [
    `${name} names itself and both shapes`, () => f(z(2, 3), z(3, 2)), `${name}: shapes [2,3] and [3,2] cannot be broadcast together (2 != 3 at dim 0)`, RangeError,
  ]));
});

describe('cat and stack', () => {
  check([
    ['cat: other dims differ', () => M.cat([z(2, 3), z(2, 4)], 0), 'cat: shapes [2,3] and [2,4] must match except in dim 0', RangeError],
    ['cat: ndim differs', () => M.cat([z(2, 3), z(1, 2, 3)], 1), 'cat: shapes [2,3] and [1,2,3] must match except in dim 1', RangeError],
    ['cat: third tensor differs', () => M.cat([z(2, 3), z(1, 3), z(1, 2)]), 'cat: shapes [2,3] and [1,2] must match except in dim 0', RangeError],
    ['cat: empty list', () => M.cat([]), 'cat: expects a non-empty list of tensors', RangeError],
    ['cat: dim out of range', () => M.cat([z(2, 3)], 2), 'cat: dim 2 is out of range for a tensor with 2 dims (expected -2..1)', RangeError],
    ['stack: shapes differ', () => M.stack([z(2, 3), z(3, 2)]), 'stack: all tensors must have the same shape, got [2,3] and [3,2]', RangeError],
    ['stack: empty list', () => M.stack([]), 'stack: expects a non-empty list of tensors', RangeError],
    ['stack: dim out of range (ndim + 1 allowed)', () => M.stack([z(2), z(2)], 2), 'stack: dim 2 is out of range for a tensor with 2 dims (expected -2..1)', RangeError],
  ]);
});

describe('reshape and view', () => {
  check([
    ['reshape to the wrong size', () => z(2, 3).reshape(4, 2), 'reshape: shape [4,2] is invalid for input of size 6', RangeError],
    ['reshape with -1 that does not divide', () => z(2, 3).reshape(4, -1), 'reshape: shape [4,-1] is invalid for input of size 6', RangeError],
    ['reshape with two -1', () => z(2, 3).reshape(-1, -1), 'reshape: invalid shape [-1,-1] (only one dim may be -1, the rest non-negative integers)', RangeError],
    ['reshape with a fraction', () => z(2, 3).reshape(1.5, 4), 'reshape: invalid shape [1.5,4] (only one dim may be -1, the rest non-negative integers)', RangeError],
    ['view to the wrong size', () => z(2, 3).view(7), 'view: shape [7] is invalid for input of size 6', RangeError],
    ['view of a transpose that needs a copy', () => z(3, 4).t().view(12), "view: shape [12] is incompatible with the input's strides (size [4,3]); use reshape() or contiguous() first", RangeError],
    ['flatten with start after end', () => z(2, 3, 4).flatten(2, 1), 'flatten: startDim 2 comes after endDim 1', RangeError],
  ]);
});

describe('dims out of range name the op', () => {
  const x = z(2, 3);
  const ops: [string, (d: number) => unknown][] = [
    ['sum', (d) => x.sum(d)], ['mean', (d) => x.mean(d)], ['max', (d) => x.max(d)], ['min', (d) => x.min(d)],
    ['prod', (d) => x.prod(d)], ['var', (d) => x.var(d)], ['logsumexp', (d) => x.logsumexp(d)],
    ['argmax', (d) => x.argmax(d)], ['argmin', (d) => x.argmin(d)],
    ['softmax', (d) => x.softmax(d)], ['logSoftmax', (d) => x.logSoftmax(d)], ['transpose', (d) => x.transpose(0, d)],
    ['permute', (d) => x.permute(0, d)], ['squeeze', (d) => x.squeeze(d)], ['slice', (d) => x.slice(d, 0, 1)],
    ['narrow', (d) => x.narrow(d, 0, 1)], ['select', (d) => x.select(d, 0)], ['split', (d) => x.split(1, d)],
    ['chunk', (d) => x.chunk(2, d)], ['flatten', (d) => x.flatten(d)],
    ['gather', (d) => x.gather(d, zeros([2, 3], { dtype: 'int32' }))], ['indexSelect', (d) => x.indexSelect(d, i32([0]))],
    ['scatterAdd', (d) => x.scatterAdd(d, zeros([2, 3], { dtype: 'int32' }), x)], ['indexAdd', (d) => x.indexAdd(d, i32([0]), x)],
  ];
  check(ops.flatMap(([name, f]): Row[] => [
    [`${name}: dim 2`, () => f(2), `${name}: dim 2 is out of range for a tensor with 2 dims (expected -2..1)`, RangeError],
    [`${name}: dim -3`, () => f(-3), `${name}: dim -3 is out of range for a tensor with 2 dims (expected -2..1)`, RangeError],
  ]));
  check([
    ['unsqueeze allows ndim, not ndim + 1', () => x.unsqueeze(3), 'unsqueeze: dim 3 is out of range for a tensor with 3 dims (expected -3..2)', RangeError],
    ['a non-integer dim', () => x.sum(0.5), 'sum: dim 0.5 is out of range for a tensor with 2 dims (expected -2..1)', RangeError],
    ['a repeated dim in a reduction', () => x.sum([0, -2]), 'sum: dim 0,0 appears more than once', RangeError],
    ['permute with a repeated dim', () => x.permute(1, 1), 'permute: dims [1,1] repeat a dim', RangeError],
    ['permute with too few dims', () => x.permute(0), 'permute: got 1 dims [0] for a tensor of shape [2,3]', RangeError],
  ]);
});

test('std: a bad dim is reported as std, not var', () => {
  assert.throws(() => z(2, 3).std(2), { message: /^std: dim 2 is out of range/ });
  assert.throws(() => i32([1, 2]).std(), { message: 'std: needs a floating point tensor, got int32 (convert with .float())' });
  assert.throws(() => i32([1, 2]).var(), { message: 'var: needs a floating point tensor, got int32 (convert with .float())' });
});

describe('shape ops', () => {
  check([
    ['expand a non-1 dim', () => z(2, 3).expand(4, 3), 'expand: shape [2,3] cannot be expanded to [4,3] (dim 0: 2 -> 4)', RangeError],
    ['expand to fewer dims', () => z(2, 3).expand(3), 'expand: cannot expand shape [2,3] to fewer dims [3]', RangeError],
    ['expand a new leading dim with -1', () => z(3).expand(-1, 3), 'expand: invalid target shape [-1,3]', RangeError],
    ['select out of range', () => z(2, 3).select(1, 3), 'select: index 3 is out of range for dim 1 of size 3', RangeError],
    ['select negative out of range', () => z(2, 3).select(0, -3), 'select: index -3 is out of range for dim 0 of size 2', RangeError],
    ['narrow past the end', () => z(2, 3).narrow(1, 2, 2), 'narrow: start 2 and length 2 are out of range for dim 1 of shape [2,3]', RangeError],
    ['slice with step 0', () => z(2, 3).slice(1, 0, 2, 0), 'slice: step must be a positive integer, got 0', RangeError],
    ['slice with a negative step', () => z(2, 3).slice(1, 0, 2, -1), 'slice: step must be a positive integer, got -1', RangeError],
    ['split sizes that do not add up', () => z(2, 3).split([1, 1], 1), 'split: sizes [1,1] sum to 2, but dim 1 has size 3', RangeError],
    ['split size 0', () => z(2, 3).split(0), 'split: split size must be a positive integer, got 0', RangeError],
    ['chunk 0', () => z(2, 3).chunk(0), 'chunk: chunks must be a positive integer, got 0', RangeError],
    ['repeat with too few counts', () => z(2, 3).repeat(2), 'repeat: needs at least 2 repeat counts for shape [2,3], got [2]', RangeError],
    ['pad of odd length', () => z(2, 3).pad([1]), 'pad: padding [1] must have an even length of at most 2*ndim (4) for shape [2,3]', RangeError],
    ['pad longer than 2*ndim', () => z(2, 3).pad([1, 1, 1, 1, 1, 1]), 'pad: padding [1,1,1,1,1,1] must have an even length of at most 2*ndim (4) for shape [2,3]', RangeError],
    ['negative pad', () => z(2, 3).pad([-1, 1]), 'pad: padding [-1,1] must be non-negative integers', RangeError],
    ['triu of 1-D', () => z(3).triu(), 'triu: expects a tensor with at least 2 dims, got shape [3]', RangeError],
    ['tril of 0-d', () => z().tril(), 'tril: expects a tensor with at least 2 dims, got shape []', RangeError],
    ['t of 3-D', () => z(2, 3, 4).t(), 't: expects a tensor with at most 2 dims, got shape [2,3,4]; use transpose(dim0, dim1)', RangeError],
    ['maskedFill with a float mask', () => z(2).maskedFill(z(2), 1), 'maskedFill: mask must be a bool tensor, got float32', TypeError],
  ]);
});

describe('dtypes', () => {
  check([
    ['mean of int32', () => M.mean(i32([1, 2])), 'mean: needs a floating point tensor, got int32 (convert with .float())', TypeError],
    ['softmax of int32', () => M.softmax(i32([1, 2]), 0), 'softmax: needs a floating point tensor, got int32', TypeError],
    ['logSoftmax of bool', () => M.logSoftmax(tensor([true]), 0), 'logSoftmax: needs a floating point tensor, got bool', TypeError],
    ['dropout of int32', () => M.dropout(i32([1, 2])), 'dropout: needs a floating point tensor, got int32', TypeError],
    ['where with a float condition', () => M.where(z(3), z(3), z(3)), 'where: condition must be a bool tensor, got float32', TypeError],
    ['gather with a float index', () => M.gather(z(2, 3), 1, z(2, 2)), 'gather: index must be an int32 tensor, got float32', TypeError],
    ['indexSelect with a bool index', () => M.indexSelect(z(2, 3), 1, tensor([true])), 'indexSelect: index must be an int32 tensor, got bool', TypeError],
    ['scatterAdd with src of another dtype', () => M.scatterAdd(z(2, 3), 1, i32([[0]]), zeros([1, 1], { dtype: 'float64' })), 'scatterAdd: src dtype float64 differs from input dtype float32', TypeError],
    ['indexAdd with src of another dtype', () => M.indexAdd(z(2, 3), 0, i32([0]), zeros([1, 3], { dtype: 'int32' })), 'indexAdd: src dtype int32 differs from input dtype float32', TypeError],
    ['embedding with float indices', () => M.embedding(tensor([1]), z(3, 2)), 'embedding: indices must be int32, got float32', TypeError],
    ['oneHot with float indices', () => M.oneHot(tensor([1])), 'oneHot: indices must be int32, got float32', TypeError],
    ['requiresGrad on int32', () => i32([1]).requiresGrad_(), 'requiresGrad: only floating point tensors can require gradients (got int32)', TypeError],
    ['requiresGrad on bool at creation', () => tensor([true], { requiresGrad: true }), 'requiresGrad: only floating point tensors can require gradients (got bool)', TypeError],
    ['conv2d of int32', () => M.conv2d(zeros([1, 1, 3, 3], { dtype: 'int32' }), z(1, 1, 1, 1)), 'conv2d: needs a floating point input, got int32', TypeError],
    ['conv2d weight of another dtype', () => M.conv2d(z(1, 1, 3, 3), zeros([1, 1, 1, 1], { dtype: 'float64' })), 'conv2d: input is float32 but weight is float64', TypeError],
    ['conv2d bias of another dtype', () => M.conv2d(z(1, 1, 3, 3), z(1, 1, 1, 1), zeros([1], { dtype: 'float64' })), 'conv2d: input is float32 but bias is float64', TypeError],
    ['maxPool2d of int32', () => M.maxPool2d(zeros([1, 1, 4, 4], { dtype: 'int32' }), 2), 'maxPool2d: needs a floating point input, got int32', TypeError],
    ['avgPool2d of bool', () => M.avgPool2d(zeros([1, 4, 4], { dtype: 'bool' }), 2), 'avgPool2d: needs a floating point input, got bool', TypeError],
    ['adaptiveAvgPool2d of int32', () => M.adaptiveAvgPool2d(zeros([1, 4, 4], { dtype: 'int32' }), 2), 'adaptiveAvgPool2d: needs a floating point input, got int32', TypeError],
  ]);
});

describe('indexing', () => {
  check([
    ['gather index of another ndim', () => M.gather(z(2, 3), 1, i32([1])), 'gather: index of shape [1] does not fit input of shape [2,3] along dim 1', RangeError],
    ['gather index larger than the input off the dim', () => M.gather(z(2, 3), 1, zeros([3, 1], { dtype: 'int32' })), 'gather: index of shape [3,1] does not fit input of shape [2,3] along dim 1', RangeError],
    ['gather index value out of bounds', () => M.gather(z(2, 3), 1, i32([[5]])), 'gather: index 5 is out of bounds for dimension of size 3', RangeError],
    ['gather negative index value', () => M.gather(z(2, 3), 0, i32([[-1]])), 'gather: index -1 is out of bounds for dimension of size 2', RangeError],
    ['indexSelect index value out of bounds', () => M.indexSelect(z(2, 3), 1, i32([5])), 'indexSelect: index 5 is out of bounds for dimension of size 3', RangeError],
    ['indexSelect with a 2-D index', () => M.indexSelect(z(2, 3), 1, i32([[0]])), 'indexSelect: index must be 1-D, got shape [1,1]', RangeError],
    ['scatterAdd index value out of bounds', () => M.scatterAdd(z(2, 3), 1, i32([[5]]), z(1, 1)), 'scatterAdd: index 5 is out of bounds for dimension of size 3', RangeError],
    ['scatterAdd index larger than src', () => M.scatterAdd(z(2, 3), 1, zeros([1, 2], { dtype: 'int32' }), z(1, 1)), 'scatterAdd: index [1,2], src [1,1] and input [2,3] do not fit along dim 1', RangeError],
    ['indexAdd src of the wrong shape', () => M.indexAdd(z(2, 3), 0, i32([0]), z(2, 3)), 'indexAdd: src of shape [2,3] must have shape [1,3] for index of shape [1]', RangeError],
    ['indexAdd index value out of bounds', () => M.indexAdd(z(2, 3), 0, i32([7]), z(1, 3)), 'indexAdd: index 7 is out of bounds for dimension of size 2', RangeError],
    ['embedding weight not 2-D', () => M.embedding(i32([1]), z(3)), 'embedding: weight must be 2-D [numEmbeddings, dim], got shape [3]', RangeError],
    ['oneHot class out of range', () => M.oneHot(i32([0, 3]), 2), 'oneHot: class values must be in [0, 2), got values from 0 to 3', RangeError],
    ['oneHot negative class', () => M.oneHot(i32([-1, 1])), 'oneHot: class values must be in [0, 2), got values from -1 to 1', RangeError],
  ]);
});

test('cast: an unknown dtype name is refused with a message', () => {
  assert.throws(() => z(2).to('int8' as never), { message: /^cast: unknown dtype 'int8'/ });
});

test('embedding: an index out of range is reported as embedding', () => {
  assert.throws(() => M.embedding(i32([5]), z(3, 2)), { message: /^embedding: .*5.*3/ });
  assert.throws(() => M.embedding(i32([[0, -1]]), z(3, 2)), { message: 'embedding: index -1 is out of bounds for dimension of size 3 (the rows of weight [3,2])' });
});

describe('convolution and pooling', () => {
  check([
    ['conv2d channel mismatch', () => M.conv2d(z(1, 3, 5, 5), z(2, 2, 3, 3)), 'conv2d: input [1,3,5,5] has 3 channels but weight [2,2,3,3] expects 2 (2 per group x 1 groups)', RangeError],
    ['conv2d channel mismatch with groups', () => M.conv2d(z(1, 4, 5, 5), z(2, 1, 3, 3), null, { groups: 2 }), 'conv2d: input [1,4,5,5] has 4 channels but weight [2,1,3,3] expects 2 (1 per group x 2 groups)', RangeError],
    ['conv2d output channels not divisible by groups', () => M.conv2d(z(1, 4, 5, 5), z(3, 2, 3, 3), null, { groups: 2 }), 'conv2d: 3 output channels are not divisible by groups=2', RangeError],
    ['conv2d groups 0', () => M.conv2d(z(1, 4, 5, 5), z(3, 2, 3, 3), null, { groups: 0 }), 'conv2d: groups must be a positive integer, got 0', RangeError],
    ['conv2d input too small', () => M.conv2d(z(1, 3, 2, 2), z(2, 3, 3, 3)), 'conv2d: input [1,3,2,2] is too small for kernel 3x3 (dilation [1,1], padding [0,0]): output would be 0x0', RangeError],
    ['conv2d 2-D input', () => M.conv2d(z(3, 5), z(2, 3, 3, 3)), 'conv2d: expected a 3-D (unbatched) or 4-D (batched) input, got shape [3,5]', RangeError],
    ['conv2d 3-D weight', () => M.conv2d(z(1, 3, 5, 5), z(2, 3, 3)), 'conv2d: weight must be 4-D, got shape [2,3,3]', RangeError],
    ['conv2d bias of the wrong length', () => M.conv2d(z(1, 3, 5, 5), z(2, 3, 3, 3), z(3)), 'conv2d: bias must have shape [2] (one per output channel), got [3]', RangeError],
    ['conv2d stride 0', () => M.conv2d(z(1, 3, 5, 5), z(2, 3, 3, 3), null, { stride: 0 }), 'conv2d: stride must be an integer >= 1 or a pair of them, got 0', RangeError],
    ['conv2d negative padding', () => M.conv2d(z(1, 3, 5, 5), z(2, 3, 3, 3), null, { padding: [1, -1] }), 'conv2d: padding must be an integer >= 0 or a pair of them, got [1,-1]', RangeError],
    ['conv2d dilation 0', () => M.conv2d(z(1, 3, 5, 5), z(2, 3, 3, 3), null, { dilation: 0 }), 'conv2d: dilation must be an integer >= 1 or a pair of them, got 0', RangeError],
    ["conv2d padding 'same' with stride 2", () => M.conv2d(z(1, 3, 5, 5), z(2, 3, 3, 3), null, { stride: 2, padding: 'same' }), "conv2d: padding='same' needs stride 1, got stride [2,2]", RangeError],
    ['conv1d stride given as a pair', () => M.conv1d(z(1, 3, 5), z(2, 3, 3), null, { stride: [1, 2] }), 'conv1d: stride must be an integer, got [1,2]', RangeError],
    ['conv1d 2-D weight', () => M.conv1d(z(1, 3, 5), z(2, 3)), 'conv1d: weight must be 3-D, got shape [2,3]', RangeError],
    ['convTranspose2d channel mismatch', () => M.convTranspose2d(z(1, 3, 5, 5), z(2, 2, 3, 3)), 'convTranspose2d: input [1,3,5,5] has 3 channels but weight [2,2,3,3] expects 2', RangeError],
    ['convTranspose2d input channels not divisible by groups', () => M.convTranspose2d(z(1, 3, 5, 5), z(3, 2, 3, 3), null, { groups: 2 }), 'convTranspose2d: 3 input channels are not divisible by groups=2', RangeError],
    ['convTranspose2d outputPadding below neither stride nor dilation', () => M.convTranspose2d(z(1, 2, 5, 5), z(2, 2, 3, 3), null, { outputPadding: 1 }), 'convTranspose2d: outputPadding [1,1] must be smaller than either stride [1,1] or dilation [1,1] in each dim', RangeError],
    ['convTranspose2d outputPadding below the dilation in one dim only', () => M.convTranspose2d(z(1, 2, 5, 5), z(2, 2, 3, 3), null, { stride: [2, 1], dilation: [1, 3], outputPadding: [2, 1] }), 'convTranspose2d: outputPadding [2,1] must be smaller than either stride [2,1] or dilation [1,3] in each dim', RangeError],
    ['convTranspose2d padding eating the output', () => M.convTranspose2d(z(1, 2, 1, 1), z(2, 2, 1, 1), null, { padding: 1 }), 'convTranspose2d: output would be -1x-1 for input [1,2,1,1]', RangeError],
    ['maxPool2d of 2-D', () => M.maxPool2d(z(5, 5), 2), 'maxPool2d: expected a 3-D [C,H,W] or 4-D [N,C,H,W] input, got shape [5,5]', RangeError],
    ['maxPool2d padding above half the kernel', () => M.maxPool2d(z(1, 1, 5, 5), 2, { padding: 2 }), 'maxPool2d: padding [2,2] must be at most half the kernel size [2,2]', RangeError],
    ['maxPool2d input too small', () => M.maxPool2d(z(1, 1, 1, 1), 2), 'maxPool2d: input [1,1,1,1] is too small for kernel [2,2] (output would be 0x0)', RangeError],
    ['maxPool2d kernel 0', () => M.maxPool2d(z(1, 1, 4, 4), 0), 'maxPool2d: kernelSize must be an integer >= 1 or a pair of them, got 0', RangeError],
    ['avgPool2d of 5-D', () => M.avgPool2d(z(1, 1, 1, 4, 4), 2), 'avgPool2d: expected a 3-D [C,H,W] or 4-D [N,C,H,W] input, got shape [1,1,1,4,4]', RangeError],
    ['adaptiveAvgPool2d output size 0', () => M.adaptiveAvgPool2d(z(1, 1, 5, 5), 0), 'adaptiveAvgPool2d: output size must be positive integers, got 0', RangeError],
    ['adaptiveAvgPool2d of an empty plane', () => M.adaptiveAvgPool2d(z(1, 1, 0, 5), 2), 'adaptiveAvgPool2d: input [1,1,0,5] has an empty spatial dim', RangeError],
  ]);
});

test('conv1d: errors name conv1d and the shapes the caller passed', () => {
  assert.throws(() => M.conv1d(z(1, 3, 5), z(2, 2, 3)), { message: /^conv1d: input \[1,3,5\] has 3 channels but weight \[2,2,3\] expects 2/ });
  assert.throws(() => M.conv1d(z(1, 3, 2), z(2, 3, 3)), { message: /^conv1d: input \[1,3,2\] is too small/ });
  assert.throws(() => M.conv1d(z(3, 5), z(2, 2, 3)), { message: /^conv1d: input \[3,5\] has 3 channels/ }, 'unbatched input shown as given');
  assert.throws(() => M.conv1d(z(1, 3, 5), z(2, 3, 3), z(3)), { message: 'conv1d: bias must have shape [2] (one per output channel), got [3]' });
  assert.throws(() => M.conv1d(z(1, 3, 5), z(2, 3, 3), null, { stride: 0 }), { message: 'conv1d: stride must be an integer >= 1, got 0' });
  assert.throws(() => M.conv1d(z(1, 3, 5), z(2, 3, 3), null, { stride: 2, padding: 'same' }), { message: "conv1d: padding='same' needs stride 1, got stride 2" });
  assert.throws(() => M.conv1d(z(1, 4, 5), z(2, 1, 3), null, { groups: 3 }), { message: /^conv1d: input \[1,4,5\] has 4 channels but weight \[2,1,3\] expects 3/ });
  assert.throws(() => M.conv2d(z(3, 5, 5), z(2, 2, 3, 3)), { message: /^conv2d: input \[3,5,5\] has 3 channels/ }, 'unbatched conv2d input shown as given');
});

describe('reductions and values', () => {
  check([
    ['max over an empty dim', () => z(0, 3).max(0), 'max: cannot reduce over a zero-size dim of a tensor of shape [0,3]', RangeError],
    ['min of an empty tensor', () => z(0).min(), 'min: cannot reduce over a zero-size dim of a tensor of shape [0]', RangeError],
    ['argmax of an empty tensor', () => z(0).argmax(), 'argmax: cannot take argmax of an empty tensor', RangeError],
    ['argmin over an empty dim', () => z(2, 0).argmin(1), 'argmin: cannot reduce over a zero-size dim of shape [2,0]', RangeError],
    ['clamp with neither bound', () => M.clamp(z(2)), 'clamp: at least one of min and max must be given'],
    ['dropout p above 1', () => M.dropout(z(2), { p: 1.5 }), 'dropout: probability must be in [0, 1], got 1.5', RangeError],
    ['dropout p negative', () => M.dropout(z(2), { p: -0.1 }), 'dropout: probability must be in [0, 1], got -0.1', RangeError],
    ['item of many elements', () => z(2, 3).item(), 'item: only one-element tensors can be converted to a number, got shape [2,3]', RangeError],
    ['item of no elements', () => z(0).item(), 'item: only one-element tensors can be converted to a number, got shape [0]', RangeError],
  ]);
});

describe('autograd', () => {
  test('backward twice through a freed graph names the op and the fix', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward();
    assert.throws(() => y.backward(), {
      message: 'backward: trying to go through the graph a second time (at sum); its saved tensors were freed after the first ' +
        'backward. Pass { retainGraph: true } to the first backward() if you need to call it twice.',
    });
  });

  test('a second loss sharing a freed subgraph fails at the shared op', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.exp();
    h.sum().backward();
    assert.throws(() => h.mul(2).sum().backward(), { message: /^backward: trying to go through the graph a second time \(at exp\)/ });
  });

  check([
    ['backward of a non-scalar without a gradient', () => { const x = tensor([[1, 2], [3, 4]], { requiresGrad: true }); x.mul(2).backward(); },
      'backward: grad can be implicitly created only for a tensor with one element, got shape [2,2]', Error],
    ['backward with a gradient of the wrong shape', () => { const x = tensor([[1, 2], [3, 4]], { requiresGrad: true }); x.mul(2).backward(ones([4])); },
      'backward: gradient shape [4] does not match tensor shape [2,2]', RangeError],
    ['backward of a tensor that does not require grad', () => tensor([1]).sum().backward(),
      'backward: this tensor does not require grad and has no gradFn (did any input have requiresGrad: true?)'],
    ['backward inside noGrad: nothing was recorded', () => { const x = tensor([1], { requiresGrad: true }); noGrad(() => x.mul(2)).backward(); },
      'backward: this tensor does not require grad and has no gradFn (did any input have requiresGrad: true?)'],
    ['retainGrad on a tensor without grad', () => tensor([1]).retainGrad(), "retainGrad: can't retain the gradient of a tensor that does not require grad"],
    ['turning off requiresGrad of a non-leaf', () => { const y = tensor([1], { requiresGrad: true }).mul(2); y.requiresGrad = false; },
      'requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach() instead'],
    ['in-place change of a leaf that requires grad', () => tensor([1], { requiresGrad: true }).add_(1),
      'add_: a leaf tensor that requires grad cannot be changed in place while gradients are recorded; wrap the update in noGrad()'],
    ['fill_ of a leaf that requires grad', () => tensor([1], { requiresGrad: true }).fill_(0),
      'fill_: a leaf tensor that requires grad cannot be changed in place while gradients are recorded; wrap the update in noGrad()'],
  ]);
});

describe('backends', () => {
  // a second instance of the reference backend under another name: tensors on it are on a different backend
  registerBackend('js-second', () => {
    const b = new JsDevice();
    Object.defineProperty(b, 'name', { value: 'js-second' });
    return b;
  });

  const onSecond = <T>(f: () => T): T => withBackend('js-second', f);
  const onJs = <T>(f: () => T): T => withBackend('js', f);
  check([
    ['unknown backend', () => setBackend('nope'), /^setBackend: unknown backend 'nope' \(available: (.*, )?js, (.*, )?js-second(, .*)?\)$/],
    ['add across backends', () => { const b = onSecond(() => ones([2])); return onJs(() => ones([2])).add(b); },
      "add: tensors are on different backends ('js' and 'js-second'); move one with toBackend()"],
    ['matmul across backends', () => { const b = onSecond(() => ones([2, 2])); return ones([2, 2]).matmul(b); }, /^matmul: tensors are on different backends/],
    ['cat across backends', () => { const b = onSecond(() => ones([2])); return M.cat([ones([2]), b]); }, /^cat: tensors are on different backends/],
    ['where across backends', () => { const b = onSecond(() => ones([2])); return M.where(tensor([true, false]), ones([2]), b); }, /^where: tensors are on different backends/],
    ['gather across backends', () => { const i = onSecond(() => i32([0])); return M.gather(ones([2]), 0, i); }, /^gather: tensors are on different backends/],
    ['conv2d across backends', () => { const w = onSecond(() => ones([1, 1, 1, 1])); return M.conv2d(ones([1, 1, 2, 2]), w); }, /^conv2d: tensors are on different backends/],
  ]);
  test('the cross-backend error suggests a method that exists', () => {
    assert.equal(typeof (Tensor.prototype as unknown as Record<string, unknown>).toBackend, 'function');
    // following the advice works: the move is differentiable and the gradient comes back to the original backend
    const x = onJs(() => tensor([1, 2], { requiresGrad: true }));
    const y = onSecond(() => ones([2]));
    const moved = x.toBackend('js-second');
    assert.equal(moved.device, 'js-second');
    assert.equal(x.toBackend('js'), x, 'no copy when already there');
    moved.mul(y).mul(3).sum().backward();
    assert.equal(x.grad!.device, 'js');
    assert.deepEqual(x.grad!.toArray(), [3, 3]);
    assert.throws(() => x.toBackend('nope'), { message: /^toBackend: unknown backend 'nope' \(available: / });
  });
});
