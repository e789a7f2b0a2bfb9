import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { drawOnPaper, loadMnistDigit, SAMPLE_DIGITS, SAMPLE_SIZE } from '../../../examples/digits/make-digits.js';
import { decodePng } from '../../../src/apps/image/png.js';
import { toMnistInput } from '../../../src/data/image/preprocess.js';

test('the sample digits in examples/digits are the MNIST digits they claim to be, and preprocess back to them', () => {
  for (const [label, index] of SAMPLE_DIGITS) {
    const img = decodePng(new Uint8Array(readFileSync(new URL(`../../../../examples/digits/${label}.png`, import.meta.url))));
    assert.equal(img.width, SAMPLE_SIZE);
    assert.equal(img.height, SAMPLE_SIZE);
    assert.equal(img.channels, 1);
    const digit = loadMnistDigit(label, index);
    // The committed file holds exactly what make-digits.ts draws (compared as pixels: zlib output may vary by version).
    assert.deepEqual(img.data, drawOnPaper(digit, SAMPLE_SIZE), `${label}.png is out of date: rerun make-digits`);
    const out = toMnistInput(img);
    let ma = 0, mb = 0;
    for (let i = 0; i < 784; i++) { ma += out[i] / 784; mb += digit[i] / 784; }
    let sab = 0, saa = 0, sbb = 0;
    for (let i = 0; i < 784; i++) { sab += (out[i] - ma) * (digit[i] - mb); saa += (out[i] - ma) ** 2; sbb += (digit[i] - mb) ** 2; }
    const r = sab / Math.sqrt(saa * sbb);
    assert.ok(r > 0.9, `${label}.png: correlation with MNIST digit ${label} #${index} is ${r.toFixed(3)}`);
  }
});
