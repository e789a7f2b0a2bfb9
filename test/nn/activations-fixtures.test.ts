/**
 * The activation layers against PyTorch 1.13 (test/fixtures/layers.json, from make_layers_fixtures.py): output and
 * input gradient in float64, and each layer's model-file round trip.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { modelFromBytes, modelToBytes, type Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { toTensor, type FixtureTensor } from '../fixtures/fixtures.js';
import { expectTensor } from './nn-fixtures.js';

interface ActivationCase { type: string; args: Record<string, number>; input: FixtureTensor; output: FixtureTensor; weight: FixtureTensor; grad: FixtureTensor }

const path = ['../../../test/fixtures/layers.json', '../fixtures/layers.json'].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((p) => existsSync(p));
const cases = (JSON.parse(readFileSync(path!, 'utf8')) as { activations: ActivationCase[] }).activations;

const BUILD: Record<string, (a: Record<string, number>) => nn.Module> = {
  SiLU: () => new nn.SiLU(), Mish: () => new nn.Mish(), Hardswish: () => new nn.Hardswish(),
  Hardsigmoid: () => new nn.Hardsigmoid(), Hardtanh: (a) => new nn.Hardtanh(a.minVal, a.maxVal),
  ReLU6: () => new nn.ReLU6(), Softsign: () => new nn.Softsign(), LogSigmoid: () => new nn.LogSigmoid(),
};
const TOL = { atol: 1e-12, rtol: 1e-10 };
/** PyTorch's hardsigmoid backward multiplies by the float32 constant 1.0f/6.0f even in float64 (a 3e-8 relative error). */
const GRAD_TOL: Record<string, typeof TOL> = { Hardsigmoid: { atol: 1e-12, rtol: 1e-7 } };

describe('activation layers against PyTorch', () => {
  for (const c of cases) {
    it(`${c.type} ${JSON.stringify(c.args)}`, () => {
      const m = BUILD[c.type](c.args);
      const x = toTensor(c.input).requiresGrad_();
      const y = m.forward(x) as Tensor;
      expectTensor(y, c.output, TOL, `${c.type}: output`);
      y.mul(toTensor(c.weight)).sum().backward();
      expectTensor(x.grad, c.grad, GRAD_TOL[c.type] ?? TOL, `${c.type}: input gradient`);
      const back = modelFromBytes(modelToBytes(m)).model;
      assert.equal(back.constructor, m.constructor);
      expectTensor(back.forward(toTensor(c.input)) as Tensor, c.output, TOL, `${c.type}: after a model-file round trip`);
    });
  }
});

it('hardtanh names its op and arguments when minVal >= maxVal', () => {
  assert.throws(() => nn.F.hardtanh(toTensor(cases[0].input), 2, 1), /hardtanh: minVal \(2\) must be less than maxVal \(1\)/);
});
