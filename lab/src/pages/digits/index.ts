/**
 * Digits: draw a digit and see the shared digit network's ten probabilities; train the lesson MLP, a bigger MLP or a
 * CNN live in a worker (curves, test accuracy, the first layer's weights as pictures, the confusion matrix with the
 * test digits behind each cell); or load a model file made by the command line and test it here.
 */
import { models, modelFromBytes } from 'myelin';
import { digitInput, digitsUrl, loadDigits, type Digits } from '../../digits/data.js';
import { DrawPad } from '../../digits/draw-pad.js';
import type { WorkerMessage } from '../../digits/protocol.js';
import { currentDigitModel, onDigitModel, predictDigit, setDigitModel, type DigitArch, type DigitModel } from '../../digits/store.js';
import { DigitTrainer } from '../../digits/trainer.js';
import { currentLang, formatNumber, formatPercent, translator } from '../../i18n.js';
import { setParams, type LabPage } from '../../page.js';
import { drawCurves } from '../../plot.js';
import { digitModelProblem, testModel, type TestResult } from './evaluate.js';
import { digitPicture, drawFirstLayer, firstLayer, type FirstLayer } from './pictures.js';
import { S, type Key } from './strings.js';
import './digits.css';

const t = translator(S);
const ID = 'digits';
const ARCHS: readonly DigitArch[] = ['lesson', 'mlp', 'cnn'];
const ARCH_KEY: Record<DigitArch, Key> = { lesson: 'archLesson', mlp: 'archMlp', cnn: 'archCnn' };
const NAME_KEY: Record<DigitArch, Key> = { lesson: 'nameLesson', mlp: 'nameMlp', cnn: 'nameCnn' };
/** settings that train each network well in a few epochs (the lesson network is noisy with large batches) */
const DEFAULTS: Record<DigitArch, { epochs: number; lr: number; batchSize: number }> = {
  lesson: { epochs: 5, lr: 0.01, batchSize: 16 },
  mlp: { epochs: 3, lr: 0.001, batchSize: 64 },
  cnn: { epochs: 2, lr: 0.002, batchSize: 64 },
};
const LRS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];
const BATCHES = [8, 16, 32, 64, 128, 256];
const MAX_EPOCHS = 30;
const TRAIN_DIGITS = 8000;
const EXAMPLES = 12;
const SEED = 0;

interface EpochRow { epoch: number; trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number }
interface Setup { arch: DigitArch; epochs: number; lr: number; batchSize: number }
/** a text kept as its key and values, so that a language switch can render it again */
type Var = string | number | { pct: number } | { t: Key; vars?: Record<string, string | number> };
type Message = { key: Key; vars?: Record<string, Var> } | null;

function readSetup(params: URLSearchParams): Setup {
  const arch = ARCHS.find((a) => a === params.get('arch')) ?? 'lesson';
  const d = DEFAULTS[arch];
  const num = (k: string, ok: (v: number) => boolean, dflt: number): number => {
    const v = Number(params.get(k));
    return params.has(k) && ok(v) ? v : dflt;
  };
  return {
    arch,
    epochs: num('epochs', (v) => Number.isInteger(v) && v >= 1 && v <= MAX_EPOCHS, d.epochs),
    lr: num('lr', (v) => LRS.includes(v), d.lr),
    batchSize: num('batch', (v) => BATCHES.includes(v), d.batchSize),
  };
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** An element whose text is the string `key` (re-rendered by relabel). */
function tx<K extends keyof HTMLElementTagNameMap>(tag: K, key: Key, props: Partial<Record<string, string>> = {}): HTMLElementTagNameMap[K] {
  return h(tag, { ...props, 'data-t': key });
}

const page: LabPage = {
  id: ID,
  order: 20,
  title: { en: S.en.title, nl: S.nl.title },
  mount(root, params) {
    const setup = readSetup(params);
    const nf = (v: number, decimals = 0): string => formatNumber(v, { decimals });
    const pct = formatPercent;
    const fill = (m: Message): string => {
      if (!m) return '';
      const vars: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(m.vars ?? {})) vars[k] = typeof v !== 'object' ? v : 'pct' in v ? pct(v.pct) : t(v.t, v.vars);
      return t(m.key, vars);
    };
    const build = { lesson: models.digitsLesson, mlp: models.digitsMlp, cnn: models.digitsCnn };
    const weightCounts = Object.fromEntries(ARCHS.map((a) => [a, build[a]().numParameters()])) as Record<DigitArch, number>;

    // ---- what the page knows (state() reports it)
    let digits: Digits | null = null;
    let run: { arch: DigitArch; epochs: number; steps: number; auto: boolean } | null = null;
    let step = 0, epoch = 0, loss: number | null = null, samplesPerSecond: number | null = null;
    let history: EpochRow[] = [];
    let lossCurve: number[] = [];
    let testLossCurve: number[] = [];
    let testAccuracy: number | null = null;
    let confusion: number[][] | null = null;
    let tested: { model: DigitModel['model']; result: TestResult } | null = null;
    let selected: [number, number] | null = null;
    let examples: number[] | null = null;
    let input: Float32Array | null = null;
    let probabilities: Float32Array | null = null;
    let sampleShown: number | null = null;
    let status: Message = null;
    let fileMessage: Message = null;
    let fileError: string | null = null;
    let fileName: string | null = null;
    let fileClaim: number | null = null;
    let testingFile = false;
    let layer: FirstLayer | null = null;
    let weightPictures = 0;
    let frame = 0;

    // ---- the page
    root.innerHTML = '';
    const statusLine = h('p', { class: 'dg-status', 'aria-live': 'polite' });
    const sampleInfo = h('p', { class: 'muted' });
    const answer = h('p', { class: 'dg-answer', 'aria-live': 'polite' });
    const second = h('p', { class: 'muted' });
    const bars = h('ul', { class: 'dg-bars' });
    const barRows = Array.from({ length: 10 }, (_, d) => {
      const fillBar = h('span', { class: 'dg-fill' });
      const value = h('span', { class: 'dg-pct' });
      const best = h('span', { class: 'dg-best' });
      const li = h('li', {}, h('span', { class: 'dg-digit' }, String(d)), h('span', { class: 'dg-track', 'aria-hidden': 'true' }, fillBar), value, best);
      bars.append(li);
      return { li, fillBar, value, best };
    });

    // after the elements it renders into: the pad reports its (empty) input at once
    const pad = new DrawPad({ label: '', clear: '', sample: '' }, (x) => {
      input = x;
      if (x === null) sampleShown = null;
      predict();
    }, () => {
      if (!digits) return null;
      sampleShown = Math.floor(Math.random() * digits.test.count);
      return digitInput(digits.test, sampleShown);
    });
    const archSelect = h('select', { id: 'dg-arch' });
    for (const a of ARCHS) archSelect.append(h('option', { value: a }));
    const epochsInput = h('input', { id: 'dg-epochs', type: 'number', min: '1', max: String(MAX_EPOCHS), step: '1', inputmode: 'numeric' });
    const lrSelect = h('select', { id: 'dg-lr' }, ...LRS.map((v) => h('option', { value: String(v) }, String(v))));
    const batchSelect = h('select', { id: 'dg-batch' }, ...BATCHES.map((v) => h('option', { value: String(v) }, String(v))));
    const trainButton = tx('button', 'train', { type: 'button', class: 'primary', id: 'dg-train' });
    const stopButton = tx('button', 'stop', { type: 'button', id: 'dg-stop' });
    const progress = h('progress', { id: 'dg-progress', max: '1', value: '0' });
    const progressText = h('p', { class: 'dg-progress-text' });
    const accuracyText = h('p', { class: 'dg-accuracy' });
    const lossCanvas = h('canvas', { width: '560', height: '220', role: 'img', class: 'dg-chart' });
    const accCanvas = h('canvas', { width: '560', height: '220', role: 'img', class: 'dg-chart' });
    const curvesText = h('details', {}, tx('summary', 'curvesText'), h('ul', { class: 'dg-epochs' }));

    const weightsText = h('p');
    const weightsCanvas = h('canvas', { role: 'img', class: 'dg-weights' });
    const legend = h('p', { class: 'dg-legend' },
      h('span', { class: 'dg-swatch', style: 'background: var(--blue)' }), tx('span', 'positive'),
      h('span', { class: 'dg-swatch', style: 'background: var(--paper)' }), tx('span', 'zero'),
      h('span', { class: 'dg-swatch', style: 'background: var(--orange)' }), tx('span', 'negative'));

    const confusionBox = h('div', { class: 'dg-confusion' });
    const examplesBox = h('div', { class: 'dg-examples', 'aria-live': 'polite' });

    const fileInput = h('input', { id: 'dg-file', type: 'file', accept: '.safetensors' });
    const fileText = h('p', { class: 'dg-file-message', 'aria-live': 'polite' });

    root.append(
      tx('h1', 'title'), tx('p', 'intro', { class: 'dg-intro' }), statusLine,
      h('div', { class: 'row' },
        h('section', { class: 'panel', 'aria-labelledby': 'dg-draw-h' }, tx('h2', 'drawHeading', { id: 'dg-draw-h' }), pad.element, sampleInfo),
        h('section', { class: 'panel dg-guess', 'aria-labelledby': 'dg-guess-h' }, tx('h2', 'guessHeading', { id: 'dg-guess-h' }), answer, bars, second)),
      h('section', { class: 'panel dg-train', 'aria-labelledby': 'dg-train-h' },
        tx('h2', 'trainHeading', { id: 'dg-train-h' }),
        h('div', { class: 'row' },
          h('div', { class: 'controls' },
            tx('label', 'network', { for: 'dg-arch' }), archSelect,
            tx('label', 'epochs', { for: 'dg-epochs' }), epochsInput,
            tx('label', 'lr', { for: 'dg-lr' }), lrSelect,
            tx('label', 'batchSize', { for: 'dg-batch' }), batchSelect,
            tx('p', 'archHint', { class: 'muted' }),
            h('div', { class: 'row' }, trainButton, stopButton)),
          h('div', { class: 'dg-run' },
            tx('label', 'progress', { for: 'dg-progress' }), progress, progressText, accuracyText, tx('p', 'testAccuracyHint', { class: 'muted' }),
            h('div', { class: 'row' }, lossCanvas, accCanvas), curvesText))),
      h('section', { class: 'panel', 'aria-labelledby': 'dg-weights-h' }, tx('h2', 'weightsHeading', { id: 'dg-weights-h' }), weightsText, weightsCanvas, legend),
      h('section', { class: 'panel', 'aria-labelledby': 'dg-confusion-h' }, tx('h2', 'confusionHeading', { id: 'dg-confusion-h' }), tx('p', 'confusionIntro'), confusionBox, examplesBox),
      h('section', { class: 'panel', 'aria-labelledby': 'dg-file-h' }, tx('h2', 'fileHeading', { id: 'dg-file-h' }), tx('p', 'fileIntro'),
        tx('label', 'fileInput', { for: 'dg-file' }), fileInput, fileText),
    );

    // ---- rendering
    function renderStatus(): void {
      statusLine.textContent = fill(status);
    }

    function predict(): void {
      const m = currentDigitModel();
      probabilities = m && input ? predictDigit(m.model, input) : null;
      renderGuess();
    }

    function renderGuess(): void {
      sampleInfo.textContent = sampleShown !== null && digits ? t('sampleInfo', { index: sampleShown, label: digits.test.labels[sampleShown] }) : '';
      const p = probabilities;
      const order = p ? [...p.keys()].sort((a, b) => p[b] - p[a]) : [];
      const text = !input ? t('emptyPad') : !p ? t('noModel') : t('answer', { digit: order[0], pct: pct(p[order[0]], 0) });
      if (answer.textContent !== text) answer.textContent = text;
      second.textContent = p ? t('second', { digit: order[1], pct: pct(p[order[1]], 0) }) : '';
      bars.setAttribute('aria-label', t('barsLabel'));
      barRows.forEach((r, d) => {
        const v = p ? p[d] : 0;
        r.fillBar.style.width = `${(100 * v).toFixed(1)}%`;
        r.value.textContent = p ? pct(v, 0) : '–';
        const top = p !== null && d === order[0];
        r.li.classList.toggle('dg-top', top);
        r.best.textContent = top ? `← ${t('best')}` : '';
      });
    }

    function renderProgress(): void {
      const training = trainer.running;
      trainButton.disabled = training || testingFile; // a run would replace the file's model while it is tested
      stopButton.disabled = !training;
      progress.max = run?.steps ?? 1;
      progress.value = run ? Math.min(step, run.steps) : 0;
      progressText.textContent = run && (training || step > 0)
        ? t('progressText', {
          step: nf(step), steps: nf(run.steps), epoch: Math.max(1, epoch), epochs: run.epochs,
          speed: samplesPerSecond === null ? '–' : nf(samplesPerSecond), loss: loss === null ? '–' : nf(loss, 3),
        })
        : t('idle');
      accuracyText.textContent = testAccuracy === null ? t('testAccuracyNone') : t('testAccuracy', { pct: pct(testAccuracy) });
    }

    function renderCurves(): void {
      const lossSeries = [{ label: t('trainLoss'), values: lossCurve }, { label: t('testLoss'), values: testLossCurve, dashed: true }];
      drawCurves(lossCanvas, lossSeries, { title: t('lossChart') });
      const accSeries = [
        { label: t('trainAcc'), values: history.map((r) => r.trainAccuracy) },
        { label: t('testAcc'), values: history.map((r) => r.testAccuracy), dashed: true },
      ];
      drawCurves(accCanvas, accSeries, { title: t('accuracyChart'), yMax: 1 });
      const rows = history.map((r) => t('epochRow', {
        epoch: r.epoch, trainLoss: nf(r.trainLoss, 3), testLoss: nf(r.testLoss, 3), trainAcc: pct(r.trainAccuracy), testAcc: pct(r.testAccuracy),
      }));
      lossCanvas.setAttribute('aria-label', [t('lossChart'), ...rows].join('; '));
      accCanvas.setAttribute('aria-label', [t('accuracyChart'), ...rows].join('; '));
      curvesText.querySelector('ul')!.replaceChildren(...rows.map((r) => h('li', {}, r)));
    }

    function renderWeights(): void {
      weightsText.textContent = !layer ? t('weightsNone')
        : t(layer.kind === 'linear' ? 'weightsLinear' : 'weightsConv', { count: layer.count, side: layer.side });
      weightsCanvas.hidden = !layer;
      weightsCanvas.setAttribute('aria-label', layer ? t('weightsLabel', { count: layer.count }) : '');
    }

    function renderConfusion(): void {
      if (!confusion) {
        confusionBox.replaceChildren(h('p', { class: 'muted' }, t('confusionWait')));
        examplesBox.replaceChildren();
        return;
      }
      const c = confusion;
      let maxWrong = 1;
      c.forEach((row, i) => row.forEach((v, j) => { if (i !== j) maxWrong = Math.max(maxWrong, v); }));
      const table = h('table', {},
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('confusionCorner')),
          ...c.map((_, j) => h('th', { scope: 'col', 'aria-label': t('confusionPredicted', { digit: j }) }, String(j))))),
        h('tbody', {}, ...c.map((row, i) => {
          const total = Math.max(1, row.reduce((a, b) => a + b, 0));
          return h('tr', {}, h('th', { scope: 'row', 'aria-label': t('confusionTrue', { digit: i }) }, String(i)), ...row.map((v, j) => {
            // right answers in blue (share of the row), mistakes in orange (relative to the worst mix-up)
            const strength = i === j ? v / total : v / maxWrong;
            const b = h('button', {
              type: 'button', class: i === j ? 'right' : 'wrong', 'data-cell': `${i}-${j}`,
              'aria-label': t('cellLabel', { truth: i, predicted: j, count: v }),
              'aria-pressed': String(selected?.[0] === i && selected?.[1] === j),
              style: `--strength: ${Math.round(100 * (v === 0 ? 0 : 0.12 + 0.88 * strength))}%`,
            }, String(v));
            b.addEventListener('click', () => void showExamples(i, j));
            return h('td', {}, b);
          }));
        })));
      confusionBox.replaceChildren(table);
      renderExamples();
    }

    function renderExamples(): void {
      if (!selected || !confusion || !digits) {
        examplesBox.replaceChildren();
        return;
      }
      const [i, j] = selected;
      const heading = h('h3', {}, t('examplesHeading', { truth: i, predicted: j, count: confusion[i][j] }));
      if (!examples) {
        examplesBox.replaceChildren(heading, h('p', { class: 'muted' }, t('examplesLoading')));
        return;
      }
      const test = digits.test;
      const list = examples.length === 0 ? h('p', {}, t('examplesNone'))
        : h('div', { class: 'dg-thumbs' }, ...examples.map((k) => digitPicture(test, k, t('exampleLabel', { index: k }))));
      examplesBox.replaceChildren(heading, list);
    }

    function renderFile(): void {
      fileText.textContent = fill(fileMessage) + (fileClaim === null || fileError !== null ? '' : ` ${t('fileClaim', { pct: pct(fileClaim, 2) })}`);
      fileText.classList.toggle('dg-error', fileError !== null);
    }

    function relabel(): void {
      for (const e of root.querySelectorAll<HTMLElement>('[data-t]')) e.textContent = t(e.dataset.t as Key);
      pad.relabel({ label: t('padLabel'), clear: t('clear'), sample: t('sample') });
      archSelect.querySelectorAll('option').forEach((o) => (o.textContent = t(ARCH_KEY[o.value as DigitArch], { params: nf(weightCounts[o.value as DigitArch]) })));
      lrSelect.querySelectorAll('option').forEach((o) => (o.textContent = formatNumber(Number(o.value), { maxDecimals: 5 })));
      renderStatus();
      renderGuess();
      renderProgress();
      renderCurves();
      renderWeights();
      renderConfusion();
      renderFile();
    }

    // ---- the set-up and the URL
    function showSetup(): void {
      archSelect.value = setup.arch;
      epochsInput.value = String(setup.epochs);
      lrSelect.value = String(setup.lr);
      batchSelect.value = String(setup.batchSize);
    }
    function saveSetup(): void {
      setParams(ID, new URLSearchParams({ arch: setup.arch, epochs: String(setup.epochs), lr: String(setup.lr), batch: String(setup.batchSize) }));
    }
    archSelect.addEventListener('change', () => {
      setup.arch = archSelect.value as DigitArch;
      Object.assign(setup, DEFAULTS[setup.arch]);
      showSetup();
      saveSetup();
    });
    epochsInput.addEventListener('change', () => {
      const v = Math.round(Number(epochsInput.value));
      setup.epochs = Number.isFinite(v) ? Math.min(MAX_EPOCHS, Math.max(1, v)) : DEFAULTS[setup.arch].epochs;
      epochsInput.value = String(setup.epochs);
      saveSetup();
    });
    lrSelect.addEventListener('change', () => {
      setup.lr = Number(lrSelect.value);
      saveSetup();
    });
    batchSelect.addEventListener('change', () => {
      setup.batchSize = Number(batchSelect.value);
      saveSetup();
    });

    // ---- training
    const trainer = new DigitTrainer(onWorker);

    /** Forgets the last run's progress and curves. */
    function clearProgress(): void {
      step = 0;
      epoch = 0;
      loss = null;
      samplesPerSecond = null;
      history = [];
      lossCurve = [];
      testLossCurve = [];
    }

    function startTraining(s: Setup, auto: boolean): void {
      run = { arch: s.arch, epochs: s.epochs, steps: s.epochs * Math.ceil(TRAIN_DIGITS / s.batchSize), auto };
      clearProgress();
      testAccuracy = null;
      confusion = null;
      selected = null;
      examples = null;
      fileName = null;
      fileMessage = null;
      fileError = null;
      fileClaim = null;
      status = { key: auto ? 'autoTraining' : 'training', vars: { name: { t: NAME_KEY[s.arch] } } };
      trainer.start({ arch: s.arch, epochs: s.epochs, lr: s.lr, batchSize: s.batchSize, seed: SEED, snapshotMs: 300 });
      renderStatus();
      renderProgress();
      renderCurves();
      renderConfusion();
      renderFile();
    }

    function onWorker(m: WorkerMessage): void {
      if (!run) return;
      if (m.type === 'step') {
        ({ step, epoch, loss, samplesPerSecond } = m);
        lossCurve.push(m.loss);
        testLossCurve.push(NaN); // the test loss is known at the end of each epoch only
      } else if (m.type === 'epoch') {
        history.push({ epoch: m.epoch, trainLoss: m.trainLoss, trainAccuracy: m.trainAccuracy, testLoss: m.testLoss, testAccuracy: m.testAccuracy });
        testAccuracy = m.testAccuracy;
        if (testLossCurve.length) testLossCurve[testLossCurve.length - 1] = m.testLoss;
        renderCurves();
      } else if (m.type === 'done') {
        step = m.step;
        testAccuracy = m.testAccuracy;
        confusion = m.confusion;
        const vars = { name: { t: NAME_KEY[run.arch] }, steps: m.step, pct: { pct: m.testAccuracy } };
        status = { key: m.stopped ? 'stopped' : run.auto ? 'autoDone' : 'trainDone', vars };
        renderStatus();
        renderConfusion();
        renderCurves();
      } else if (m.type === 'error') {
        status = { key: 'workerError', vars: { message: m.message } };
        renderStatus();
      }
      renderProgress();
    }

    trainButton.addEventListener('click', () => startTraining({ ...setup }, false));
    stopButton.addEventListener('click', () => trainer.requestStop());

    // ---- the shared model: predictions and weight pictures follow it (at most once a frame)
    function onModel(): void {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const m = currentDigitModel();
        layer = m ? firstLayer(m.model) : null;
        if (layer) {
          drawFirstLayer(weightsCanvas, layer);
          weightPictures++;
        }
        renderWeights();
        predict();
      });
    }
    const offModel = onDigitModel(onModel);

    // ---- the test digits behind a cell of the confusion matrix
    async function showExamples(i: number, j: number): Promise<void> {
      const m = currentDigitModel();
      if (!m || !digits) return;
      selected = [i, j];
      examples = null;
      renderConfusion();
      if (tested?.model !== m.model) tested = { model: m.model, result: await testModel(m.model, digits.test) };
      if (selected[0] !== i || selected[1] !== j) return; // another cell was pressed meanwhile
      const found: number[] = [];
      const { predictions } = tested.result;
      for (let k = 0; k < predictions.length && found.length < EXAMPLES; k++) {
        if (digits.test.labels[k] === i && predictions[k] === j) found.push(k);
      }
      examples = found;
      renderConfusion();
    }

    // ---- a model file from the command line
    async function loadFile(file: File): Promise<void> {
      const name = file.name;
      fileName = name;
      fileError = null;
      fileClaim = null;
      fileMessage = { key: 'fileReading', vars: { name } };
      renderFile();
      let model: DigitModel['model'];
      let claimed: number | null = null;
      try {
        const loaded = modelFromBytes(new Uint8Array(await file.arrayBuffer()));
        model = loaded.model.eval();
        const c = Number(loaded.metadata.test_accuracy);
        if (loaded.metadata.test_accuracy !== undefined && Number.isFinite(c)) claimed = c;
      } catch (e) {
        return fileFailed('fileNotModel', name, e instanceof Error ? e.message : String(e));
      }
      const problem = digitModelProblem(model);
      if (problem) return fileFailed('fileNotDigits', name, problem);
      trainer.stop(); // a run still going would replace the file's model with its own
      run = null;
      fileMessage = { key: 'fileTesting', vars: { name } };
      testingFile = true;
      renderFile();
      renderProgress();
      const d = digits ?? (await loadDigits(digitsUrl()));
      const result = await testModel(model, d.test);
      testingFile = false;
      tested = { model, result };
      testAccuracy = result.accuracy;
      confusion = result.confusion;
      selected = null;
      examples = null;
      clearProgress();
      fileClaim = claimed;
      setDigitModel({ model, arch: null, testAccuracy: result.accuracy, source: 'file', name });
      fileMessage = { key: 'fileLoaded', vars: { name, pct: { pct: result.accuracy } } };
      status = fileMessage; // also at the top: the file may have been dropped there
      renderStatus();
      renderFile();
      renderProgress();
      renderCurves();
      renderConfusion();
    }

    function fileFailed(key: 'fileNotModel' | 'fileNotDigits', name: string, reason: string): void {
      fileError = reason;
      fileMessage = { key, vars: { name, reason } };
      status = fileMessage;
      renderStatus();
      renderFile();
    }

    fileInput.addEventListener('change', () => {
      const f = fileInput.files?.[0];
      if (f) void loadFile(f);
      fileInput.value = ''; // the same file again is a change too
    });
    // drop anywhere on the page; the root outlives the page, so its listeners go with unmount
    const drops = new AbortController();
    root.addEventListener('dragover', (e) => {
      e.preventDefault();
      root.classList.add('dg-dropping');
    }, { signal: drops.signal });
    root.addEventListener('dragleave', () => root.classList.remove('dg-dropping'), { signal: drops.signal });
    root.addEventListener('drop', (e) => {
      e.preventDefault();
      root.classList.remove('dg-dropping');
      const f = e.dataTransfer?.files[0];
      if (f) void loadFile(f);
    }, { signal: drops.signal });

    // ---- start: the digits for the pad's button and the confusion examples; a network to draw with
    showSetup();
    relabel();
    void loadDigits(digitsUrl()).then((d) => {
      digits = d;
    });
    const existing = currentDigitModel();
    if (existing) {
      testAccuracy = existing.testAccuracy;
      const name: Var = existing.source === 'file' || !existing.arch ? { t: 'fileCli', vars: { name: existing.name } } : { t: NAME_KEY[existing.arch] };
      status = { key: 'fromOtherPage', vars: { name, pct: existing.testAccuracy === null ? '–' : { pct: existing.testAccuracy } } };
      renderStatus();
      renderProgress();
      onModel();
    } else {
      startTraining({ arch: 'lesson', epochs: 1, lr: DEFAULTS.lesson.lr, batchSize: DEFAULTS.lesson.batchSize }, true);
    }

    return {
      /**
       * The Digits page (window.lab.state()):
       * - `step`: training steps (batches) done in the current or last run on this page; `epoch`: the epoch it is in
       *   (1-based; 0 before the first step); `epochs`: how many the run has.
       * - `loss`: the training loss of the latest reported step (every 10 steps), or null.
       * - `testAccuracy`: accuracy of the shared model on the 2,000 held-out digits (the last finished epoch while
       *   training, then the final one; measured in the page for a loaded file), or null.
       * - `history`: one row per finished epoch: { epoch, trainLoss, trainAccuracy, testLoss, testAccuracy }.
       * - `training`: a training worker is running; `autoTraining`: it is the 1-epoch lesson run the page starts by
       *   itself when there is no model yet.
       * - `arch`: the network the controls would train ('lesson' | 'mlp' | 'cnn'); `modelArch`: the shared model's
       *   architecture (null for a model loaded from a file, or no model); `modelSource`: 'trained' | 'file' | null.
       * - `samplesPerSecond`: training digits per second in the current or last run (from the worker), or null.
       * - `prediction`: the top digit for what is on the pad, or null (empty pad or no model); `probabilities`: the
       *   ten probabilities (0-9, rounded to 4 decimals), or null.
       * - `confusion`: the 10x10 confusion matrix ([truth][predicted] counts over the held-out digits) once a run
       *   ends or a file is tested, else null; `selectedCell`: [truth, predicted] of the cell whose digits are shown,
       *   or null; `examples`: the indices of the held-out digits shown for it (at most 12), or null.
       * - `weights`: what the first-layer picture shows ({ kind: 'linear' | 'conv', count, side }) or null;
       *   `weightPictures`: how many times it has been redrawn (it follows the weights while training).
       * - `file`: the model file being or last loaded ({ name, error }: error is null or why it was refused), or null.
       */
      state() {
        const m = currentDigitModel();
        const p = probabilities;
        const top = p ? [...p.keys()].reduce((a, b) => (p[b] > p[a] ? b : a), 0) : null;
        return {
          step, epoch, epochs: run?.epochs ?? null, loss, testAccuracy, history,
          training: trainer.running, autoTraining: trainer.running && (run?.auto ?? false),
          arch: setup.arch, modelArch: m?.arch ?? null, modelSource: m?.source ?? null, samplesPerSecond,
          prediction: top, probabilities: p ? Array.from(p, (v) => Number(v.toFixed(4))) : null,
          confusion, selectedCell: selected, examples,
          weights: layer ? { kind: layer.kind, count: layer.count, side: layer.side } : null, weightPictures,
          file: fileName === null ? null : { name: fileName, error: fileError },
        };
      },
      relabel,
      unmount() {
        trainer.stop();
        offModel();
        drops.abort();
        root.classList.remove('dg-dropping');
        cancelAnimationFrame(frame);
      },
    };
  },
};

export default page;
