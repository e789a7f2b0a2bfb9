/** Ops as records: the registry, the attributes a node keeps, and the graph printed from them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as M from '../../src/index.js';
import { formatGraph, getOp, listOps, noGrad, tensor } from '../../src/index.js';
import { graphNodes } from '../../src/autograd/graph.js';

const x = () => tensor([[1, -2, 3], [4, 5, -6]], { dtype: 'float64' }).requiresGrad_();

test('listOps lists every record once, getOp finds each by name', () => {
  const ops = listOps();
  assert.ok(ops.length > 60, `only ${ops.length} records`);
  assert.equal(new Set(ops.map((op) => op.name)).size, ops.length, 'record names are unique');
  for (const op of ops) assert.equal(getOp(op.name), op);
  assert.equal(getOp('no such op'), undefined);
  for (const name of ['add', 'mul', 'sum', 'matmul', 'linearAct', 'reshape', 'conv2d', 'maxPool2d', 'softmax', 'copySlices', 'eq', 'isnan']) {
    assert.ok(getOp(name), `${name} is a record`);
  }
  // comparisons are records without a backward
  assert.equal(getOp('eq')!.backward, undefined);
  assert.equal(typeof getOp('add')!.backward, 'function');
});

test('the node of a recorded call keeps its record and attributes', () => {
  const s = x().sum(1, true);
  assert.equal(s.gradFn!.op, getOp('sum'));
  assert.equal(s.gradFn!.name, 'sum');
  assert.deepEqual(s.gradFn!.attrs, { dims: [1], keepdim: true });
  assert.deepEqual(x().sum(-1).gradFn!.attrs, { dims: [1], keepdim: false });
  assert.deepEqual(M.leakyRelu(x(), 0.2).gradFn!.attrs, { negativeSlope: 0.2 });
  assert.deepEqual(M.softmax(x(), 0).gradFn!.attrs, { dim: 0 });
  assert.deepEqual(x().permute([1, 0]).gradFn!.attrs, { dims: [1, 0] });
  assert.deepEqual(x().slice(1, 0, 2).gradFn!.attrs, { dim: 1, start: 0, end: 2, step: 1 });
  assert.deepEqual(x().float().gradFn!.attrs, { dtype: 'float32' });
  assert.deepEqual(x().add(1).gradFn!.attrs, { dtype: 'float64' });
  assert.deepEqual(x().exp().gradFn!.attrs, {});
  const c = M.conv2d(tensor([[[[1, 2], [3, 4]]]], { dtype: 'float64' }).requiresGrad_(), M.ones([1, 1, 1, 1], { dtype: 'float64' }), null, { stride: 1 });
  assert.equal(c.gradFn!.op!.name, 'conv2d');
  assert.deepEqual((c.gradFn!.attrs as { stride: number[] }).stride, [1, 1]);
});

test('nothing is recorded without a gradient to record, or by ops without a backward', () => {
  assert.equal(tensor([1, 2]).sum().gradFn, null);
  assert.equal(noGrad(() => x().sum()).gradFn, null);
  const e = x().eq(1);
  assert.equal(e.gradFn, null);
  assert.equal(e.requiresGrad, false);
});

test('ops on tensors that require grad make record nodes (the losses aside)', () => {
  const a = x(), w = tensor([[1, 0, 2], [0, 1, 1]], { dtype: 'float64' }).requiresGrad_();
  const y0 = M.relu(M.matmul(a, w.t()).add(1));
  const z = M.cat([y0.reshape([-1]), a.reshape([-1]).exp()]).max();
  const nodes = graphNodes(z);
  assert.ok(nodes.length >= 8);
  for (const node of nodes) assert.ok(node.op, `${node.name} has a record`);
});

test('formatGraph prints the graph back to the leaves with op names and attributes', () => {
  const a = x();
  const out = a.mul(2).sum(1, true).add(a.sum());
  assert.equal(formatGraph(out), [
    '#1 add { dtype: \'float64\' }',
    '  #2 sum { dims: [1], keepdim: true }',
    '    #3 mul { dtype: \'float64\' }',
    '      leaf [2,3] float64',
    '      - []',
    '  #4 sum { dims: [0, 1], keepdim: false }',
    '    leaf [2,3] float64',
  ].join('\n'));
  assert.equal(formatGraph(a), 'leaf [2,3] float64');
  // a node reached twice is printed once
  const b = a.exp();
  assert.match(formatGraph(b.mul(b)), /\(#2 exp\)/);
});
