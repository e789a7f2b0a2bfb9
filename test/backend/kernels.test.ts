/**
 * The kernel registry (src/backend/kernels.ts): an impl that declines hands the call to the next device of the
 * chain, a device with few kernels of its own runs the rest from its fallback, a later registration reaches tables
 * already resolved, a decomposition stands in for a kernel a device lacks, and a kernel no device of the chain has
 * fails naming the kernel and the device. Also the asynchronous read every device has.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tensor, tensor } from '../../src/index.js';
import { type Device, type View, getBackendByName } from '../../src/backend/device.js';
import { KERNEL_NAMES, registerKernel, unregisterKernel } from '../../src/backend/kernels.js';
import { JsDevice } from '../../src/backend/js/index.js';
import { binaryKernel, unaryKernel } from '../../src/backend/js/kernels/elementwise.js';
import { matmulKernel } from '../../src/backend/js/kernels/matmul.js';
import { withBackend } from '../helpers/backend.js';

const on = (device: Device, values: number[]): Tensor => new Tensor(device.fromTypedArray(Float32Array.from(values), 'float32'), [values.length]);

describe('kernel registry', () => {
  test('an impl that declines hands the call to the next device of the chain, over the same storage', () => {
    const dev = new JsDevice('test-declines', ['test-declines', 'js']);
    const seen: string[] = [];
    registerKernel('unary', 'test-declines', (d, op, _x, outDType) => {
      seen.push(op);
      if (op !== 'neg') return undefined;
      return d.fromTypedArray(Float32Array.from([42, 42]), outDType);
    });
    const x = on(dev, [1, 2]);
    assert.deepEqual(Array.from(x.neg().data()), [42, 42]);
    assert.deepEqual(Array.from(x.exp().data()), [Math.fround(Math.exp(1)), Math.fround(Math.exp(2))]);
    assert.deepEqual(seen, ['neg', 'exp']);
    assert.equal(x.exp().backend, dev, 'the fallback result is storage of the calling device');
  });

  test('a device with only a few kernels of its own runs the rest from its fallback', () => {
    const dev = new JsDevice('test-few', ['test-few', 'js']);
    registerKernel('reduce', 'test-few', (d, _op, _x, _dims, outDType) => d.fromTypedArray(Float32Array.from([99]), outDType));
    const a = on(dev, [1, 2, 3, 4]).reshape([2, 2]);
    assert.deepEqual(a.matmul(a).toArray(), [[7, 10], [15, 22]]);
    assert.deepEqual(a.add(a).toArray(), [[2, 4], [6, 8]]);
    assert.deepEqual(a.sum().toArray(), 99);
    assert.equal(typeof dev.kernels.linear, 'function', 'optional kernels come from the fallback too');
  });

  test('a later registration reaches tables already resolved, and removing it restores the fallback', () => {
    const dev = new JsDevice('test-later', ['test-later', 'js']);
    const table = dev.kernels;
    const matmul = table.matmul;
    const a = on(dev, [1, 2, 3, 4]).reshape([2, 2]);
    assert.deepEqual(a.matmul(a).toArray(), [[7, 10], [15, 22]]);
    registerKernel('matmul', 'test-later', (d) => d.zeros('float32', 4));
    try {
      assert.equal(dev.kernels, table, 'the same table object, updated in place');
      assert.notEqual(table.matmul, matmul);
      assert.deepEqual(a.matmul(a).toArray(), [[0, 0], [0, 0]]);
    } finally {
      unregisterKernel('matmul', 'test-later');
    }
    assert.deepEqual(a.matmul(a).toArray(), [[7, 10], [15, 22]]);
  });

  test('a kernel no device of the chain has fails naming the kernel and the device; optional ones are absent', () => {
    const dev = new JsDevice('test-alone', ['test-alone']);
    registerKernel('unary', 'test-alone', (d, _op, x) => d.zeros('float32', x.storage.length));
    const x = on(dev, [1, 2]);
    assert.deepEqual(Array.from(x.exp().data()), [0, 0]);
    assert.throws(() => x.add(x), /^Error: binary: no kernel for device 'test-alone' \(looked on 'test-alone'\)$/);
    assert.throws(() => x.sum(), /^Error: reduce: no kernel for device 'test-alone'/);
    assert.equal(dev.kernels.adamStep, undefined);
    assert.equal(dev.kernels.sgdStep, undefined);
  });

  test('a device with the parts of a decomposition has the whole: linear from matmul, add and relu', () => {
    const dev = new JsDevice('test-parts', ['test-parts']);
    const calls: string[] = [];
    registerKernel('matmul', 'test-parts', (d, a, b, outBatch) => (calls.push('matmul'), d.adopt(matmulKernel(a, b, outBatch), a.storage.dtype)));
    registerKernel('binary', 'test-parts', (d, op, a, b, outShape, outDType) => (calls.push(op), d.adopt(binaryKernel(op, a, b, outShape, outDType), outDType)));
    registerKernel('unary', 'test-parts', (d, op, a, outDType) => (calls.push(op), d.adopt(unaryKernel(op, a, outDType), outDType)));
    const x = on(dev, [1, -2, 3, 4, 5, -6]).reshape([2, 3]);
    const w = on(dev, [1, 0, 1, 0, 1, 0, -1, -1, -1, 2, 2, 2]).reshape([4, 3]);
    const b = on(dev, [0.5, 0, -10, 1]);
    const fused = dev.kernels.linear!(x, w, b, 'relu');
    assert.deepEqual(calls, ['matmul', 'add', 'relu']);
    const expected = withBackend('js', () => {
      const [xj, wj, bj] = [x, w, b].map((t) => tensor(Array.from(t.data()), { shape: t.shape.slice() }));
      return Array.from(xj.matmul(wj.t()).add(bj).relu().data());
    });
    assert.deepEqual(Array.from(new Tensor(fused, [2, 4]).data()), expected);
    assert.deepEqual(expected, [4.5, 0, 0, 5, 0, 5, 0, 7]);
  });

  test('the js and wasm devices have every kernel', () => {
    for (const name of ['js', 'wasm']) {
      const kernels = getBackendByName(name).kernels as unknown as Record<string, unknown>;
      for (const k of KERNEL_NAMES) assert.equal(typeof kernels[k], 'function', `${name}: ${k}`);
    }
  });
});

describe('dataAsync', () => {
  test('resolves to what data() returns, on the js and wasm devices', async () => {
    for (const name of ['js', 'wasm']) {
      const x = withBackend(name, () => tensor([[1, 2, 3], [4, 5, 6]]).t());
      const got = await x.dataAsync();
      assert.ok(got instanceof Float32Array, name);
      assert.deepEqual(Array.from(got), Array.from(x.data()), name);
      assert.deepEqual(Array.from(got), [1, 4, 2, 5, 3, 6], name);
    }
  });

  test('on a device that cannot read synchronously, data() says to use dataAsync and dataAsync reads', async () => {
    const dev = new JsDevice('test-async-only', ['js']);
    const host = new JsDevice();
    Object.defineProperty(dev, 'readSync', { value: undefined });
    Object.defineProperty(dev, 'read', { value: (v: View) => host.read(v) });
    const x = on(dev, [1, 2, 3]).mul(2);
    assert.throws(() => x.data(), /^Error: data: the 'test-async-only' device cannot read synchronously; use await dataAsync\(\)$/);
    assert.deepEqual(Array.from(await x.dataAsync()), [2, 4, 6]);
  });
});
