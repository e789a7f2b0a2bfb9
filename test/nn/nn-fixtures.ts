/**
 * Loads test/fixtures/nn.json (written by test/fixtures/make_nn_fixtures.py with PyTorch 1.13): reference values for
 * the nn layers (state dict, inputs, outputs, gradients per step) and the losses (in ops.json's case format).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '../../src/index.js';
import { decodeNumber, toTensor, type FixtureCase, type FixtureTensor, type Tolerance } from '../fixtures/fixtures.js';
import { assertClose } from '../helpers/gradcheck.js';

export interface LayerStep {
  input: FixtureTensor;
  output: FixtureTensor;
  /** R: the gradients are those of sum(output * R). */
  weight: FixtureTensor;
  /** 'input' (float inputs only) and every parameter by its state-dict name. */
  grads: Record<string, FixtureTensor>;
}

export interface LayerCase {
  name: string;
  /** The Myelin class, and its constructor arguments in Myelin's spelling. */
  type: string;
  args: Record<string, unknown>;
  mode: 'train' | 'eval';
  /** PyTorch's state_dict, in its order. */
  state: Record<string, FixtureTensor>;
  steps: LayerStep[];
  stateAfter: Record<string, FixtureTensor>;
}

export interface NnFixtures {
  torch: string;
  layers: LayerCase[];
  losses: FixtureCase[];
}

let cached: NnFixtures | undefined;
export function loadNnFixtures(): NnFixtures {
  // from the compiled dist/test/nn/ or from the source test/nn/
  const candidates = ['../../../test/fixtures/nn.json', '../fixtures/nn.json'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new Error('test/fixtures/nn.json not found; regenerate it with /usr/bin/python3 test/fixtures/make_nn_fixtures.py');
  cached ??= JSON.parse(readFileSync(path, 'utf8')) as NnFixtures;
  return cached;
}

/** The fixture's state dict as tensors, keyed by PyTorch's names. */
export function stateFromFixture(state: Record<string, FixtureTensor>): Map<string, Tensor> {
  return new Map(Object.entries(state).map(([k, v]) => [k, toTensor(v)]));
}

/** Shape, dtype and values of `actual` against a fixture tensor. */
export function expectTensor(actual: Tensor | null | undefined, expected: FixtureTensor, tol: Tolerance, what: string): void {
  assert.ok(actual, `${what}: missing (expected a tensor of shape [${expected.shape}])`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape [${actual.shape}] != PyTorch's [${expected.shape}]`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype ${actual.dtype} != PyTorch's ${expected.dtype}`);
  assertClose(Array.from(actual.data(), Number), expected.data.map(decodeNumber), tol.atol, tol.rtol, what);
}
