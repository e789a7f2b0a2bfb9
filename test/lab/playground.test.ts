/**
 * The Lab's Playground in headless Chromium (static build): the default circle set-up trains to 95% test accuracy
 * within a bounded number of steps and its decision boundary changes as it does; one step is one step; a set-up in
 * the URL comes back from state() and from the URL the page writes; drawn points and edited weights reach the worker;
 * and "Show the code" prints a program that type-checks against the built package and, run by Node, reaches 95% too.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';
import {
  buildAndServe, drawStroke, openLab, ROOT, screenshot, skipWithoutChromium, waitForState, type LabSite, type LabState, type Page,
} from './harness.js';

/** The most steps the default circle set-up may take to reach 95% test accuracy. */
const MAX_STEPS = 3000;

const num = (s: LabState, k: string): number => s[k] as number;

async function hashParams(page: Page): Promise<URLSearchParams> {
  const hash = await page.evaluate(() => location.hash);
  return new URLSearchParams(hash.slice(hash.indexOf('?') + 1));
}

/** Writes the program into a fresh project whose node_modules/myelin is this repository (the built package). */
function project(code: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-playground-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'myelin'), 'dir');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  fs.writeFileSync(path.join(dir, 'playground.ts'), code);
  return dir;
}

/** Type errors in the program, strict, against the package's own typings (and Node's, for console). */
function typeErrors(dir: string): string[] {
  const file = path.join(dir, 'playground.ts');
  const program = ts.createProgram([file], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts'], types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules/@types')], skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** Type-checks the program, runs it with Node against the built package; returns what it printed. */
function runProgram(code: string): { output: string; accuracy: number | null } {
  const dir = project(code);
  try {
    assert.deepEqual(typeErrors(dir), [], 'the program type-checks (strict) against the built package');
    const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.writeFileSync(path.join(dir, 'playground.mjs'), js);
    const r = spawnSync(process.execPath, ['playground.mjs'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `node playground.mjs failed:\n${r.stderr}\n${r.stdout}`);
    const m = /test accuracy ([\d.]+)%/.exec(r.stdout);
    return { output: r.stdout.trim(), accuracy: m ? Number(m[1]) / 100 : null };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the Playground', { skip: skipWithoutChromium }, () => {
  let site: LabSite;
  before(async () => {
    site = await buildAndServe();
  });
  after(() => site?.close());

  test(`circle: the default set-up reaches 95% test accuracy within ${MAX_STEPS} steps, its boundary changing; steps, the code`, async (t) => {
    const lab = await openLab(site, 'playground', 'en');
    const { page } = lab;
    try {
      const s0 = await waitForState(page, (s) => s.ready === true && num(s, 'trainPoints') > 0 && num(s, 'boundaryHash') !== 0, 30_000);
      assert.equal(s0.dataset, 'circle');
      assert.equal(s0.problem, 'classification');
      assert.deepEqual(s0.layers, [4, 4]);
      assert.deepEqual(s0.features, ['x1', 'x2']);
      assert.equal(s0.activation, 'tanh');
      assert.equal(s0.step, 0);
      assert.equal(s0.training, false);
      assert.equal(s0.backend, 'wasm', 'the worker trains on the wasm backend');
      assert.equal(num(s0, 'trainPoints') + num(s0, 'testPoints'), 500);

      // Space plays
      await page.keyboard.press(' ');
      const playing = await waitForState(page, (s) => s.training === true && num(s, 'step') > 0, 15_000);
      const reached = await waitForState(page, (s) => num(s, 'testAccuracy') >= 0.95 || num(s, 'step') > MAX_STEPS, 90_000);
      t.diagnostic(`95% test accuracy seen at step ${reached.step} (accuracy ${reached.testAccuracy})`);
      assert.ok(num(reached, 'testAccuracy') >= 0.95, `test accuracy ${reached.testAccuracy} at step ${reached.step}`);
      assert.ok(num(reached, 'step') <= MAX_STEPS, `reached 95% only at step ${reached.step}`);
      assert.notEqual(reached.boundaryHash, s0.boundaryHash, 'the boundary changed from the untrained one');
      // on a quick machine the first snapshot while playing may already be past 95%: compare with a later one
      const afterPlaying = num(reached, 'step') > num(playing, 'step') ? reached : await waitForState(page, (s) => num(s, 'step') > num(playing, 'step'), 15_000);
      assert.notEqual(afterPlaying.boundaryHash, playing.boundaryHash, 'the boundary changed while training');
      const later = await waitForState(page, (s) => num(s, 'step') >= num(reached, 'step') + 100, 30_000);
      assert.notEqual(later.boundaryHash, reached.boundaryHash, 'it keeps changing as it trains');
      const measured = await waitForState(page, (s) => num(s, 'stepsPerSecond') > 0, 10_000);
      t.diagnostic(`${Math.round(num(measured, 'stepsPerSecond'))} steps/s in the page`);

      // Space pauses; the count then stays
      await page.keyboard.press(' ');
      const paused = await waitForState(page, (s) => s.training === false, 10_000);
      await new Promise((r) => setTimeout(r, 400));
      const still = await waitForState(page, () => true, 1000);
      assert.equal(still.step, paused.step, 'no steps after pausing');
      await screenshot(page, 'playground-circle-trained');

      // one step, by key and by button, is exactly one step
      await page.keyboard.press('.');
      const one = await waitForState(page, (s) => num(s, 'step') !== num(still, 'step'), 10_000);
      assert.equal(one.step, num(still, 'step') + 1, '"." takes one step');
      await page.click('button.pg-step');
      const two = await waitForState(page, (s) => num(s, 'step') !== num(one, 'step'), 10_000);
      assert.equal(two.step, num(one, 'step') + 1, 'the button takes one step');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await waitForState(page, () => true, 1000)).step, two.step);

      // the code: the same network, on the same data, trained as many steps
      await page.click('button.pg-show-code');
      await waitForState(page, (s) => s.codeShown === true, 5000);
      const code = await page.evaluate(() => document.querySelector('pre.code')!.textContent!);
      assert.match(code, /from 'myelin'/);
      assert.match(code, new RegExp(`const steps = ${two.step};`));
      const run = runProgram(code);
      t.diagnostic(`the page after ${two.step} steps: test loss ${two.testLoss}, test accuracy ${two.testAccuracy}`);
      t.diagnostic(`the program: ${run.output.split('\n').slice(-2).join(' | ')}`);
      assert.ok(run.accuracy !== null, `the program prints its test accuracy:\n${run.output}`);
      assert.ok(run.accuracy >= 0.95, `the program reaches ${run.accuracy}`);
      assert.ok(Math.abs(run.accuracy - num(two, 'testAccuracy')) <= 0.03, `the program's ${run.accuracy} is about the page's ${two.testAccuracy}`);

      // "r" resets
      await page.keyboard.press('r');
      await waitForState(page, (s) => s.step === 0 && s.training === false && s.testLoss !== null, 10_000);
      assert.deepEqual(lab.errors, []);
    } finally {
      await lab.close();
    }
  });

  test('a set-up in the URL is restored, and the page writes it back', async () => {
    const given = new URLSearchParams({
      problem: 'classification', dataset: 'spiral', noise: '20', split: '70', batch: '5', features: 'x1_x2_sinx1_x1x2',
      layers: '6_3_2', activation: 'relu', lr: '0.01', optimizer: 'momentum', reg: 'l2', regRate: '0.003', dropout: '0.1', seed: '42',
    });
    const lab = await openLab(site, `playground?${given}`, 'nl');
    try {
      const s = await waitForState(lab.page, (x) => x.ready === true && num(x, 'trainPoints') > 0, 30_000);
      assert.equal(s.problem, 'classification');
      assert.equal(s.dataset, 'spiral');
      assert.equal(s.noise, 0.2);
      assert.equal(s.trainFraction, 0.7);
      assert.equal(s.batchSize, 5);
      assert.deepEqual(s.features, ['x1', 'x2', 'x1x2', 'sinx1'], 'features in their canonical order');
      assert.deepEqual(s.layers, [6, 3, 2]);
      assert.equal(s.activation, 'relu');
      assert.equal(s.learningRate, 0.01);
      assert.equal(s.optimizer, 'momentum');
      assert.equal(s.regularization, 'l2');
      assert.equal(s.regularizationRate, 0.003);
      assert.equal(s.dropout, 0.1);
      assert.equal(s.seed, 42);
      assert.equal(s.trainPoints, 350);
      assert.equal(s.testPoints, 150);
      const back = await hashParams(lab.page);
      for (const [k, v] of given) assert.equal(back.get(k), k === 'features' ? 'x1_x2_x1x2_sinx1' : v, `the URL's ${k}`);
      // the diagram has a node for every feature and neuron and the output, and an edge for every weight
      const counts = await lab.page.evaluate(() => ({
        nodes: document.querySelectorAll('.pg-node').length,
        edges: document.querySelectorAll('.pg-edge').length,
      }));
      assert.deepEqual(counts, { nodes: 4 + 6 + 3 + 2 + 1, edges: 4 * 6 + 6 * 3 + 3 * 2 + 2 });
      // a language switch relabels the page and keeps its set-up and its network
      assert.equal(await lab.page.evaluate(() => document.querySelector('.pg h1')!.textContent), 'Speeltuin');
      await lab.page.click('.lang button[lang="en"]');
      assert.equal(await lab.page.evaluate(() => document.querySelector('.pg h1')!.textContent), 'Playground');
      await lab.page.keyboard.press('.');
      const after = await waitForState(lab.page, (x) => x.step === 1 && x.lang === 'en', 10_000);
      assert.deepEqual(after.layers, [6, 3, 2]);
      assert.equal(after.dataset, 'spiral');
      assert.deepEqual(lab.errors, []);
    } finally {
      await lab.close();
    }

    // no hidden layers: the features straight to the output
    const flat = await openLab(site, 'playground?dataset=gaussians&layers=', 'en');
    try {
      const s = await waitForState(flat.page, (x) => x.ready === true && x.testLoss !== null, 30_000);
      assert.deepEqual(s.layers, []);
      const counts = await flat.page.evaluate(() => [document.querySelectorAll('.pg-node').length, document.querySelectorAll('.pg-edge').length]);
      assert.deepEqual(counts, [3, 2]);
      assert.deepEqual(flat.errors, []);
    } finally {
      await flat.close();
    }

    // regression, the same way
    const regression = await openLab(site, 'playground?problem=regression&dataset=bumps&layers=8_8&features=x1_x2&seed=3', 'en');
    try {
      const s = await waitForState(regression.page, (x) => x.ready === true && x.testLoss !== null, 30_000);
      assert.equal(s.problem, 'regression');
      assert.equal(s.dataset, 'bumps');
      assert.equal(s.testAccuracy, null, 'no accuracy for regression');
      assert.deepEqual(s.layers, [8, 8]);
      await regression.page.keyboard.press('.');
      await waitForState(regression.page, (x) => x.step === 1, 10_000);
      assert.deepEqual(regression.errors, []);
    } finally {
      await regression.close();
    }
  });

  test('drawn points and edited weights reach the worker', async () => {
    const lab = await openLab(site, 'playground?dataset=custom&points=1_1_1_-2_-2_0', 'en');
    const { page } = lab;
    try {
      const s0 = await waitForState(page, (x) => x.ready === true && num(x, 'trainPoints') + num(x, 'testPoints') === 2, 30_000);
      assert.equal(s0.points, 2, 'points from the URL');
      // a click on the data area adds a point there, of the chosen class
      await drawStroke(page, 'canvas.pg-output', [[0.75, 0.25]]);
      await waitForState(page, (x) => x.points === 3 && num(x, 'trainPoints') + num(x, 'testPoints') === 3, 10_000);
      // and the keyboard's way: the button that adds a random point
      await page.click('button.pg-add-random');
      await waitForState(page, (x) => x.points === 4, 10_000);
      const params = await hashParams(page);
      const values = params.get('points')!.split('_').map(Number);
      assert.equal(values.length, 12);
      assert.deepEqual(values.slice(0, 6), [1, 1, 1, -2, -2, 0]);
      assert.ok(Math.abs(values[6] - 3) < 0.2 && Math.abs(values[7] - 3) < 0.2 && values[8] === 1, `the clicked point is at (3, 3), class 1: ${values.slice(6, 9)}`);

      // an edge, focused and Enter: its weight in a number field that sets it in the worker's model
      await page.evaluate(() => (document.querySelector('.pg-edge') as unknown as HTMLElement).focus());
      await page.keyboard.press('Enter');
      const chosen = await waitForState(page, (x) => x.selectedEdge !== null, 5000);
      assert.deepEqual({ ...(chosen.selectedEdge as object), value: undefined }, { layer: 0, row: 0, col: 0, value: undefined });
      await page.fill('.pg-weight input', '2.5');
      await page.keyboard.press('Enter');
      await waitForState(page, (x) => Math.abs(((x.selectedEdge as { value: number }).value) - 2.5) < 1e-6, 10_000);

      // the code carries the drawn points, and says that a weight was set by hand
      await page.click('button.pg-show-code');
      await waitForState(page, (x) => x.codeShown === true, 5000);
      const code = await page.evaluate(() => document.querySelector('pre.code')!.textContent!);
      assert.match(code, /const points: Point\[\] = \[\n {2}\{ x1: 1, x2: 1, label: 1 \},\n {2}\{ x1: -2, x2: -2, label: 0 \},/);
      assert.match(code, /set by hand/);
      assert.doesNotMatch(code, /function circle/, 'only the declarations the program uses');
      const run = runProgram(code);
      assert.match(run.output, /after 1000 steps/, 'an untrained page gives a program of 1000 steps');
      assert.deepEqual(lab.errors, []);
    } finally {
      await lab.close();
    }
  });
});
