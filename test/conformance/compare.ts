/**
 * One conformance case run on a device and on the js reference: the same host data becomes each input's storage on
 * both, seen through the same kind of view (contiguous, transposed, strided, sliced, offset); the op's outputs, and the
 * gradients of sum(outputs * weights) with respect to every float input, must agree. A failure names the op, the
 * device, the dtypes, the layout and the shapes.
 */
import assert from 'node:assert/strict';
import { Generator, Tensor, tensor, type DType, type TypedArray } from '../../src/index.js';
import { withBackend } from '../helpers/backend.js';

/** The device every other is compared with. */
export const REFERENCE = 'js';

export type Layout = 'contiguous' | 'transposed' | 'strided' | 'sliced' | 'offset';
const LAYOUTS: readonly Layout[] = ['contiguous', 'transposed', 'strided', 'sliced', 'offset'];

/** How an input's values are drawn: a named distribution or a function of the generator and the element's index. */
export type Fill = 'normal' | 'halves' | 'positive' | 'int' | 'bool' | ((g: Generator, i: number) => number);

/** Integers in [0, n): indices into a dim of size n. */
export const indices = (n: number): Fill => (g) => g.integer(0, n);

export interface Input {
  shape: readonly number[];
  /** float32 by default. */
  dtype?: DType;
  /** 'normal' for floats, 'int' for int32 and 'bool' for bool by default. */
  fill?: Fill;
  /** Whether the input requires grad (default: when it is a float tensor). */
  grad?: boolean;
  /** This input keeps this layout in every run of the case (default: the run's layout). */
  layout?: Layout;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** Rounding of float32 kernels that sum or approximate in another order than the reference. */
const F32_TOL: Tolerance = { atol: 1e-5, rtol: 1e-4 };
const F64_TOL: Tolerance = { atol: 1e-10, rtol: 1e-9 };

export interface Case {
  /** The op's public name, as a user calls it. */
  op: string;
  /** The arguments that tell this case from the op's others ('dim 1, keepdim'). */
  note?: string;
  inputs: readonly Input[];
  run: (...xs: Tensor[]) => Tensor | Tensor[];
  /** The layouts to run (default: every layout that differs from contiguous for these shapes). */
  layouts?: readonly Layout[];
  /** float32 tolerance, for forward values and gradients alike. */
  tol?: Tolerance;
  /** The reference refuses these inputs: the device must refuse them with the same message. */
  throws?: boolean;
  /** dtypes the case needs besides its inputs' (a cast's target). */
  needs?: readonly DType[];
}

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;
const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';
const dtypeOf = (x: Input): DType => x.dtype ?? 'float32';
const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Every dtype the case needs a device to support. */
export function dtypesOf(c: Case): DType[] {
  return [...new Set([...c.inputs.map(dtypeOf), ...(c.needs ?? [])])];
}

/** The test's title: op, note, input dtypes and shapes. */
export function caseTitle(c: Case): string {
  const inputs = c.inputs.map((x) => `${dtypeOf(x)}${shapeStr(x.shape)}`).join(' ');
  return `${c.op}${c.note ? ` (${c.note})` : ''} ${inputs}`;
}

/** The layouts that make a difference for the case's shapes (transposing and slicing need 2 dims, striding 1). */
function layoutsOf(c: Case): readonly Layout[] {
  if (c.layouts) return c.layouts;
  const maxDims = Math.max(0, ...c.inputs.map((x) => x.shape.length));
  return LAYOUTS.filter((l) => (l === 'transposed' || l === 'sliced' ? maxDims >= 2 : l === 'strided' ? maxDims >= 1 : true));
}

/** The storage behind a view of `shape` laid out as `layout`: its shape, and how to take the view from it. */
function geometry(shape: readonly number[], layout: Layout): { base: number[]; view: (t: Tensor) => Tensor } {
  const n = sizeOf(shape);
  switch (layout) {
    case 'contiguous':
      return { base: shape.slice(), view: (t) => t };
    case 'transposed': {
      // a contiguous tensor of the reversed shape, its dims put back in order: every stride is reversed
      const dims = shape.map((_, i) => shape.length - 1 - i);
      return { base: shape.slice().reverse(), view: (t) => (shape.length < 2 ? t : t.permute(dims)) };
    }
    case 'strided':
      // every other element along each dim of a bigger tensor, starting at index 1
      return {
        base: shape.map((d) => 2 * d + 1),
        view: (t) => shape.reduce((v, d, i) => v.slice(i, 1, 1 + 2 * d, 2), t),
      };
    case 'sliced':
      // a window one element in from each side along every dim: rows stay dense, with gaps between them
      return {
        base: shape.map((d) => d + 2),
        view: (t) => shape.reduce((v, d, i) => v.narrow(i, 1, d), t),
      };
    case 'offset':
      // a window that starts 5 elements into its storage and stops 4 before its end
      return { base: [n + 9], view: (t) => t.narrow(0, 5, n).reshape(shape.slice()) };
  }
}

function draw(fill: Fill, g: Generator, i: number): number {
  if (typeof fill === 'function') return fill(g, i);
  switch (fill) {
    case 'normal': return g.normal();
    case 'halves': return g.integer(-6, 7) / 2;
    case 'positive': return 0.05 + 3 * g.random();
    case 'int': return g.integer(-5, 6);
    case 'bool': return g.integer(0, 2);
  }
}

function defaultFill(dtype: DType): Fill {
  return dtype === 'bool' ? 'bool' : dtype === 'int32' ? 'int' : 'normal';
}

/** A small string hash, so every case and layout draws its own data, the same in every run. */
function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

interface HostInput {
  spec: Input;
  layout: Layout;
  base: number[];
  data: Float64Array;
}

function hostInputs(c: Case, layout: Layout): HostInput[] {
  const g = new Generator(seedOf(`${caseTitle(c)} ${layout}`));
  return c.inputs.map((spec) => {
    const l = spec.layout ?? layout;
    const { base } = geometry(spec.shape, l);
    const data = new Float64Array(sizeOf(base));
    const fill = spec.fill ?? defaultFill(dtypeOf(spec));
    for (let i = 0; i < data.length; i++) data[i] = draw(fill, g, i);
    return { spec, layout: l, base, data };
  });
}

interface Snapshot {
  device: string;
  shape: readonly number[];
  dtype: DType;
  requiresGrad: boolean;
  data: TypedArray;
}

const snapshot = (t: Tensor): Snapshot => ({ device: t.device, shape: t.shape, dtype: t.dtype, requiresGrad: t.requiresGrad, data: t.data() });

interface Outcome {
  outputs: Snapshot[];
  /** The gradient reaching each input's storage (null: none reached it). */
  grads: (Snapshot | null)[];
}

/** Runs the case on `device`: inputs from the host data, the op, then backward of sum(outputs * weights). */
function runOn(device: string, c: Case, inputs: HostInput[], weightSeed: number): Outcome {
  return withBackend(device, () => {
    const leaves = inputs.map(({ spec, base, data }) => {
      const dtype = dtypeOf(spec);
      const t = tensor(data, { dtype, shape: base });
      if (spec.grad ?? isFloat(dtype)) t.requiresGrad = true;
      return t;
    });
    const views = leaves.map((t, i) => geometry(inputs[i].spec.shape, inputs[i].layout).view(t));
    const result = c.run(...views);
    const outs = Array.isArray(result) ? result : [result];
    const outputs = outs.map(snapshot);
    const g = new Generator(weightSeed);
    let objective: Tensor | null = null;
    for (const o of outs) {
      if (!o.requiresGrad) continue;
      const w = new Float64Array(o.size);
      for (let i = 0; i < w.length; i++) w[i] = g.normal();
      const term = o.mul(tensor(w, { dtype: o.dtype, shape: o.shape.slice() })).sum();
      objective = objective ? objective.add(term) : term;
    }
    objective?.backward();
    return { outputs, grads: leaves.map((t) => (t.grad ? snapshot(t.grad) : null)) };
  });
}

function closeEnough(a: number, e: number, tol: Tolerance): boolean {
  if (a === e || (Number.isNaN(a) && Number.isNaN(e))) return true;
  if (!Number.isFinite(e) || !Number.isFinite(a)) return false;
  return Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
}

/** Asserts the device's tensor matches the reference's: device, shape, dtype, then values (exact unless float). */
function compare(actual: Snapshot, expected: Snapshot, device: string, tol: Tolerance, what: string): void {
  assert.equal(actual.device, device, `${what}: the result is on '${actual.device}', not on '${device}'`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape ${shapeStr(actual.shape)}, reference ${shapeStr(expected.shape)}`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype ${actual.dtype}, reference ${expected.dtype}`);
  assert.equal(actual.requiresGrad, expected.requiresGrad, `${what}: requiresGrad ${actual.requiresGrad}, reference ${expected.requiresGrad}`);
  const t = expected.dtype === 'float64' ? F64_TOL : tol;
  const exact = !isFloat(expected.dtype);
  let bad = 0, worst = -1, worstErr = -1;
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i], e = expected.data[i];
    if (exact ? a === e : closeEnough(a, e, t)) continue;
    bad++;
    const err = Number.isFinite(a - e) ? Math.abs(a - e) : Infinity;
    if (err > worstErr) {
      worst = i;
      worstErr = err;
    }
  }
  if (bad > 0) {
    assert.fail(`${what}: ${bad} of ${expected.data.length} elements differ; worst at flat index ${worst}: ` +
      `${device} ${actual.data[worst]}, ${REFERENCE} ${expected.data[worst]}` + (exact ? '' : ` (atol ${t.atol}, rtol ${t.rtol})`));
  }
}

function errorOf(fn: () => unknown): Error | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e as Error;
  }
}

/** Runs every layout of `c` on `device` and on the reference; throws an assertion error naming what differs. */
export function conform(device: string, c: Case): void {
  for (const layout of layoutsOf(c)) {
    const inputs = hostInputs(c, layout);
    const where = `${c.op}${c.note ? ` (${c.note})` : ''} on ${device}: dtypes ${c.inputs.map(dtypeOf).join(', ')}, ` +
      `layout ${layout}, shapes ${c.inputs.map((x) => shapeStr(x.shape)).join(' ')}`;
    const weightSeed = seedOf(`${where} weights`);
    if (c.throws) {
      const expected = errorOf(() => runOn(REFERENCE, c, inputs, weightSeed));
      assert.ok(expected, `${where}: the reference was expected to refuse these inputs and did not`);
      const actual = errorOf(() => runOn(device, c, inputs, weightSeed));
      assert.ok(actual, `${where}: the reference refuses with "${expected.message}", the device does not refuse`);
      assert.equal(actual.message, expected.message, `${where}: refused with another message`);
      continue;
    }
    const expected = runOn(REFERENCE, c, inputs, weightSeed);
    let actual: Outcome;
    try {
      actual = runOn(device, c, inputs, weightSeed);
    } catch (e) {
      assert.fail(`${where}: the device threw where the reference did not: ${(e as Error).stack ?? String(e)}`);
    }
    const tol = c.tol ?? F32_TOL;
    assert.equal(actual.outputs.length, expected.outputs.length, `${where}: ${actual.outputs.length} outputs, reference ${expected.outputs.length}`);
    expected.outputs.forEach((e, k) => compare(actual.outputs[k], e, device, tol, `${where}: output ${k}`));
    expected.grads.forEach((e, i) => {
      const a = actual.grads[i];
      const what = `${where}: gradient of input ${i} (its storage ${shapeStr(inputs[i].base)})`;
      if (e === null || a === null) {
        assert.equal(a === null, e === null, `${what}: ${a === null ? 'none reached it' : 'one reached it'} on ${device}, ${e === null ? 'none' : 'one'} on the reference`);
        return;
      }
      compare(a, e, device, tol, what);
    });
  }
}
