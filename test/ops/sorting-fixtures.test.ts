/** flip and roll against PyTorch (test/fixtures/sorting.json, written by make_sorting_fixtures.py). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as M from '../../src/index.js';
import { runCase, F32_TOL, type FixtureCase } from '../fixtures/fixtures.js';

function load(): FixtureCase[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'test', 'fixtures', 'sorting.json');
    if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { cases: FixtureCase[] }).cases;
    dir = dirname(dir);
  }
  throw new Error('sorting.json not found');
}

const ops = {
  flip: ([x]: M.Tensor[], a: { dims: number[] }) => M.flip(x!, a.dims),
  roll: ([x]: M.Tensor[], a: { shifts: number | number[]; dims: number[] | null }) => M.roll(x!, a.shifts, a.dims ?? undefined),
};

const cases = load();
test('sorting fixtures cover flip and roll', () => assert.ok(cases.length >= 10));
for (const c of cases) {
  test(`${c.name} matches PyTorch (float64 and float32)`, () => {
    const fn = ops[c.op as keyof typeof ops] as never;
    runCase(c, fn, { atol: 1e-12, rtol: 1e-12 });
    runCase(c, fn, F32_TOL, 'float32');
  });
}

test('flip and roll as methods equal the functions', () => {
  const x = M.arange(12, { dtype: 'float32' }).reshape([3, 4]);
  assert.deepEqual(Array.from(x.flip(1).data()), Array.from(M.flip(x, 1).data()));
  assert.deepEqual(Array.from(x.roll(1, 0).data()), [8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7]);
});

test('flip and roll errors name the op and the arguments', () => {
  const x = M.zeros([2, 3]);
  assert.throws(() => M.flip(x, [0, -2]), /flip: dims \[0,-2\] name a dim more than once/);
  assert.throws(() => M.flip(x, 2), /flip/);
  assert.throws(() => M.roll(x, [1, 2], [0]), /roll: shifts \[1,2\] and dims \[0\] must have the same length/);
  assert.throws(() => M.roll(x, [1, 2]), /roll: without dims/);
  assert.throws(() => M.roll(x, 1.5, 0), /roll: shifts must be integers/);
});
