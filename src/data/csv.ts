/** Loading CSV files into tensors (Node: reads files). The parsing itself is browser-safe, in csvparse.ts. */
import * as fs from 'node:fs';
import { type CsvData, type CsvOptions, parseCsv } from './csvparse.js';

export { type CsvData, type CsvOptions, type CsvRecord, parseCsv, parseCsvRecords } from './csvparse.js';

/**
 * Reads a CSV file (or CSV text: a string containing a line break is taken as the text itself) into a float32
 * feature matrix [N, F] and an optional target column; see parseCsv for the rules. Errors name the file, line and
 * column: `loadCsv: iris.csv: line 7, column 3 ('petal_length'): 'abc' is not a number`.
 */
export function loadCsv(pathOrText: string, options: CsvOptions = {}): CsvData {
  if (/[\r\n]/.test(pathOrText)) return rename(() => parseCsv(pathOrText, options), 'loadCsv: ');
  let text: string;
  try {
    text = fs.readFileSync(pathOrText, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT'
      ? `loadCsv: no such file '${pathOrText}' (CSV text must contain a line break)`
      : `loadCsv: cannot read '${pathOrText}': ${(e as Error).message}`);
  }
  return rename(() => parseCsv(text, options), `loadCsv: ${pathOrText}: `);
}

/** Runs `f`, re-labelling parseCsv's errors (same class) with `prefix` instead of 'parseCsv: '. */
function rename<T>(f: () => T, prefix: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('parseCsv: ')) {
      const Ctor = e.constructor as new (message: string) => Error;
      throw new Ctor(prefix + e.message.slice('parseCsv: '.length));
    }
    throw e;
  }
}
