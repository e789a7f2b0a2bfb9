/**
 * The Convolutions page in Chromium: the step view's sum is the convolution this test computes from the digit's own
 * bytes (lab/public/data/digits.bin) and the kernel, and conv2d's output pixel; stride 2 and 'same' padding give the
 * sizes of the formula; editing a kernel number changes the output; a photo is shrunk and convolved; and the CNN
 * trained from the page shows the feature maps of its 16- and 32-channel convolutions, for a drawing too.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildAndServe, drawStroke, openLab, ROOT, screenshot, seriousA11yViolations, skipWithoutChromium, waitForState, type LabSite, type LabState, type OpenedLab } from './harness.js';

interface ConvState extends LabState {
  kernel: number[][];
  kernelName: string;
  kernelSize: number;
  stride: number;
  padding: number;
  source: string;
  digitIndex: number;
  digitLabel: number | null;
  imageSize: [number, number];
  outputSize: [number, number] | null;
  position: [number, number];
  outputAt: number | null;
  sumShown: number | null;
  featureMaps: { layer: string; index: number; channels: number; height: number; width: number }[] | null;
  prediction: { digit: number; probability: number } | null;
  training: boolean;
  step: number;
  totalSteps: number;
  loss: number | null;
  samplesPerSecond: number | null;
  testAccuracy: number | null;
}

/** Held-out digit i as 784 values in [0, 1], read with the layout lab/scripts/data-digits.mjs writes. */
function heldOutDigit(i: number): Float64Array {
  const bytes = fs.readFileSync(path.join(ROOT, 'lab/public/data/digits.bin'));
  assert.equal(bytes.subarray(0, 4).toString('latin1'), 'MYDG');
  const nTrain = bytes.readUInt32LE(4);
  const at = 12 + nTrain * 785 + i * 784; // header, training pixels and labels, then the test digits
  return Float64Array.from(bytes.subarray(at, at + 784), (v) => v / 255);
}

/** The convolution (cross-correlation, zero padding) of a 28x28 image, written out: every output pixel. */
function convolve(img: Float64Array, kernel: number[][], stride: number, pad: number): number[][] {
  const k = kernel.length, n = Math.floor((28 + 2 * pad - k) / stride) + 1;
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => {
    let s = 0;
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        const y = r * stride - pad + a, x = c * stride - pad + b;
        if (y >= 0 && y < 28 && x >= 0 && x < 28) s += img[y * 28 + x] * kernel[a][b];
      }
    }
    return s;
  }));
}

/** The output pixel with the largest |value| (a spot where the kernel has something to say). */
function strongest(out: number[][]): [number, number] {
  let best: [number, number] = [0, 0];
  out.forEach((row, r) => row.forEach((v, c) => {
    if (Math.abs(v) > Math.abs(out[best[0]][best[1]])) best = [r, c];
  }));
  return best;
}

const state = (lab: OpenedLab, ok: (s: ConvState) => boolean, ms = 10_000): Promise<ConvState> =>
  waitForState(lab.page, (s) => ok(s as ConvState), ms) as Promise<ConvState>;

/** Clicks output pixel [row, col] on the output canvas. */
async function clickOutput(lab: OpenedLab, [row, col]: [number, number], [h, w]: [number, number]): Promise<void> {
  const box = await lab.page.locator('#conv-out').first().boundingBox();
  assert.ok(box, 'the output picture is visible');
  await lab.page.click('#conv-out', { position: { x: ((col + 0.5) / w) * box.width, y: ((row + 0.5) / h) * box.height } });
}

function assertSumIsConvolution(s: ConvState, expected: number[][], what: string): void {
  const [r, c] = s.position;
  assert.ok(s.sumShown !== null && s.outputAt !== null, `${what}: a sum is shown`);
  assert.ok(Math.abs(s.sumShown - expected[r][c]) < 1e-4, `${what}: the arithmetic line's sum ${s.sumShown} is the convolution ${expected[r][c]} at [${r}, ${c}]`);
  assert.ok(Math.abs(s.outputAt - s.sumShown) < 1e-4, `${what}: conv2d's pixel ${s.outputAt} equals the sum ${s.sumShown}`);
}

describe('the Convolutions page', { skip: skipWithoutChromium }, () => {
  let site: LabSite;
  let lab: OpenedLab;
  before(async () => {
    site = await buildAndServe();
    lab = await openLab(site, 'convolutions', 'en');
    await state(lab, (s) => s.digitLabel !== null, 20_000);
  });
  after(async () => {
    await lab?.close();
    await site?.close();
  });

  test('a preset, stepped to a position: the sum shown is the convolution of the digit\'s pixels and equals conv2d', async () => {
    await lab.page.fill('#conv-digit', '7');
    await lab.page.selectOption('#conv-preset', 'outline');
    let s = await state(lab, (x) => x.kernelName === 'outline' && x.digitIndex === 7);
    assert.deepEqual(s.kernel, [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]);
    assert.deepEqual(s.outputSize, [26, 26], '(28 - 3) / 1 + 1');
    const expected = convolve(heldOutDigit(7), s.kernel, 1, 0);
    const target = strongest(expected);
    await clickOutput(lab, target, [26, 26]);
    s = await state(lab, (x) => x.position[0] === target[0] && x.position[1] === target[1]);
    assert.ok(Math.abs(expected[target[0]][target[1]]) > 1, 'the chosen pixel is far from 0');
    assertSumIsConvolution(s, expected, 'clicked pixel');
    for (let k = 0; k < 2; k++) await lab.page.click('#conv-step');
    const next = target[1] + 2 < 26 ? [target[0], target[1] + 2] : [target[0] + 1, target[1] + 2 - 26];
    s = await state(lab, (x) => x.position[0] === next[0] && x.position[1] === next[1]);
    assertSumIsConvolution(s, expected, 'two steps on');
    const line = await lab.page.evaluate(() => document.querySelector('#conv-sum')!.textContent!);
    assert.equal(line.split(' + ').length, 9, `nine products in the arithmetic line: ${line}`);
    await clickOutput(lab, target, [26, 26]);
    await state(lab, (x) => x.position[0] === target[0] && x.position[1] === target[1]);
    await screenshot(lab.page, 'convolutions-step');
  });

  test('5x5 with stride 2 and \'same\' padding: a 14x14 output, and the sum still adds up', async () => {
    await lab.page.selectOption('#conv-size', '5');
    await lab.page.selectOption('#conv-stride', '2');
    await lab.page.selectOption('#conv-padding', 'same');
    const s0 = await state(lab, (x) => x.kernelSize === 5 && x.stride === 2 && x.padding === 2);
    assert.equal(s0.kernelName, 'outline');
    assert.deepEqual(s0.outputSize, [14, 14], '(28 + 2*2 - 5) / 2 + 1 = 14.5, rounded down');
    const expected = convolve(heldOutDigit(7), s0.kernel, 2, 2);
    const target = strongest(expected);
    await clickOutput(lab, target, [14, 14]);
    const s = await state(lab, (x) => x.position[0] === target[0] && x.position[1] === target[1]);
    assertSumIsConvolution(s, expected, '5x5, stride 2, padding 2');
  });

  test('editing one kernel number changes the output at once', async () => {
    const before = await state(lab, () => true);
    await lab.page.fill('#conv-k-2-2', '-3');
    const s = await state(lab, (x) => x.kernelName === 'custom' && x.kernel[2][2] === -3);
    assert.deepEqual(s.position, before.position);
    assert.notEqual(s.outputAt, before.outputAt, 'the output pixel changed');
    assertSumIsConvolution(s, convolve(heldOutDigit(7), s.kernel, 2, 2), 'edited kernel');
  });

  test('a photo is turned grey, shrunk to at most 96 pixels and convolved', async () => {
    await lab.page.evaluate(async () => {
      const c = document.createElement('canvas');
      c.width = 300;
      c.height = 150;
      const ctx = c.getContext('2d')!;
      ctx.fillStyle = '#204080';
      ctx.fillRect(0, 0, 300, 150);
      ctx.fillStyle = '#f0e442';
      ctx.fillRect(100, 30, 120, 90);
      const blob = await new Promise<Blob>((resolve) => c.toBlob((b) => resolve(b!), 'image/png'));
      const files = new DataTransfer();
      files.items.add(new File([blob], 'photo.png', { type: 'image/png' }));
      const input = document.querySelector<HTMLInputElement>('#conv-photo')!;
      input.files = files.files;
      input.dispatchEvent(new Event('change'));
    });
    const s = await state(lab, (x) => x.source === 'photo');
    assert.deepEqual(s.imageSize, [48, 96]);
    assert.deepEqual(s.outputSize, [24, 48], '(48 + 2*2 - 5) / 2 + 1 = 24.5 and (96 + 2*2 - 5) / 2 + 1 = 48.5, rounded down');
    assert.ok(s.sumShown !== null && s.outputAt !== null && Math.abs(s.sumShown - s.outputAt) < 1e-4, 'conv2d agrees with the sum');
    await lab.page.click('input[name="conv-source"][value="digit"]');
    await state(lab, (x) => x.source === 'digit');
  });

  test('training the CNN from the page shows the feature maps of its 16- and 32-channel convolutions', async (t) => {
    const s0 = await state(lab, () => true);
    assert.equal(s0.featureMaps, null, 'no CNN before training');
    await lab.page.click('#conv-train');
    await state(lab, (x) => x.training && x.step > 0, 30_000);
    // a language switch while it trains relabels the page and keeps the training going
    await lab.page.click('.lang button[lang="nl"]');
    const nl = await state(lab, (x) => x.lang === 'nl');
    assert.equal(nl.training, true);
    assert.match(await lab.page.evaluate(() => document.querySelector('#conv-train')!.textContent!), /Stop met trainen/);
    const t0 = Date.now();
    const s = await state(lab, (x) => !x.training && x.featureMaps !== null && x.testAccuracy !== null, 90_000);
    const conv = s.featureMaps!.filter((m) => m.layer === 'Conv2d');
    const pool = s.featureMaps!.filter((m) => m.layer === 'MaxPool2d');
    assert.deepEqual(conv.map((m) => [m.channels, m.height, m.width]), [[16, 28, 28], [32, 10, 10]]);
    assert.deepEqual(pool.map((m) => [m.channels, m.height, m.width]), [[16, 14, 14], [32, 5, 5]]);
    assert.equal(s.step, s.totalSteps);
    assert.ok(s.testAccuracy! > 0.9, `test accuracy ${s.testAccuracy}`);
    assert.ok(s.prediction !== null && s.prediction.probability > 0 && s.prediction.probability <= 1);
    const canvases = await lab.page.evaluate(() => document.querySelectorAll('#conv-maps canvas').length);
    assert.equal(canvases, 16 + 16 + 32 + 32, 'one picture per channel');
    t.diagnostic(`CNN: ${s.step} steps, ${Math.round(s.samplesPerSecond ?? 0)} digits/s, test accuracy ${s.testAccuracy}, waited ${Date.now() - t0} ms after the switch; predicts ${s.prediction!.digit} for a ${s.digitLabel}`);
    // a drawn "1": the picture and the feature maps follow the drawing
    await drawStroke(lab.page, '.draw-pad canvas', [[0.5, 0.15], [0.5, 0.5], [0.5, 0.85]]);
    const drawn = await state(lab, (x) => x.source === 'drawn' && x.prediction !== null && x.featureMaps !== null);
    assert.equal(drawn.prediction!.digit, 1, `a drawn 1 is read as ${JSON.stringify(drawn.prediction)}`);
    assert.ok(drawn.sumShown !== null && drawn.outputAt !== null && Math.abs(drawn.sumShown - drawn.outputAt) < 1e-4);
    await screenshot(lab.page, 'convolutions-feature-maps');
    const serious = await seriousA11yViolations(lab.page);
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.help}`), [], 'accessible with the feature maps shown');
    assert.deepEqual(lab.errors, [], 'no console errors');
  });
});
