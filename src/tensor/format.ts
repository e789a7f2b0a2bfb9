/**
 * PyTorch-style printing, following torch/_tensor_str.py (1.13) with its default options: 4 decimals, fixed or
 * scientific notation and the column width chosen from the values shown, lines wrapped at 80 characters, and tensors
 * of more than 1000 elements summarized to their first and last 3 entries per dim.
 */
import type { Tensor } from './tensor.js';

const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;
const PRECISION = 4;

/** Python's '{:.Nf}'.format(v): fixed notation, ties rounded half to even, '-0.0000' for negative zero. */
function pyFixed(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const negative = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let s = a.toFixed(digits);
  // toFixed rounds an exact tie up; Python rounds it to the even neighbour
  const longer = a.toFixed(digits + 1);
  if (longer.endsWith('5') && Number(longer) === a) s = evenTie(s);
  return negative ? `-${s}` : s;
}

/** Python's '{:.Ne}'.format(v): a two-digit (at least) exponent, ties half to even. */
function pyExponential(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const negative = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  let [mantissa, exponent] = a.toExponential(digits).split('e');
  const [longer] = a.toExponential(digits + 1).split('e');
  if (longer.endsWith('5') && Number(a.toExponential(digits + 1)) === a) mantissa = evenTie(mantissa);
  const sign = exponent[0] === '-' ? '-' : '+';
  const magnitude = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${negative ? '-' : ''}${mantissa}e${sign}${magnitude}`;
}

/** The lower neighbour of a tie that toFixed/toExponential rounded up, when the upper one ends in an odd digit. */
function evenTie(rounded: string): string {
  const last = rounded.charCodeAt(rounded.length - 1) - 48;
  return last % 2 === 1 ? rounded.slice(0, -1) + String(last - 1) : rounded;
}

/** torch's _Formatter: decides int/fixed/scientific mode and the column width from the values that will be shown. */
class Formatter {
  private readonly floating: boolean;
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(values: readonly number[], private readonly dtype: string) {
    this.floating = dtype === 'float32' || dtype === 'float64';
    if (!this.floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, this.plain(v).length);
      return;
    }
    const nonzeroFinite = values.filter((v) => Number.isFinite(v) && v !== 0);
    if (nonzeroFinite.length === 0) return;
    let min = Infinity, max = 0;
    for (const v of nonzeroFinite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of nonzeroFinite) this.maxWidth = Math.max(this.maxWidth, pyExponential(v, PRECISION).length);
      } else {
        for (const v of nonzeroFinite) this.maxWidth = Math.max(this.maxWidth, pyFixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of nonzeroFinite) this.maxWidth = Math.max(this.maxWidth, pyExponential(v, PRECISION).length);
    } else {
      for (const v of nonzeroFinite) this.maxWidth = Math.max(this.maxWidth, pyFixed(v, PRECISION).length);
    }
  }

  private plain(v: number): string {
    return this.dtype === 'bool' ? (v ? 'True' : 'False') : String(v);
  }

  width(): number {
    return this.maxWidth;
  }

  format(v: number): string {
    let s: string;
    if (!this.floating) s = this.plain(v);
    else if (this.sciMode) s = pyExponential(v, PRECISION);
    else if (this.intMode) s = Number.isFinite(v) ? `${pyFixed(v, 0)}.` : pyFixed(v, 0);
    else s = pyFixed(v, PRECISION);
    return s.padStart(this.maxWidth);
  }
}

/** Indices shown along a dim of size n: all of them, or the first and last EDGE_ITEMS when summarizing. */
function shownIndices(n: number, summarize: boolean): number[] {
  if (summarize && n > 2 * EDGE_ITEMS) return [0, 1, 2, n - 3, n - 2, n - 1];
  return Array.from({ length: n }, (_, i) => i);
}

/** PyTorch's _add_suffixes: ', suffix' on the last line, or on a new line when it would pass the line width. */
function addSuffixes(text: string, suffixes: readonly string[], indent: number): string {
  let out = text;
  let lastLineLength = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > LINE_WIDTH) {
      out += ',\n' + ' '.repeat(indent) + suffix;
      lastLineLength = indent + suffix.length;
    } else {
      out += ', ' + suffix;
      lastLineLength += suffix.length + 2;
    }
  }
  return out + ')';
}

export function formatTensor(t: Tensor): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  if (t.size === 0) {
    body = '[]';
    if (t.ndim !== 1) suffixes.push(`size=[${t.shape.join(', ')}]`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=${t.dtype}`);
  } else {
    body = formatValues(t, indent);
    if (t.dtype !== 'float32' && t.dtype !== 'bool') suffixes.push(`dtype=${t.dtype}`);
  }
  if (t.gradFn) suffixes.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push('requiresGrad=true');
  return addSuffixes(prefix + body, suffixes, indent);
}

function formatValues(t: Tensor, indent: number): string {
  const values = t.data();
  const shape = t.shape;
  const summarize = t.size > THRESHOLD;
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  // the formatter sees only the values that will be printed (torch's get_summarized_data)
  const shown: number[] = [];
  const collect = (dim: number, start: number): void => {
    if (dim === shape.length) {
      shown.push(values[start]);
      return;
    }
    for (const i of shownIndices(shape[dim], summarize)) collect(dim + 1, start + i * strides[dim]);
  };
  collect(0, 0);
  const fmt = new Formatter(shown, t.dtype);
  if (shape.length === 0) return fmt.format(values[0]);

  const vector = (start: number, ind: number): string => {
    const n = shape[shape.length - 1];
    const step = strides[shape.length - 1];
    const items: string[] = [];
    const idx = shownIndices(n, summarize);
    idx.forEach((i, k) => {
      if (k > 0 && i !== idx[k - 1] + 1) items.push(' ...');
      items.push(fmt.format(values[start + i * step]));
    });
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - ind) / (fmt.width() + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return `[${lines.join(',\n' + ' '.repeat(ind + 1))}]`;
  };
  const render = (dim: number, start: number, ind: number): string => {
    if (dim === shape.length - 1) return vector(start, ind);
    const parts: string[] = [];
    const idx = shownIndices(shape[dim], summarize);
    idx.forEach((i, k) => {
      if (k > 0 && i !== idx[k - 1] + 1) parts.push('...');
      parts.push(render(dim + 1, start + i * strides[dim], ind + 1));
    });
    return `[${parts.join(',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(ind + 1))}]`;
  };
  return render(0, 0, indent);
}
