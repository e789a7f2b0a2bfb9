import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CountVectorizer, TfidfVectorizer, Vocabulary, tokenize } from '../../src/data/index.js';
import '../../src/index.js';
import type { Tensor } from '../../src/index.js';

function assertRows(actual: Tensor, expected: number[][], atol = 1e-6): void {
  assert.deepEqual(actual.shape, [expected.length, expected[0].length]);
  assert.equal(actual.dtype, 'float32');
  const got = actual.toArray() as number[][];
  expected.forEach((row, i) => row.forEach((v, j) => {
    assert.ok(Math.abs(got[i][j] - v) <= atol, `[${i}][${j}]: got ${got[i][j]}, expected ${v}`);
  }));
}

test('tokenize: words and numbers, lower-cased, punctuation and symbols as separators', () => {
  assert.deepEqual(
    tokenize("Hello, World! Don't e-mail bob@example.com: it costs $3.50 (or 1,000 EUR) at 12:30..."),
    ['hello', 'world', "don't", 'e', 'mail', 'bob', 'example', 'com', 'it', 'costs', '3.50', 'or', '1,000', 'eur', 'at', '12:30'],
  );
  assert.deepEqual(tokenize('FREE Money', { lowercase: false }), ['FREE', 'Money']);
  assert.deepEqual(tokenize('Café naïve Straße'), ['café', 'naïve', 'straße']);
  assert.deepEqual(tokenize('it\u2019s 100mg, x_1 and 3.'), ["it's", '100', 'mg', 'x_1', 'and', '3']);
  assert.deepEqual(tokenize(' \n--- !!! '), []);
});

test('Vocabulary: build by frequency with specials, encode with an unknown token, JSON round trip', () => {
  const docs = [['b', 'a', 'b'], ['c', 'b', 'a'], ['d']];
  const v = Vocabulary.build(docs, { specials: ['<pad>', '<unk>'], unknown: '<unk>', minFreq: 2 });
  assert.deepEqual(v.tokens, ['<pad>', '<unk>', 'b', 'a']);
  assert.equal(v.size, 4);
  assert.equal(v.indexOf('a'), 3);
  assert.equal(v.indexOf('zzz'), 1);
  assert.deepEqual(Array.from(v.encode(['a', 'c', 'b'])), [3, 1, 2]);
  assert.deepEqual(v.decode([2, 3]), ['b', 'a']);
  const w = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
  assert.deepEqual(w.tokens, v.tokens);
  assert.equal(w.unknownIndex, 1);
  // ties keep first appearance; maxSize counts the specials
  assert.deepEqual(Vocabulary.build([['x', 'y', 'z']], { maxSize: 2 }).tokens, ['x', 'y']);
  // without an unknown token, unknown tokens are dropped
  assert.deepEqual(Array.from(new Vocabulary(['p', 'q']).encode(['q', 'r', 'p'])), [1, 0]);
  assert.throws(() => v.token(9), /index 9 is out of range for a vocabulary of 4 tokens/);
  assert.throws(() => new Vocabulary(['a'], { unknown: '<unk>' }), /'<unk>' is not in the vocabulary/);
});

const corpus = ['The cat sat.', 'the CAT cat ran', 'A dog ran!'];
// vocabulary (alphabetical): a, cat, dog, ran, sat, the; document frequencies 1, 2, 1, 2, 1, 2

test('CountVectorizer: alphabetical vocabulary and term counts', () => {
  const cv = new CountVectorizer();
  const x = cv.fitTransform(corpus);
  assert.deepEqual(cv.featureNames, ['a', 'cat', 'dog', 'ran', 'sat', 'the']);
  assert.deepEqual(Array.from(cv.documentFrequency), [1, 2, 1, 2, 1, 2]);
  assertRows(x, [
    [0, 1, 0, 0, 1, 1],
    [0, 2, 0, 1, 0, 1],
    [1, 0, 1, 1, 0, 0],
  ]);
  // unseen words are ignored; fit then transform equals fitTransform
  assertRows(cv.transform(['dog dog bird the']), [[0, 0, 2, 0, 0, 1]]);
  assertRows(new CountVectorizer().fit(corpus).transform(corpus), x.toArray() as number[][]);
  assertRows(new CountVectorizer({ binary: true }).fitTransform(corpus), [
    [0, 1, 0, 0, 1, 1],
    [0, 1, 0, 1, 0, 1],
    [1, 0, 1, 1, 0, 0],
  ]);
});

test('CountVectorizer: minDf, maxDf, maxFeatures, stop words, n-grams, fixed vocabulary', () => {
  assert.deepEqual(new CountVectorizer({ minDf: 2 }).fit(corpus).featureNames, ['cat', 'ran', 'the']);
  // a fraction: df >= 0.5 * 3
  assert.deepEqual(new CountVectorizer({ minDf: 0.5 }).fit(corpus).featureNames, ['cat', 'ran', 'the']);
  assert.deepEqual(new CountVectorizer({ maxDf: 0.5 }).fit(corpus).featureNames, ['a', 'dog', 'sat']);
  // maxFeatures keeps the largest total counts: cat 3, then ran/the 2 (tie broken alphabetically)
  assert.deepEqual(new CountVectorizer({ maxFeatures: 2 }).fit(corpus).featureNames, ['cat', 'ran']);
  assert.deepEqual(new CountVectorizer({ stopWords: ['the', 'a'] }).fit(corpus).featureNames, ['cat', 'dog', 'ran', 'sat']);
  const bi = new CountVectorizer({ ngramRange: [1, 2], minDf: 2 });
  assert.deepEqual(bi.fit(corpus).featureNames, ['cat', 'ran', 'the', 'the cat']);
  assertRows(bi.transform(['the cat the cat']), [[2, 0, 2, 2]]);
  const fixed = new CountVectorizer({ vocabulary: ['ran', 'cat', 'zebra'] });
  assertRows(fixed.fitTransform(corpus), [[0, 1, 0], [1, 2, 0], [1, 0, 0]]);
  assert.deepEqual(Array.from(fixed.documentFrequency), [2, 2, 0]);
  assert.throws(() => new CountVectorizer({ vocabulary: ['a', 'b', 'a'] }), /the fixed vocabulary repeats 'a'/);
  assert.throws(() => new CountVectorizer({ minDf: 5 }).fit(corpus), /no terms remain after pruning/);
  assert.throws(() => new CountVectorizer().transform(corpus), /not fitted yet/);
  assert.throws(() => new CountVectorizer({ ngramRange: [2, 1] }), /ngramRange/);
});

test('TfidfVectorizer: smooth idf and l2-normalised rows, values computed by hand', () => {
  // idf = ln((1 + 3) / (1 + df)) + 1: df 1 -> ln 2 + 1 = 1.693147, df 2 -> ln(4/3) + 1 = 1.287682
  const tv = new TfidfVectorizer();
  const x = tv.fitTransform(corpus);
  assert.deepEqual(tv.featureNames, ['a', 'cat', 'dog', 'ran', 'sat', 'the']);
  const idf = Array.from(tv.idf);
  [1.693147, 1.287682, 1.693147, 1.287682, 1.693147, 1.287682].forEach((v, j) => assert.ok(Math.abs(idf[j] - v) < 1e-6, `idf[${j}]`));
  // doc 0: (cat, sat, the) = (1.287682, 1.693147, 1.287682) / 2.486563
  // doc 1: (cat, ran, the) = (2, 1, 1) * 1.287682, normalised: (2, 1, 1) / sqrt(6)
  // doc 2: (a, dog, ran) = (1.693147, 1.693147, 1.287682) / 2.718771
  assertRows(x, [
    [0, 0.517856, 0, 0, 0.680919, 0.517856],
    [0, 0.816497, 0, 0.408248, 0, 0.408248],
    [0.622766, 0, 0.622766, 0.473630, 0, 0],
  ]);
  // a new text: dog twice, the once -> (2 * 1.693147, 1.287682) / 3.622994
  assertRows(tv.transform(['the dog dog barked']), [[0, 0, 0.934702, 0, 0, 0.355432]]);
  // an empty text stays a zero row
  assertRows(tv.transform(['?!']), [[0, 0, 0, 0, 0, 0]]);
});

test('TfidfVectorizer: norm, sublinearTf, smoothIdf and useIdf options', () => {
  const l1 = new TfidfVectorizer({ norm: 'l1' }).fitTransform(corpus);
  assertRows(l1.narrow(0, 1, 1), [[0, 0.5, 0, 0.25, 0, 0.25]]);
  // sublinear: cat's count 2 becomes 1 + ln 2
  const sub = new TfidfVectorizer({ sublinearTf: true }).fitTransform(corpus);
  assertRows(sub.narrow(0, 1, 1), [[0, 0.767495, 0, 0.453295, 0, 0.453295]]);
  // unsmoothed idf = ln(3 / df) + 1
  const raw = new TfidfVectorizer({ smoothIdf: false, norm: null });
  raw.fit(corpus);
  [2.098612, 1.405465, 2.098612, 1.405465, 2.098612, 1.405465].forEach((v, j) => assert.ok(Math.abs(raw.idf[j] - v) < 1e-6));
  assertRows(raw.transform(['cat cat']), [[0, 2 * 1.405465, 0, 0, 0, 0]], 1e-5);
  assertRows(new TfidfVectorizer({ useIdf: false, norm: null }).fitTransform(['b a b']), [[1, 2]]);
  assert.throws(() => new TfidfVectorizer({ norm: 'l3' as 'l1' }), /norm must be 'l1', 'l2' or null/);
});

test('vectorisers survive a JSON round trip', () => {
  const tv = new TfidfVectorizer({ minDf: 1, sublinearTf: true, stopWords: ['a'] });
  const x = tv.fitTransform(corpus);
  const back = CountVectorizer.fromJSON(JSON.parse(JSON.stringify(tv)));
  assert.ok(back instanceof TfidfVectorizer);
  assert.deepEqual(back.featureNames, tv.featureNames);
  assertRows(back.transform(corpus), x.toArray() as number[][]);
  const cv = new CountVectorizer({ binary: true }).fit(corpus);
  const cvBack = CountVectorizer.fromJSON(cv.toJSON());
  assert.ok(!(cvBack instanceof TfidfVectorizer));
  assertRows(cvBack.transform(['cat cat dog']), [[0, 1, 1, 0, 0, 0]]);
});
