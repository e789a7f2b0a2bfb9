/**
 * The "Inside a network" page in Chromium: it trains the lesson network when there is none, shows the autograd
 * graph of one loss, every layer's output with the right shapes, a saliency map that follows the chosen class, and
 * overfitting: 200 training digits are learned by heart (high train accuracy, a wide gap to the test digits) while
 * 8,000 leave a smaller gap. Screenshots: inside-graph, inside-overfitting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildAndServe, drawStroke, openLab, screenshot, skipWithoutChromium, waitForState, type LabSite, type LabState } from './harness.js';

interface Layer { name: string; shape: number[]; min: number; max: number }
interface Overfit {
  trainSize: number; dropout: number; weightDecay: number; epochs: number; epoch: number;
  trainAccuracy: number | null; testAccuracy: number | null; training: boolean; samplesPerSecond: number | null; error: string | null;
  previous: { trainSize: number; trainAccuracy: number; testAccuracy: number } | null;
}
const overfit = (s: LabState): Overfit => s.overfit as Overfit;

describe('Inside a network', { skip: skipWithoutChromium }, () => {
  let site: LabSite;
  before(async () => {
    site = await buildAndServe();
  });
  after(() => site?.close());

  test('graph, layers, saliency and overfitting of real models', async (t) => {
    const lab = await openLab(site, 'inside?n=200&dropout=0&wd=0&epochs=30', 'en');
    const { page } = lab;
    try {
      // a fresh browser has no shared model: the page trains the lesson network (2 epochs), then looks inside it
      let s = await waitForState(page, (x) => x.model === 'lesson' && x.training === false && x.input === 'digit' && Number(x.graphNodes) > 0, 30_000);
      t.diagnostic(`lesson network: ${s.step} steps, test accuracy ${s.testAccuracy}`);
      assert.ok(Number(s.testAccuracy) > 0.7, `the lesson network learned (test accuracy ${s.testAccuracy})`);

      const layers = s.layers as Layer[];
      assert.deepEqual(layers.map((l) => l.name), ['0 · RandomShift', '1 · Flatten', '2 · Linear', '3 · Sigmoid', '4 · Linear', '5 · Sigmoid', '6 · Linear']);
      assert.deepEqual(layers.map((l) => l.shape), [[1, 28, 28], [784], [16], [16], [16], [16], [10]]);
      assert.ok(layers[3].min >= 0 && layers[3].max <= 1 && layers[3].max > layers[3].min, 'sigmoid outputs lie in [0, 1] and differ');
      assert.equal(await page.locator('.inside figure.layer canvas').count(), 7, 'one picture per layer');

      const linears = layers.filter((l) => l.name.endsWith('Linear')).length;
      assert.ok(Number(s.graphNodes) >= 2 * linears, `graph nodes ${s.graphNodes} >= 2 x ${linears} Linear layers`);
      assert.equal(s.graphParameters, 6, 'three weights and three biases');
      assert.equal(await page.locator('svg.graph .node.op').count(), s.graphNodes, 'the diagram draws every op');
      assert.equal(s.parameters, 13002);

      // saliency: the predicted class first, then another one
      assert.equal(s.saliencyClass, s.prediction);
      assert.ok(Number(s.saliencyMax) > 0, 'the gradient is not zero');
      const other = (Number(s.prediction) + 3) % 10;
      await page.click(`.class-picker button[data-class="${other}"]`);
      const s2 = await waitForState(page, (x) => x.saliencyClass === other, 5_000);
      assert.equal(s2.saliencyAuto, false);
      assert.ok(Number(s2.saliencyMax) > 0 && s2.saliencyMax !== s.saliencyMax, `saliency changes with the class: ${s.saliencyMax} -> ${s2.saliencyMax}`);
      t.diagnostic(await screenshot(page, 'inside-graph'));
      await page.click('.class-picker button[data-class="auto"]');

      // the keyboard reads the output layer's cells
      await page.evaluate(() => document.querySelectorAll<HTMLElement>('.inside figure.layer canvas')[6].focus());
      await page.keyboard.press('End');
      const readout = await page.evaluate(() => document.querySelectorAll('.inside figure.layer .readout')[6].textContent);
      assert.match(readout ?? '', /^cell 9: -?\d/, 'End reads the score of digit 9');

      // a drawn 1: every layer follows the stroke
      await page.click('.draw-pad button'); // Clear
      await waitForState(page, (x) => x.input === null && (x.layers as Layer[]).length === 0, 5_000);
      await drawStroke(page, '.draw-pad canvas', [[0.52, 0.15], [0.5, 0.5], [0.48, 0.85]]);
      s = await waitForState(page, (x) => x.input === 'drawn' && (x.layers as Layer[]).length === 7, 5_000);
      t.diagnostic(`a drawn 1 is read as ${s.prediction} (${s.confidence})`);
      assert.equal(s.saliencyClass, s.prediction);

      // 200 digits, no dropout, no weight decay: learned by heart
      await page.click('#inside-train');
      const t0 = Date.now();
      s = await waitForState(page, (x) => overfit(x).training === false && overfit(x).epoch === 30, 40_000);
      const small = overfit(s);
      t.diagnostic(`200 digits: train ${small.trainAccuracy}, test ${small.testAccuracy}, ${small.samplesPerSecond} samples/s, ${Date.now() - t0} ms`);
      assert.equal(small.trainSize, 200);
      assert.ok(small.trainAccuracy! >= 0.95, `train accuracy ${small.trainAccuracy}`);
      assert.ok(small.trainAccuracy! - small.testAccuracy! >= 0.1, `gap ${small.trainAccuracy! - small.testAccuracy!}`);

      // 8,000 digits (the slider's End key, from the keyboard), the same 30 epochs: the gap closes
      await page.evaluate(() => document.querySelector<HTMLElement>('#inside-n')!.focus());
      await page.keyboard.press('End');
      const url = await page.evaluate(() => location.hash);
      assert.match(url, /n=8000/, 'the set-up is in the URL');
      await page.click('#inside-train');
      const t1 = Date.now();
      // a language switch while it trains keeps the run going
      await page.click('.lang button[lang="nl"]');
      s = await waitForState(page, (x) => x.lang === 'nl', 5_000);
      assert.equal(overfit(s).training, true, 'still training after the switch');
      assert.equal(await page.evaluate(() => document.querySelector('#inside-train')!.textContent), 'Trainen');
      await page.click('.lang button[lang="en"]');
      s = await waitForState(page, (x) => overfit(x).training === false && overfit(x).epoch === 30 && overfit(x).trainSize === 8000, 60_000);
      const big = overfit(s);
      t.diagnostic(`8,000 digits: train ${big.trainAccuracy}, test ${big.testAccuracy}, ${big.samplesPerSecond} samples/s, ${Date.now() - t1} ms`);
      assert.ok(big.trainAccuracy! - big.testAccuracy! < small.trainAccuracy! - small.testAccuracy!, 'more data, smaller gap');
      assert.ok(big.testAccuracy! > small.testAccuracy!, 'and better on the held-out digits');
      assert.equal(big.previous?.trainSize, 200, 'the previous run stays on the charts');
      t.diagnostic(await screenshot(page, 'inside-overfitting'));

      assert.deepEqual(lab.errors, []);
    } finally {
      await lab.close();
    }
  });
});
