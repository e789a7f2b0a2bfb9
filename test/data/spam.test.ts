import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasets, spamAssassin, spamSplitIndices } from '../../src/data/index.js';

const count = (labels: Int32Array, v: number) => labels.reduce((a, l) => a + (l === v ? 1 : 0), 0);

test('spamSplitIndices: a fixed, stratified 80/20 split covering every message once', () => {
  const labels = Array.from({ length: 6046 }, (_, i) => (i >= 4150 ? 1 : 0));
  const a = spamSplitIndices(labels);
  const b = spamSplitIndices(labels);
  assert.deepEqual(a, b);
  assert.equal(a.train.length, 4837);
  assert.equal(a.test.length, 1209);
  assert.deepEqual([...a.train, ...a.test].sort((x, y) => x - y), Array.from({ length: 6046 }, (_, i) => i));
  assert.equal(a.train.filter((i) => labels[i] === 1).length, 1517);
  assert.equal(a.test.filter((i) => labels[i] === 1).length, 379);
});

test('spamAssassin: split sizes, label balance, texts reduced to subject and body, second load from the cache', () => {
  const first = spamAssassin();
  const second = datasets.spamAssassin();
  assert.equal(second.cache.hit, true);
  assert.notEqual(second.cache.path, null);
  for (const data of [first, second]) {
    assert.equal(data.train.texts.length, 4837);
    assert.equal(data.test.texts.length, 1209);
    assert.ok(data.train.labels instanceof Int32Array);
    assert.equal(data.train.labels.length, 4837);
    assert.equal(count(data.train.labels, 1), 1517);
    assert.equal(count(data.train.labels, 0), 3320);
    assert.equal(count(data.test.labels, 1), 379);
    assert.equal(count(data.test.labels, 0), 830);
  }
  assert.deepEqual(second.train.texts, first.train.texts);
  assert.deepEqual(Array.from(second.test.labels), Array.from(first.test.labels));
  const all = [...first.train.texts, ...first.test.texts];
  // the messages' own headers are gone (a few bodies quote other messages' headers, which stay)
  assert.equal(all.filter((t) => /^(Received:|Return-Path:|Delivered-To:|X-Spam|From \S+@\S+ +\w{3} \w{3} )/.test(t)).length, 0);
  assert.ok(all.filter((t) => /^Received: /m.test(t)).length < 20);
  // nearly every message keeps some text
  assert.ok(all.filter((t) => t.length < 20).length <= 5);
  // a known spam (spam-2/00009): quoted-printable decoded, subject first
  const i = first.train.texts.findIndex((t) => t.startsWith('[SA] URGENT HELP'));
  const j = first.test.texts.findIndex((t) => t.startsWith('[SA] URGENT HELP'));
  const text = i >= 0 ? first.train.texts[i] : first.test.texts[j];
  assert.equal(i >= 0 ? first.train.labels[i] : first.test.labels[j], 1);
  assert.match(text, /DEAR SIR,\nURGENT AND CONFIDENTIAL:/);
  assert.match(text, /\$50,000\.000\.00 USD\[FIFTY MILLION/);
  // HTML is reduced to text: markup survives only in a handful of malformed messages (of 1,100 with HTML)
  assert.ok(all.filter((t) => /<\/?(html|body|table|font)\b/i.test(t)).length < 20);
});
