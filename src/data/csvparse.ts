/**
 * CSV text to tensors: RFC 4180 fields (quotes, doubled quotes, line breaks inside quotes), numeric feature columns,
 * and a target column that may hold numbers or class names. Browser-safe; loadCsv in csv.ts adds reading files.
 */
import { Tensor } from '../tensor/tensor.js';
import { adoptTyped } from './util.js';

export interface CsvOptions {
  /** The target column, by name (needs a header) or index (negative counts from the end). None by default. */
  target?: string | number;
  /** The first record names the columns (default true); without it columns are named '0', '1', ... */
  header?: boolean;
  /** Field separator, one character (default ','). */
  delimiter?: string;
  /**
   * dtype of a numeric target: 'float32' (default, for regression) or 'int32' (class labels; values must then be
   * whole numbers). A target column that is not all numbers is always read as class names (see CsvData.classes).
   */
  targetDType?: 'float32' | 'int32';
}

export interface CsvData {
  /** float32 [N, F]: every column but the target, in file order. */
  features: Tensor;
  /** The target column: float32 [N] (or int32 with targetDType), int32 class indices [N] for a text column, or null. */
  target: Tensor | null;
  /** The names of the feature columns (features' columns, in order). */
  columns: string[];
  /** The target column's name, or null. */
  targetColumn: string | null;
  /** For a target column of class names: the sorted distinct names; target value i means classes[i]. Else null. */
  classes: string[] | null;
}

export interface CsvRecord {
  fields: string[];
  /** 1-based line number where the record starts. */
  line: number;
}

/** Splits CSV text into records; blank lines are skipped. Throws on a quote left open. */
export function parseCsvRecords(text: string, delimiter = ','): CsvRecord[] {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`parseCsv: delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quotedSeen = false; // the record has a quoted field (so '""' alone is a record, not a blank line)
  const n = src.length;
  const endRecord = () => {
    const blank = fields.length === 0 && !/\S/.test(field) && !quotedSeen;
    if (!blank) {
      fields.push(field);
      records.push({ fields, line: recordLine });
    }
    fields = [];
    field = '';
    quotedSeen = false;
  };
  while (i < n) {
    const c = src[i];
    if (c === '"' && !/\S/.test(field)) {
      // a quoted field (spaces before the opening quote are dropped)
      field = '';
      const openLine = line;
      quotedSeen = true;
      i++;
      let closed = false;
      while (i < n) {
        const q = src[i];
        if (q === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        if (q === '\n') line++;
        if (q === '\r') {
          if (src[i + 1] === '\n') i++;
          line++;
          field += '\n';
          i++;
          continue;
        }
        field += q;
        i++;
      }
      if (!closed) throw new SyntaxError(`parseCsv: line ${openLine}: a quoted field is never closed`);
      // after the closing quote only spaces may come before the delimiter or line end
      while (i < n && (src[i] === ' ' || src[i] === '\t') && src[i] !== delimiter) i++;
      if (i < n && src[i] !== delimiter && src[i] !== '\n' && src[i] !== '\r') {
        throw new SyntaxError(`parseCsv: line ${line}: unexpected ${JSON.stringify(src[i])} after a closing quote (a quote inside a quoted field is written "")`);
      }
      continue;
    }
    if (c === delimiter) {
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && src[i + 1] === '\n') i++;
      i++;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    i++;
  }
  endRecord();
  return records;
}

const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity };
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A field as a number, or null when it is not one ('' included). Accepts nan and (+/-)inf(inity), any case. */
function parseNumber(s: string): number | null {
  const t = s.trim();
  if (NUMBER.test(t)) return Number(t);
  const special = SPECIAL[t.toLowerCase()];
  return special === undefined ? null : special;
}

/**
 * Parses CSV text into a float32 feature matrix and an optional target. Every feature field must be a number (a
 * clear error names the line and column otherwise); rows must all have the header's number of fields.
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvData {
  const { header = true, delimiter = ',', targetDType = 'float32' } = options;
  const records = parseCsvRecords(text, delimiter);
  if (records.length === 0) throw new RangeError('parseCsv: the CSV holds no records');
  const first = records[0];
  const width = first.fields.length;
  const names = header ? first.fields.map((f) => f.trim()) : first.fields.map((_, j) => String(j));
  const rows = header ? records.slice(1) : records;
  if (header) {
    const seen = new Set<string>();
    names.forEach((nm, j) => {
      if (seen.has(nm)) throw new RangeError(`parseCsv: line ${first.line}: column name '${nm}' appears twice (columns ${names.indexOf(nm) + 1} and ${j + 1})`);
      seen.add(nm);
    });
  }
  for (const r of rows) {
    if (r.fields.length !== width) {
      throw new RangeError(`parseCsv: line ${r.line} has ${r.fields.length} field${r.fields.length === 1 ? '' : 's'}, expected ${width} (as ${header ? 'in the header' : 'in the first row'} on line ${first.line})`);
    }
  }
  let targetIdx = -1;
  if (options.target !== undefined) {
    const t = options.target;
    if (typeof t === 'number') {
      if (!Number.isInteger(t) || t < -width || t >= width) throw new RangeError(`parseCsv: target column index ${t} is out of range for ${width} columns`);
      targetIdx = t < 0 ? width + t : t;
    } else {
      targetIdx = names.indexOf(t);
      if (targetIdx < 0) throw new RangeError(`parseCsv: no column named '${t}' (columns: ${names.join(', ')})`);
    }
  }
  const colName = (j: number) => (header ? `column ${j + 1} ('${names[j]}')` : `column ${j + 1}`);
  const featureCols = names.map((_, j) => j).filter((j) => j !== targetIdx);
  const n = rows.length;
  const f = featureCols.length;
  const features = new Float32Array(n * f);
  rows.forEach((r, i) => {
    featureCols.forEach((j, k) => {
      const v = parseNumber(r.fields[j]);
      if (v === null) {
        const raw = r.fields[j];
        throw new TypeError(`parseCsv: line ${r.line}, ${colName(j)}: ${raw.trim() === '' ? 'empty field' : `'${raw.length > 40 ? raw.slice(0, 40) + '...' : raw}' is not a number`}`);
      }
      features[i * f + k] = v;
    });
  });
  let target: Tensor | null = null;
  let classes: string[] | null = null;
  if (targetIdx >= 0) {
    const raw = rows.map((r) => r.fields[targetIdx]);
    const nums = raw.map(parseNumber);
    if (nums.every((v) => v !== null)) {
      if (targetDType === 'int32') {
        nums.forEach((v, i) => {
          if (!Number.isInteger(v) || Math.abs(v as number) > 2147483647) throw new TypeError(`parseCsv: line ${rows[i].line}, ${colName(targetIdx)}: '${raw[i]}' is not a whole number (targetDType int32)`);
        });
        target = adoptTyped(Int32Array.from(nums as number[]), [n], 'int32');
      } else {
        target = adoptTyped(Float32Array.from(nums as number[]), [n], 'float32');
      }
    } else {
      const labels = raw.map((s) => s.trim());
      const empty = labels.findIndex((s) => s === '');
      if (empty >= 0) throw new TypeError(`parseCsv: line ${rows[empty].line}, ${colName(targetIdx)}: empty target field`);
      classes = [...new Set(labels)].sort();
      const index = new Map(classes.map((c, k) => [c, k]));
      target = adoptTyped(Int32Array.from(labels, (s) => index.get(s)!), [n], 'int32');
    }
  }
  return {
    features: adoptTyped(features, [n, f], 'float32'),
    target,
    columns: featureCols.map((j) => names[j]),
    targetColumn: targetIdx >= 0 ? names[targetIdx] : null,
    classes,
  };
}
