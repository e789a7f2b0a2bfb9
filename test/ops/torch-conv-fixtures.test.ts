/**
 * Convolution and pooling against PyTorch 1.13 reference values (the 'conv' section of test/fixtures/ops.json):
 * forward values and the gradient of sum(output * w) for the input, weight and bias, in float64 on the js backend
 * and in float32 on wasm.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conv1d, conv2d, convTranspose2d, maxPool2d, avgPool2d, adaptiveAvgPool2d } from '../../src/index.js';
import { F32_TOL, loadFixtures, runCase, type OpFn, type Tolerance } from '../fixtures/fixtures.js';
import { withBackend } from '../helpers/backend.js';
import '../../src/backend/wasm/index.js';

type Pair = number | [number, number];
interface ConvArgs {
  stride?: Pair;
  padding?: Pair | 'same';
  dilation?: Pair;
  groups?: number;
  outputPadding?: Pair;
}
interface PoolArgs {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** Only the options the case sets, so Myelin's defaults stand in for PyTorch's elsewhere. */
function pick<T extends object, K extends keyof T>(args: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (args[k] !== undefined) out[k] = args[k];
  return out;
}

const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'] as const;

/** Fixture op name -> the Myelin call; inputs are [x, weight] or [x, weight, bias]. */
const OPS: Record<string, OpFn> = {
  conv1d: (x, a: ConvArgs) => conv1d(x[0], x[1], x[2], pick(a, CONV_KEYS) as Parameters<typeof conv1d>[3]),
  conv2d: (x, a: ConvArgs) => conv2d(x[0], x[1], x[2], pick(a, CONV_KEYS) as Parameters<typeof conv2d>[3]),
  convTranspose2d: (x, a: ConvArgs) =>
    convTranspose2d(x[0], x[1], x[2], pick(a, ['stride', 'padding', 'outputPadding', 'dilation', 'groups'] as const) as Parameters<typeof convTranspose2d>[3]),
  maxPool2d: (x, a: PoolArgs) =>
    maxPool2d(x[0], a.kernelSize, pick(a, ['stride', 'padding', 'dilation', 'ceilMode'] as const) as Parameters<typeof maxPool2d>[2]),
  avgPool2d: (x, a: PoolArgs) =>
    avgPool2d(x[0], a.kernelSize, pick(a, ['stride', 'padding', 'ceilMode', 'countIncludePad'] as const) as Parameters<typeof avgPool2d>[2]),
  adaptiveAvgPool2d: (x, a: { outputSize: Pair }) => adaptiveAvgPool2d(x[0], a.outputSize),
};

/** float64 throughout; sums over a few dozen products, so rounding stays far below these. */
const TOL: Tolerance = { atol: 1e-10, rtol: 1e-9 };

const fixtures = loadFixtures();
const byOp = new Map<string, typeof fixtures.conv>();
for (const c of fixtures.conv) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

describe(`convolution and pooling against PyTorch ${fixtures.torch}`, () => {
  it('has a Myelin call for every op in the fixtures, and fixtures for every op in the table', () => {
    const inFixtures = new Set(fixtures.conv.map((c) => c.op));
    const missing = [...inFixtures].filter((op) => !(op in OPS));
    assert.deepEqual(missing, [], `fixture ops without a Myelin mapping: ${missing.join(', ')}`);
    const unused = Object.keys(OPS).filter((op) => !inFixtures.has(op));
    assert.deepEqual(unused, [], `mapped ops without fixtures: ${unused.join(', ')}`);
  });

  for (const [op, cases] of byOp) {
    describe(op, () => {
      for (const c of cases) {
        it(c.name, () => {
          const fn = OPS[op];
          assert.ok(fn, `${c.name}: no Myelin mapping for op '${op}'`);
          runCase(c, fn, TOL);
        });
      }
    });
  }
});

/** The same cases in float32 on the wasm backend: its conv and pooling kernels and the backward passes over them. */
describe(`convolution and pooling in float32 on wasm against PyTorch ${fixtures.torch}`, () => {
  for (const [op, cases] of byOp) {
    describe(op, () => {
      for (const c of cases) it(c.name, () => withBackend('wasm', () => runCase(c, OPS[op], F32_TOL, 'float32')));
    });
  }
});
