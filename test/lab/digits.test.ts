/**
 * The Digits page in Chromium (static build): it trains the lesson network by itself so that drawing works at once;
 * trained for 5 epochs it reads at least 88% of the held-out digits, with a confusion matrix over all 2,000 and the
 * test digits behind a cell; drawn strokes (a 1, a 7, a 0) are recognised; a model file written by the command line
 * scores in the page what the command line printed, and a file that is no model is refused with a message.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildAndServe, drawStroke, openLab, ROOT, screenshot, seriousA11yViolations, skipWithoutChromium, waitForState, type LabSite, type LabState, type OpenedLab,
} from './harness.js';

const PAD = '.draw-pad canvas';
const CLEAR = '.draw-pad button:first-child';

interface DigitsState extends LabState {
  step: number;
  epochs: number | null;
  testAccuracy: number | null;
  history: { epoch: number; testAccuracy: number }[];
  training: boolean;
  autoTraining: boolean;
  modelSource: 'trained' | 'file' | null;
  modelArch: string | null;
  samplesPerSecond: number | null;
  prediction: number | null;
  probabilities: number[] | null;
  confusion: number[][] | null;
  examples: number[] | null;
  weights: { kind: string; count: number; side: number } | null;
  weightPictures: number;
  file: { name: string; error: string | null } | null;
}
const as = (s: LabState): DigitsState => s as DigitsState;

// strokes as fractions of the pad: a vertical line; a bar at the top, then down to the left; an ellipse
const ONE: [number, number][] = [[0.5, 0.15], [0.5, 0.85]];
const SEVEN: [number, number][] = [[0.25, 0.18], [0.75, 0.18], [0.42, 0.85]];
const ZERO: [number, number][] = Array.from({ length: 17 }, (_, k) => {
  const a = (2 * Math.PI * k) / 16;
  return [0.5 + 0.22 * Math.sin(a), 0.5 - 0.33 * Math.cos(a)];
});

describe('the Digits page', { skip: skipWithoutChromium }, () => {
  let site: LabSite;
  let lab: OpenedLab;
  let tmp: string;
  let cli: { test_accuracy: number; out: string };
  const wait = (ok: (s: DigitsState) => boolean, ms: number): Promise<DigitsState> => waitForState(lab.page, (s) => ok(as(s)), ms).then(as);

  async function draw(points: [number, number][], digit: number): Promise<number[]> {
    await lab.page.click(CLEAR);
    // the stroke is drawn at the pad's place in the viewport, so the whole pad must be in view
    await lab.page.evaluate((sel) => document.querySelector(sel)!.scrollIntoView({ block: 'center' }), PAD);
    await drawStroke(lab.page, PAD, points);
    await new Promise((r) => setTimeout(r, 200)); // the pad reads itself on the next frame
    const s = await wait((x) => x.prediction !== null, 5_000);
    assert.equal(s.prediction, digit, `drew a ${digit}; probabilities ${JSON.stringify(s.probabilities)}`);
    return s.probabilities!;
  }

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-digits-'));
    const out = path.join(tmp, 'm.safetensors');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/apps/cli/main.js'), 'train', 'mnist', '--model', 'lesson', '--epochs', '1', '--out', out, '--json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    cli = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    fs.writeFileSync(path.join(tmp, 'notes.safetensors'), 'these are not weights');
    const xor = spawnSync(process.execPath, [path.join(ROOT, 'dist/src/apps/cli/main.js'), 'train', 'xor', '--epochs', '10', '--out', path.join(tmp, 'xor.safetensors'), '--json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(xor.status, 0, xor.stderr);
    site = await buildAndServe();
    lab = await openLab(site, 'digits', 'en');
  });
  after(async () => {
    await lab?.close();
    await site?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('trains the lesson network for one epoch by itself, and says so', async () => {
    const text = await lab.page.evaluate(() => document.querySelector('.dg-status')?.textContent ?? '');
    const s = await wait((x) => x.modelSource === 'trained' && !x.training && x.testAccuracy !== null && x.step > 0, 90_000);
    assert.match(text + (await lab.page.evaluate(() => document.querySelector('.dg-status')?.textContent ?? '')), /1 (round|epoch)/);
    assert.equal(s.epochs, 1);
    assert.equal(s.history.length, 1);
    assert.equal(s.step, 500, '8,000 digits in batches of 16');
    assert.ok(s.testAccuracy! > 0.75, `one epoch: ${s.testAccuracy}`);
    assert.deepEqual(s.weights, { kind: 'linear', count: 16, side: 28 });
  });

  test('trains the lesson network for 5 epochs: at least 88% on the held-out digits, and the confusion matrix', async (t) => {
    await lab.page.selectOption('#dg-arch', 'lesson');
    await lab.page.fill('#dg-epochs', '5');
    await lab.page.keyboard.press('Tab');
    const pictures = (await wait(() => true, 1_000)).weightPictures;
    const t0 = Date.now();
    await lab.page.click('#dg-train');
    await wait((s) => s.training && s.epochs === 5, 5_000);
    const s = await wait((x) => !x.training && x.confusion !== null, 60_000);
    t.diagnostic(`lesson, 5 epochs: test accuracy ${s.testAccuracy}, ${s.step} steps, ${Math.round(s.samplesPerSecond!)} samples/s in the page, ${Date.now() - t0} ms`);
    assert.equal(s.history.length, 5);
    assert.ok(s.testAccuracy! >= 0.88, `test accuracy ${s.testAccuracy}`);
    const c = s.confusion!;
    const total = c.flat().reduce((a, b) => a + b, 0);
    const right = c.reduce((a, row, i) => a + row[i], 0);
    assert.equal(total, 2000);
    assert.ok(Math.abs(right / total - s.testAccuracy!) < 1e-9, 'the diagonal is the test accuracy');
    assert.ok(s.weightPictures > pictures, 'the weight pictures follow the training');
    assert.ok(s.samplesPerSecond! > 1000);
    await screenshot(lab.page, 'digits-trained');

    // a language switch re-renders the texts and keeps the state
    await lab.page.click('button[lang=nl]');
    const nl = await wait((x) => x.lang === 'nl', 2_000);
    assert.match(await lab.page.evaluate(() => document.querySelector('.dg-status')!.textContent!), /lesnetwerk leest 9\d,\d%/);
    assert.equal(nl.step, s.step);
    await lab.page.click('button[lang=en]');

    // the worst mix-up: its cell shows those test digits
    let worst: [number, number] = [0, 1];
    c.forEach((row, i) => row.forEach((v, j) => { if (i !== j && v > c[worst[0]][worst[1]]) worst = [i, j]; }));
    await lab.page.click(`[data-cell="${worst[0]}-${worst[1]}"]`);
    const e = await wait((x) => x.examples !== null, 10_000);
    assert.equal(e.examples!.length, Math.min(12, c[worst[0]][worst[1]]));
    assert.equal(await lab.page.locator('.dg-thumbs canvas').count(), e.examples!.length);
  });

  test('recognises a drawn 1, 7 and 0', async (t) => {
    t.diagnostic(`1: ${(await draw(ONE, 1))[1]}`);
    t.diagnostic(`0: ${(await draw(ZERO, 0))[0]}`);
    t.diagnostic(`7: ${(await draw(SEVEN, 7))[7]}`);
    await screenshot(lab.page, 'digits-drawn-7');
  });

  test('trains the CNN (its 5x5 filters as pictures) and stops when asked', async (t) => {
    await lab.page.selectOption('#dg-arch', 'cnn');
    assert.equal(await lab.page.evaluate(() => (document.querySelector('#dg-batch') as HTMLSelectElement).value), '64', 'the CNN\'s settings');
    await lab.page.click('#dg-train');
    const mid = await wait((s) => s.training && s.step >= 40 && s.weights?.kind === 'conv', 30_000);
    await lab.page.click('#dg-stop');
    const s = await wait((x) => !x.training && x.confusion !== null, 20_000);
    t.diagnostic(`cnn: ${Math.round(s.samplesPerSecond!)} samples/s in the page; stopped after ${s.step} steps, test accuracy ${s.testAccuracy}`);
    assert.deepEqual(mid.weights, { kind: 'conv', count: 16, side: 5 });
    assert.ok(s.step < 125, 'stopped within the first epoch');
    assert.equal(s.modelArch, 'cnn');
    assert.ok(s.testAccuracy! > 0.5, `test accuracy ${s.testAccuracy}`);
    assert.match(await lab.page.evaluate(() => document.querySelector('.dg-status')!.textContent!), /^Stopped after \d+ steps/);
  });

  test('tests a model file from the command line in the page, and refuses a file that is no model or not for digits', async (t) => {
    const message = (): Promise<string> => lab.page.evaluate(() => document.querySelector('.dg-file-message')!.textContent!);
    await lab.page.setInputFiles('#dg-file', path.join(tmp, 'notes.safetensors'));
    const bad = await wait((s) => s.file?.name === 'notes.safetensors' && s.file.error !== null, 10_000);
    assert.equal(bad.modelSource, 'trained', 'the trained model stays');
    assert.match(await message(), /^notes\.safetensors is not a model file/);
    await lab.page.setInputFiles('#dg-file', path.join(tmp, 'xor.safetensors'));
    await wait((s) => s.file?.name === 'xor.safetensors' && s.file.error !== null, 10_000);
    assert.match(await message(), /^xor\.safetensors holds a model, but not one that reads 28×28 digits/);
    await lab.page.setInputFiles('#dg-file', cli.out);
    const s = await wait((x) => x.modelSource === 'file' && x.file?.error === null && x.confusion !== null, 20_000);
    t.diagnostic(`CLI: ${cli.test_accuracy}; in the page: ${s.testAccuracy}`);
    assert.ok(Math.abs(s.testAccuracy! - cli.test_accuracy) <= 0.005, `page ${s.testAccuracy} vs CLI ${cli.test_accuracy}`);
    assert.equal(s.modelArch, null);
    // everything shown by now (bars, curves, confusion matrix, digits of a cell, file message) is accessible
    const serious = await seriousA11yViolations(lab.page);
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), []);
    assert.deepEqual(lab.errors, []);
  });
});
