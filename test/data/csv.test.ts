import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsv, parseCsv, parseCsvRecords } from '../../src/data/index.js';

test('parseCsvRecords: quotes, doubled quotes, line breaks in quotes, CRLF, blank lines, BOM', () => {
  const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n2,"two\nlines",\n  "q" , 3 ,""\n';
  const recs = parseCsvRecords(text);
  assert.deepEqual(recs.map((r) => r.fields), [
    ['a', 'b', 'c'],
    ['1', 'x, y', 'say "hi"'],
    ['2', 'two\nlines', ''],
    ['q', ' 3 ', ''],
  ]);
  // line numbers are where each record starts (the quoted line break counts)
  assert.deepEqual(recs.map((r) => r.line), [1, 2, 4, 6]);
  assert.deepEqual(parseCsvRecords('a;b\n1;2', ';').map((r) => r.fields), [['a', 'b'], ['1', '2']]);
  assert.throws(() => parseCsvRecords('a,b\n1,"open\n2,3\n'), /line 2: a quoted field is never closed/);
  assert.throws(() => parseCsvRecords('a,b\n"x"y,2\n'), /line 2: unexpected "y" after a closing quote/);
  assert.throws(() => parseCsvRecords('a', '::'), /delimiter must be one character/);
});

test('parseCsv: numeric features, target by name or index, column names', () => {
  const text = 'sepal, petal ,label\n5.1,1.4,0\n4.9,-1e-1,1\n6.3, 5 ,2\n';
  const d = parseCsv(text, { target: 'label' });
  assert.deepEqual(d.columns, ['sepal', 'petal']);
  assert.equal(d.targetColumn, 'label');
  assert.deepEqual(d.features.shape, [3, 2]);
  assert.equal(d.features.dtype, 'float32');
  assert.deepEqual(Array.from(d.features.data()), Array.from(Float32Array.from([5.1, 1.4, 4.9, -0.1, 6.3, 5])));
  assert.equal(d.target!.dtype, 'float32');
  assert.deepEqual(d.target!.toArray(), [0, 1, 2]);
  assert.equal(d.classes, null);
  const byIndex = parseCsv(text, { target: -1, targetDType: 'int32' });
  assert.equal(byIndex.target!.dtype, 'int32');
  assert.deepEqual(byIndex.target!.toArray(), [0, 1, 2]);
  const first = parseCsv(text, { target: 0 });
  assert.deepEqual(first.columns, ['petal', 'label']);
  assert.deepEqual(first.target!.toArray(), Array.from(Float32Array.from([5.1, 4.9, 6.3])));
  const none = parseCsv('1,2\n3,4', { header: false });
  assert.deepEqual(none.columns, ['0', '1']);
  assert.equal(none.target, null);
  assert.deepEqual(none.features.toArray(), [[1, 2], [3, 4]]);
  const special = parseCsv('a,b\nNaN,-inf\n', {});
  const [nan, ninf] = Array.from(special.features.data());
  assert.ok(Number.isNaN(nan));
  assert.equal(ninf, -Infinity);
});

test('parseCsv: a text target column becomes class indices, classes sorted', () => {
  const d = parseCsv('x,species\n1,virginica\n2,setosa\n3,"versicolor"\n4,setosa\n', { target: 'species' });
  assert.deepEqual(d.classes, ['setosa', 'versicolor', 'virginica']);
  assert.equal(d.target!.dtype, 'int32');
  assert.deepEqual(d.target!.toArray(), [2, 0, 1, 0]);
});

test('parseCsv: errors name the line and the column', () => {
  assert.throws(() => parseCsv('a,b,c\n1,2,3\n4,oops,6\n'), /line 3, column 2 \('b'\): 'oops' is not a number/);
  assert.throws(() => parseCsv('a,b\n1,2\n3,\n'), /line 3, column 2 \('b'\): empty field/);
  assert.throws(() => parseCsv('a,b\n1,2\n3\n4,5\n'), /line 3 has 1 field, expected 2 \(as in the header on line 1\)/);
  assert.throws(() => parseCsv('1,2\n3,4,5\n', { header: false }), /line 2 has 3 fields, expected 2 \(as in the first row on line 1\)/);
  assert.throws(() => parseCsv('1,x\n', { header: false }), /line 1, column 2: 'x' is not a number/);
  assert.throws(() => parseCsv('a,b\n1,2\n', { target: 'c' }), /no column named 'c' \(columns: a, b\)/);
  assert.throws(() => parseCsv('a,b\n1,2\n', { target: 2 }), /target column index 2 is out of range for 2 columns/);
  assert.throws(() => parseCsv('a,a\n1,2\n'), /column name 'a' appears twice/);
  assert.throws(() => parseCsv('a,y\n1,2.5\n', { target: 'y', targetDType: 'int32' }), /line 2, column 2 \('y'\): '2.5' is not a whole number/);
  assert.throws(() => parseCsv('\n\n'), /holds no records/);
});

test('loadCsv: reads a file or takes CSV text, errors name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-csv-'));
  try {
    const file = join(dir, 'data.csv');
    writeFileSync(file, 'f1,f2,y\n0.5,1,yes\n1.5,2,no\n');
    const d = loadCsv(file, { target: 'y' });
    assert.deepEqual(d.features.toArray(), [[0.5, 1], [1.5, 2]]);
    assert.deepEqual(d.classes, ['no', 'yes']);
    assert.deepEqual(d.target!.toArray(), [1, 0]);
    assert.deepEqual(loadCsv('a\n1\n2\n').features.toArray(), [[1], [2]]);
    writeFileSync(file, 'a,b\n1,2\n3,four\n');
    assert.throws(() => loadCsv(file), (e: Error) => e instanceof TypeError && e.message === `loadCsv: ${file}: line 3, column 2 ('b'): 'four' is not a number`);
    assert.throws(() => loadCsv('a,b\n1\n'), /^RangeError: loadCsv: line 2 has 1 field, expected 2/);
    assert.throws(() => loadCsv(join(dir, 'missing.csv')), /loadCsv: no such file '.*missing\.csv'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
