/**
 * The Spam filter page in Chromium: it trains in the page to at least 0.95 test accuracy, a spammy and a hammy text
 * land on the right sides of 0.5 (with spam-ward and ham-ward words to show for it), the threshold slider moves the
 * confusion matrix the right way, and a language switch keeps the trained filter. Screenshot: spam-trained.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildAndServe, openLab, ROOT, screenshot, seriousA11yViolations, skipWithoutChromium, startDevServer, waitForState,
  type LabSite, type LabState, type OpenedLab, type Page,
} from './harness.js';

const DATA = path.join(ROOT, 'lab/public/data/spam.json');
const SPAMMY = 'WIN a FREE prize!!! Click here to claim your cash now';
const HAMMY = 'Hi all, the meeting about the release moved to Thursday at 3pm. I sent the patch for the build script to the list; could someone review it before then? Thanks, Tom';

type Confusion = { tp: number; fp: number; fn: number; tn: number };

/** Types `text` into the box and waits for the prediction of exactly that text. */
async function typeAndPredict(page: Page, text: string): Promise<LabState> {
  await page.fill('#spam-text', text);
  return waitForState(page, (s) => s.textChars === text.length && s.spamProbability !== null, 5_000);
}

/** Moves the threshold slider with the keyboard (Home, then ArrowRight) to `value`; returns the state there. */
async function setThreshold(page: Page, value: number): Promise<LabState> {
  await page.evaluate(() => document.querySelector<HTMLInputElement>('#spam-threshold')!.focus());
  await page.keyboard.press('Home');
  for (let v = 0.01; v < value - 1e-9; v += 0.01) await page.keyboard.press('ArrowRight');
  return waitForState(page, (s) => Math.abs(Number(s.threshold) - value) < 1e-6, 5_000);
}

describe('the Spam filter page', { skip: skipWithoutChromium }, () => {
  let site: LabSite;
  let lab: OpenedLab;
  before(async () => {
    // the page's e-mails are bundled at build time; make them if this checkout has not yet
    if (!fs.existsSync(DATA)) {
      const r = spawnSync(process.execPath, ['lab/scripts/data-spam.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `data-spam.mjs failed:\n${r.stderr}`);
    }
    site = await buildAndServe();
    lab = await openLab(site, 'spam', 'en');
  });
  after(async () => {
    await lab?.close();
    await site?.close();
  });

  test('before training: the e-mails are loaded and there is no filter yet', async () => {
    const s = await waitForState(lab.page, (x) => x.data !== 'loading', 10_000);
    assert.equal(s.data, 'ready', 'lab/public/data/spam.json is served');
    assert.equal(s.step, 0);
    assert.equal(s.spamProbability, null);
    assert.equal(s.confusion, null);
  });

  test('trains in the page to at least 0.95 test accuracy', async (t) => {
    const t0 = Date.now();
    await lab.page.click('#spam-train');
    const s = await waitForState(lab.page, (x) => x.run === 'done', 40_000);
    t.diagnostic(`trained in ${Date.now() - t0} ms: ${s.step} steps at ${s.stepsPerSecond} steps/s, vocabulary ${s.vocabularySize}, `
      + `loss ${s.loss}, test loss ${s.testLoss}, test accuracy ${s.testAccuracy}`);
    assert.equal(s.training, false);
    assert.equal(s.step, s.totalSteps);
    assert.equal(s.epoch, s.epochs);
    assert.ok(Number(s.vocabularySize) >= 1000, `vocabulary ${s.vocabularySize}`);
    assert.ok(Number(s.testAccuracy) >= 0.95, `test accuracy ${s.testAccuracy}`);
    assert.ok(Number(s.testLoss) < 0.3, `test loss ${s.testLoss}`);
    const c = s.confusion as Confusion;
    assert.equal(c.tp + c.fp + c.fn + c.tn, 450, 'every test e-mail is in the matrix');
    assert.ok(Math.abs((c.tp + c.tn) / 450 - Number(s.testAccuracy)) < 1e-3, 'the matrix at 0.5 agrees with the worker\'s accuracy');
  });

  test('a spammy text is spam and a hammy one is not, with words to show why', async (t) => {
    const spam = await typeAndPredict(lab.page, SPAMMY);
    const ham = await typeAndPredict(lab.page, HAMMY);
    t.diagnostic(`spammy ${spam.spamProbability} ${JSON.stringify(spam.topWords)}`);
    t.diagnostic(`hammy ${ham.spamProbability} ${JSON.stringify(ham.topWords)}`);
    assert.ok(Number(spam.spamProbability) > 0.5, `spammy text: ${spam.spamProbability}`);
    assert.ok(Number(ham.spamProbability) < 0.5, `hammy text: ${ham.spamProbability}`);
    const words = (s: LabState) => s.topWords as { word: string; contribution: number }[];
    assert.ok(words(spam).some((w) => w.contribution > 0 && ['win', 'free', 'prize', 'click', 'claim', 'cash'].includes(w.word)), 'spam-ward words of the spammy text');
    assert.ok(words(ham).some((w) => w.contribution < 0), 'ham-ward words of the hammy text');
    const chips = await lab.page.evaluate(() => document.querySelectorAll('.spam-chip').length);
    assert.equal(chips, words(ham).length, 'a chip per top word');
  });

  test('a higher threshold puts less good mail in the spam box and lets more spam through', async () => {
    const mid = (await setThreshold(lab.page, 0.5)).confusion as Confusion;
    const high = (await setThreshold(lab.page, 0.9)).confusion as Confusion;
    const low = (await setThreshold(lab.page, 0.1)).confusion as Confusion;
    assert.ok(high.fp <= mid.fp && mid.fp <= low.fp, `good mail in the spam box: ${low.fp} / ${mid.fp} / ${high.fp} at 0.1 / 0.5 / 0.9`);
    assert.ok(high.fn >= mid.fn && mid.fn >= low.fn, `spam slipped through: ${low.fn} / ${mid.fn} / ${high.fn}`);
    assert.ok(high.tp + high.fp < low.tp + low.fp, 'the spam box holds fewer e-mails at 0.9 than at 0.1');
    const url = await lab.page.evaluate(() => location.hash);
    assert.match(url, /threshold=0\.1\b/, 'the threshold is in the URL');
  });

  test('an example e-mail, a language switch that keeps the filter, and a screenshot', async (t) => {
    await setThreshold(lab.page, 0.5);
    await lab.page.click('[data-example="spam"]');
    const spam = await waitForState(lab.page, (x) => x.example === 'spam', 5_000);
    assert.ok(Number(spam.spamProbability) > 0.9, `the clear spam example: ${spam.spamProbability}`);
    await lab.page.click('[data-example="ham"]');
    const ham = await waitForState(lab.page, (x) => x.example === 'ham', 5_000);
    assert.ok(Number(ham.spamProbability) < 0.1, `the clear good-mail example: ${ham.spamProbability}`);
    await lab.page.click('[data-example="borderline"]');
    const hard = await waitForState(lab.page, (x) => x.example === 'borderline', 5_000);
    await lab.page.click('.lang button[lang="nl"]');
    const nl = await waitForState(lab.page, (x) => x.lang === 'nl', 5_000);
    assert.equal(nl.step, spam.step, 'the trained filter survives the switch');
    assert.equal(nl.spamProbability, hard.spamProbability, 'and so does the prediction');
    const button = await lab.page.evaluate(() => document.querySelector('#spam-train')!.textContent);
    assert.equal(button, 'Opnieuw trainen vanaf nul');
    await lab.page.click('.lang button[lang="en"]');
    await waitForState(lab.page, (x) => x.lang === 'en', 5_000);
    t.diagnostic(await screenshot(lab.page, 'spam-trained'));
    const serious = await seriousA11yViolations(lab.page);
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.help}`), [], 'accessibility of the trained page');
  });

  test('fits a phone: nothing wider than 400 px', async (t) => {
    await lab.page.setViewportSize({ width: 400, height: 800 });
    const width = await lab.page.evaluate(() => document.documentElement.scrollWidth);
    t.diagnostic(await screenshot(lab.page, 'spam-phone'));
    assert.ok(width <= 400, `page width ${width}`);
    assert.deepEqual(lab.errors, [], 'console errors');
  });
});

describe('the Spam filter page on the dev server', { skip: skipWithoutChromium }, () => {
  let site: LabSite;
  before(async () => {
    site = await startDevServer();
  });
  after(() => site?.close());

  test('trains there too (the worker as Vite serves it in development)', async () => {
    const lab = await openLab(site, 'spam?epochs=1', 'nl');
    try {
      await waitForState(lab.page, (x) => x.data === 'ready', 20_000);
      await lab.page.click('#spam-train');
      const s = await waitForState(lab.page, (x) => x.run === 'done' || x.run === 'error', 40_000);
      assert.equal(s.run, 'done');
      assert.equal(s.epochs, 1, 'the set-up comes from the URL');
      assert.ok(Number(s.testAccuracy) >= 0.9, `one epoch: test accuracy ${s.testAccuracy}`);
      assert.deepEqual(lab.errors, [], 'console errors');
    } finally {
      await lab.close();
    }
  });
});
