import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fit } from '../../src/index.js';
import { ProgressBar, formatDuration, formatLogs, formatValue } from '../../src/train/progress.js';
import { FakeStream, blobs, classifier } from './data.js';

const number = String.raw`-?\d+(?:\.\d+)?(?:e[-+]\d+)?`;

test('not a terminal: exactly one line per epoch with epoch i/N, loss, metrics and samples/s', async () => {
  const [x, y] = blobs(40);
  const stream = new FakeStream(false);
  const h = await fit(classifier(0), [x, y], { epochs: 3, batchSize: 8, metrics: ['accuracy'], validationData: [x, y], progressStream: stream });
  assert.equal(stream.chunks.length, 3);
  assert.ok(!stream.text.includes('\r'));
  const lines = stream.text.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 3);
  lines.forEach((line, i) => {
    const re = new RegExp(`^Epoch ${i + 1}/3 - loss (${number}) - accuracy (${number}) - valLoss (${number}) - valAccuracy (${number}) - lr (${number}) - (\\d+) samples/s - \\d+s$`);
    const m = re.exec(line);
    assert.ok(m, line);
    assert.equal(m[1], formatValue(h.history.loss[i]));
    assert.equal(m[2], formatValue(h.history.accuracy[i]));
    assert.equal(m[3], formatValue(h.history.valLoss[i]));
    assert.equal(Number(m[5]), h.history.lr[i]);
    assert.ok(Number(m[6]) > 0);
  });
});

test('a terminal: carriage-return redraws with step/total and ETA, and one final newline per epoch', async () => {
  const [x, y] = blobs(40);
  const stream = new FakeStream(true, 200);
  await fit(classifier(1), [x, y], { epochs: 2, batchSize: 8, metrics: ['accuracy'], progressStream: stream });
  const text = stream.text;
  assert.equal(text.split('\n').length - 1, 2, 'one newline per epoch');
  const epochs = text.split('\n').slice(0, 2);
  epochs.forEach((chunk, i) => {
    const draws = chunk.split('\r').slice(1);
    // redraws during the epoch (the first step and the last at least), then the summary
    assert.ok(draws.length >= 3, `${draws.length} draws in epoch ${i + 1}`);
    const bars = draws.slice(0, -1);
    for (const d of bars) {
      assert.match(d, new RegExp(`^Epoch ${i + 1}/2 \\[[=> ]{24}\\] [1-5]/5 - loss ${number} - accuracy ${number} - \\d+ samples/s - ETA \\d+s\\x1b\\[K$`));
    }
    assert.match(bars[0], / 1\/5 /);
    assert.match(bars[bars.length - 1], /\[={24}\] 5\/5 .* ETA 0s/);
    assert.match(draws[draws.length - 1], new RegExp(`^Epoch ${i + 1}/2 - loss ${number} - accuracy ${number} - lr ${number} - \\d+ samples/s - \\d+s\\x1b\\[K$`));
  });
});

test('verbose: false prints nothing', async () => {
  const [x, y] = blobs(16);
  for (const tty of [false, true]) {
    const stream = new FakeStream(tty);
    await fit(classifier(2), [x, y], { epochs: 2, batchSize: 8, verbose: false, progressStream: stream });
    assert.deepEqual(stream.chunks, []);
  }
});

test('the bar redraws at most ~10 times a second, always on the first and last step', () => {
  const stream = new FakeStream(true);
  const bar = new ProgressBar(stream, 1, 1000);
  bar.epochStart();
  const t0 = performance.now();
  for (let s = 1; s <= 1000; s++) bar.step(1, s, s * 4, { loss: 0.5 });
  const ms = performance.now() - t0;
  // a thousand quick steps: the first and the last are drawn, and at most one more per 100 ms that passed
  const n = stream.chunks.length;
  assert.ok(n >= 2 && n <= 2 + Math.ceil(ms / 100), `${n} draws in ${ms} ms`);
  assert.match(stream.chunks[0], /^\rEpoch 1\/1 \[ {24}\] 1\/1000 - loss 0\.5000 - \d+ samples\/s - ETA \d+s\x1b\[K$/);
  assert.match(stream.chunks[n - 1], /^\rEpoch 1\/1 \[={24}\] 1000\/1000 - loss 0\.5000 - \d+ samples\/s - ETA 0s\x1b\[K$/);
  bar.epochEnd(1, 4000, { loss: 0.5 });
  assert.match(stream.chunks[n], /^\rEpoch 1\/1 - loss 0\.5000 - \d+ samples\/s - \d+s\x1b\[K\n$/);
});

test('on a narrow terminal the logs are shortened, never the position or the ETA', () => {
  const stream = new FakeStream(true, 90);
  const bar = new ProgressBar(stream, 3, 10);
  bar.epochStart();
  bar.step(2, 1, 32, { loss: 0.25, accuracy: 0.5, precision: 0.75, recall: 0.125, f1: 0.3 });
  const line = stream.chunks[0].replace(/^\r/, '').replace(/\x1b\[K$/, '');
  assert.ok(line.length <= 89, `${line.length}`);
  assert.match(line, /^Epoch 2\/3 \[=> {22}\] 1\/10 - loss.*\.\.\. - \d+ samples\/s - ETA \d+s$/);
  // too narrow even for that: the line is cut at the terminal width
  const tiny = new FakeStream(true, 20);
  const b2 = new ProgressBar(tiny, 3, 10);
  b2.epochStart();
  b2.step(1, 1, 32, { loss: 0.25 });
  assert.equal(tiny.chunks[0].replace(/^\r/, '').replace(/\x1b\[K$/, '').length, 19);
});

test('formatting: values as Keras shows them, durations in s, m and h', () => {
  assert.equal(formatValue(0.123456), '0.1235');
  assert.equal(formatValue(1), '1');
  assert.equal(formatValue(0.001), '0.0010');
  assert.equal(formatValue(1e-5), '1.0000e-5');
  assert.equal(formatValue(-2.5e-4), '-2.5000e-4');
  assert.equal(formatValue(12345.678), '12345.678');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatLogs({ loss: 0.5, lr: 3e-4, accuracy: 1 }), 'loss 0.5000 - lr 3.0000e-4 - accuracy 1');
  assert.equal(formatDuration(4.4), '4s');
  assert.equal(formatDuration(61), '1m01s');
  assert.equal(formatDuration(3725), '1h02m');
  assert.equal(formatDuration(Infinity), '?');
});
