/** PyTorch-style printing: aligned columns, 4 decimals (or scientific), '...' for large tensors. */
import type { Tensor } from './tensor.js';

const THRESHOLD = 1000;
const EDGE_ITEMS = 3;

function formatter(values: ArrayLike<number>, dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') return (v) => String(v);
  let maxAbs = 0, minAbs = Infinity, integral = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
    if (!Number.isInteger(v)) integral = false;
  }
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (integral && maxAbs < 1e8) return (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  const sci = maxAbs >= 1e8 || (minAbs !== Infinity && (minAbs < 1e-4 || maxAbs / minAbs > 1000));
  return (v) => (!Number.isFinite(v) ? special(v) : sci ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : v.toFixed(4));
}

export function formatTensor(t: Tensor): string {
  const values = t.data();
  const summarize = t.size > THRESHOLD;
  const fmt = formatter(values, t.dtype);
  const width = Math.max(1, ...Array.from(values, (v) => fmt(v).length));
  const strides: number[] = [];
  let s = 1;
  for (let i = t.ndim - 1; i >= 0; i--) {
    strides[i] = s;
    s *= t.shape[i];
  }
  const prefix = 'tensor(';
  const render = (dim: number, start: number, indent: number): string => {
    if (dim === t.ndim) return fmt(values[start]).padStart(width);
    const n = t.shape[dim];
    let idx: (number | null)[] = Array.from({ length: n }, (_, i) => i);
    if (summarize && n > 2 * EDGE_ITEMS) idx = [...idx.slice(0, EDGE_ITEMS), null, ...idx.slice(n - EDGE_ITEMS)];
    const parts = idx.map((i) => (i === null ? '...' : render(dim + 1, start + i * strides[dim], indent + 1)));
    if (dim === t.ndim - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(t.ndim - dim - 1) + ' '.repeat(indent + 1);
    return `[${parts.join(sep)}]`;
  };
  const body = t.size === 0 && t.ndim > 0 ? '[]' : render(0, 0, prefix.length);
  const extras: string[] = [];
  if (t.size === 0 && t.ndim > 1) extras.push(`size=[${t.shape.join(', ')}]`);
  if (t.dtype !== 'float32' && t.dtype !== 'bool') extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `${prefix}${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
