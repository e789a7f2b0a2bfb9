/**
 * Spam filter: TF-IDF features of real e-mails and a logistic regression (the CLI's `myelin train spam` model),
 * trained in a worker. The learner types an e-mail and sees its spam chance and the words that pushed it either
 * way, trains the filter and watches its loss, and moves the threshold over the test set's confusion matrix.
 * Set-up in the URL: #spam?epochs=6&lr=0.01&threshold=0.5
 */
import { CountVectorizer, modelFromBytes, noGrad, type Sequential } from 'myelin';
import { currentLang, formatNumber, translator } from '../../i18n.js';
import { setParams, type LabPage, type MountedPage } from '../../page.js';
import { drawCurves } from '../../plot.js';
import { S } from './strings.js';
import type { Split, TrainRequest, WorkerMessage } from './train.worker.js';
import './spam.css';

/** lab/public/data/spam.json, written by lab/scripts/data-spam.mjs */
interface SpamData {
  train: Split;
  test: Split;
  /** indices into test */
  examples: { ham: number; spam: number; borderline: number };
}

/** The trained filter as the main thread keeps it, for instant predictions. */
interface Filter {
  /** models.spamClassifier: Sequential(Linear(vocabulary, 1)) */
  model: Sequential;
  vectorizer: CountVectorizer;
  /** the logistic regression's weight per vocabulary word */
  weights: Float32Array;
}

interface WordPush {
  word: string;
  contribution: number;
}

const ID = 'spam';
const TOP_WORDS = 8;
const EPOCH_CHOICES = [1, 2, 4, 6, 10, 15];
const LR_CHOICES = [0.001, 0.003, 0.01, 0.03, 0.1];
const DEFAULTS = { epochs: 6, lr: 0.01, threshold: 0.5 };
const SEED = 0;
const TYPE_DELAY_MS = 150;

const t = translator(S);
const pct = (v: number): string => String(Math.round(v * 100));

function readParams(params: URLSearchParams): typeof DEFAULTS {
  const num = (key: string): number => Number(params.get(key) ?? NaN);
  const epochs = num('epochs');
  const lr = num('lr');
  const threshold = num('threshold');
  return {
    epochs: EPOCH_CHOICES.includes(epochs) ? epochs : DEFAULTS.epochs,
    lr: LR_CHOICES.includes(lr) ? lr : DEFAULTS.lr,
    threshold: threshold >= 0.01 && threshold <= 0.99 ? Math.round(threshold * 100) / 100 : DEFAULTS.threshold,
  };
}

function mount(root: HTMLElement, params: URLSearchParams): MountedPage {
  const setup = readParams(params);
  root.innerHTML = `
    <div class="spam-page">
      <h1></h1>
      <p data-t="intro"></p>
      <p class="muted" data-t="englishNote"></p>
      <section class="panel spam-try" aria-labelledby="spam-try-h">
        <h2 id="spam-try-h" data-t="tryHeading"></h2>
        <div class="row">
          <div class="spam-input">
            <label for="spam-text" data-t="textLabel"></label>
            <textarea id="spam-text" rows="9" spellcheck="false"></textarea>
            <p id="spam-examples-label" data-t="examplesLabel"></p>
            <div class="spam-examples" role="group" aria-labelledby="spam-examples-label">
              <button type="button" data-example="ham" data-t="exampleHam"></button>
              <button type="button" data-example="spam" data-t="exampleSpam"></button>
              <button type="button" data-example="borderline" data-t="exampleBorderline"></button>
            </div>
            <p class="muted spam-truth" aria-live="polite"></p>
          </div>
          <div class="spam-result">
            <p class="spam-message" aria-live="polite"></p>
            <div class="spam-verdict">
              <p aria-live="polite"><span class="spam-big"></span> <span class="spam-chance" data-t="chance"></span></p>
              <div class="spam-bar" aria-hidden="true"><div class="spam-fill"></div><div class="spam-tick"></div></div>
              <p class="spam-box" aria-live="polite"></p>
              <h3 data-t="spamWords"></h3>
              <ul class="spam-chips spam-up"></ul>
              <h3 data-t="hamWords"></h3>
              <ul class="spam-chips spam-down"></ul>
              <p class="muted spam-small" data-t="wordsNote"></p>
            </div>
          </div>
        </div>
      </section>
      <div class="row spam-lower">
        <section class="panel spam-train" aria-labelledby="spam-train-h">
          <h2 id="spam-train-h" data-t="trainHeading"></h2>
          <p data-t="trainIntro"></p>
          <div class="controls">
            <label><span data-t="epochsLabel"></span> <select id="spam-epochs"></select></label>
            <label><span data-t="lrLabel"></span> <select id="spam-lr"></select></label>
          </div>
          <p><button type="button" class="primary" id="spam-train"></button></p>
          <p class="spam-status" role="status"></p>
          <progress id="spam-progress" max="1" value="0"></progress>
          <p class="spam-stats"></p>
          <p class="spam-vocabulary"></p>
          <p class="spam-accuracy"></p>
          <canvas class="spam-chart" width="640" height="280" role="img"></canvas>
        </section>
        <section class="panel spam-matrix" aria-labelledby="spam-matrix-h">
          <h2 id="spam-matrix-h" data-t="matrixHeading"></h2>
          <p data-t="matrixIntro"></p>
          <label for="spam-threshold" class="spam-threshold-label"></label>
          <input type="range" id="spam-threshold" min="0.01" max="0.99" step="0.01">
          <p class="muted spam-matrix-empty" data-t="matrixEmpty"></p>
          <table class="spam-confusion">
            <thead><tr><td></td><th scope="col" data-t="colSpamBox"></th><th scope="col" data-t="colInbox"></th></tr></thead>
            <tbody>
              <tr><th scope="row" data-t="rowSpam"></th><td class="spam-ok" data-cell="tp"></td><td class="spam-bad" data-cell="fn"></td></tr>
              <tr><th scope="row" data-t="rowHam"></th><td class="spam-bad" data-cell="fp"></td><td class="spam-ok" data-cell="tn"></td></tr>
            </tbody>
          </table>
          <p class="spam-precision"></p>
          <p class="spam-recall"></p>
          <p class="spam-tradeoff" data-t="tradeoff"></p>
        </section>
      </div>
    </div>`;
  const q = <E extends Element>(sel: string): E => root.querySelector<E>(sel)!;
  const text = q<HTMLTextAreaElement>('#spam-text');
  const exampleButtons = [...root.querySelectorAll<HTMLButtonElement>('[data-example]')];
  const truth = q<HTMLElement>('.spam-truth');
  const message = q<HTMLElement>('.spam-message');
  const verdict = q<HTMLElement>('.spam-verdict');
  const big = q<HTMLElement>('.spam-big');
  const fill = q<HTMLElement>('.spam-fill');
  const tick = q<HTMLElement>('.spam-tick');
  const box = q<HTMLElement>('.spam-box');
  const upList = q<HTMLUListElement>('.spam-up');
  const downList = q<HTMLUListElement>('.spam-down');
  const epochsSelect = q<HTMLSelectElement>('#spam-epochs');
  const lrSelect = q<HTMLSelectElement>('#spam-lr');
  const trainButton = q<HTMLButtonElement>('#spam-train');
  const status = q<HTMLElement>('.spam-status');
  const progress = q<HTMLProgressElement>('#spam-progress');
  const stats = q<HTMLElement>('.spam-stats');
  const vocabularyLine = q<HTMLElement>('.spam-vocabulary');
  const accuracyLine = q<HTMLElement>('.spam-accuracy');
  const chart = q<HTMLCanvasElement>('.spam-chart');
  const thresholdLabel = q<HTMLLabelElement>('.spam-threshold-label');
  const slider = q<HTMLInputElement>('#spam-threshold');
  const matrixEmpty = q<HTMLElement>('.spam-matrix-empty');
  const table = q<HTMLTableElement>('.spam-confusion');
  const precisionLine = q<HTMLElement>('.spam-precision');
  const recallLine = q<HTMLElement>('.spam-recall');

  for (const e of EPOCH_CHOICES) epochsSelect.add(new Option(String(e), String(e), false, e === setup.epochs));
  for (const lr of LR_CHOICES) lrSelect.add(new Option(String(lr), String(lr), false, lr === setup.lr));
  slider.value = String(setup.threshold);

  let data: SpamData | null = null;
  let dataState: 'loading' | 'ready' | 'missing' = 'loading';
  let worker: Worker | null = null;
  let run: 'idle' | 'preparing' | 'training' | 'done' | 'stopped' | 'error' = 'idle';
  let errorMessage = '';
  let filter: Filter | null = null;
  // the run's vectoriser, paired with its models as they arrive (a new vocabulary never meets an old model's weights)
  let runVectorizer: CountVectorizer | null = null;
  let runEpochs = 0;
  let vocabularySize = 0;
  let step = 0, totalSteps = 0, epoch = 0, stepsPerSecond = 0;
  let loss: number | null = null, testLoss: number | null = null, testAccuracy: number | null = null;
  const curves = { train: [] as number[], test: [] as number[] };
  let testProbabilities: Float32Array | null = null;
  let threshold = setup.threshold;
  let shownExample: keyof SpamData['examples'] | null = null;
  let prediction: { chars: number; probability: number; words: WordPush[] } | null = null;
  let typeTimer = 0;

  const epochs = (): number => Number(epochsSelect.value);

  function writeParams(): void {
    setParams(ID, new URLSearchParams({ epochs: epochsSelect.value, lr: lrSelect.value, threshold: String(threshold) }));
  }

  // ---- try it

  /** The filter's view of the text in the box: spam chance and each known word's push (weight x TF-IDF value). */
  function predict(): void {
    const body = text.value;
    if (!filter || body.trim() === '') {
      prediction = null;
      renderPrediction();
      return;
    }
    const f = filter;
    const x = f.vectorizer.transform([body]);
    const probability = noGrad(() => f.model.forward(x).sigmoid().item());
    const values = x.data();
    const words: WordPush[] = [];
    values.forEach((v, j) => { if (v !== 0) words.push({ word: f.vectorizer.featureNames[j], contribution: f.weights[j] * v }); });
    prediction = { chars: body.length, probability, words };
    renderPrediction();
  }

  /** The strongest pushes each way: spam-ward (positive) from the largest, then ham-ward (negative) from the most negative. */
  function topWords(): { up: WordPush[]; down: WordPush[] } {
    const words = prediction?.words ?? [];
    const up = words.filter((w) => w.contribution > 0).sort((a, b) => b.contribution - a.contribution).slice(0, TOP_WORDS);
    const down = words.filter((w) => w.contribution < 0).sort((a, b) => a.contribution - b.contribution).slice(0, TOP_WORDS);
    return { up, down };
  }

  function chips(list: HTMLUListElement, words: WordPush[], kind: 'up' | 'down'): void {
    list.innerHTML = '';
    if (words.length === 0) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = t('noWords');
      list.append(li);
    }
    for (const w of words) {
      const li = document.createElement('li');
      li.className = `spam-chip spam-chip-${kind}`;
      const word = document.createElement('span');
      word.className = 'spam-chip-word';
      word.textContent = w.word;
      const value = document.createElement('span');
      value.textContent = `${w.contribution > 0 ? '+' : '−'}${formatNumber(Math.abs(w.contribution), { decimals: 2 })}`;
      li.append(word, ' ', value);
      list.append(li);
    }
  }

  function renderPrediction(): void {
    const note = dataState === 'missing' ? t('dataMissing') : !filter ? t('noModel') : !prediction ? t('emptyText') : '';
    message.textContent = note;
    message.hidden = note === '';
    verdict.hidden = !prediction;
    tick.style.left = `${threshold * 100}%`;
    if (!prediction) return;
    const p = prediction.probability;
    big.textContent = `${pct(p)}%`;
    fill.style.width = `${p * 100}%`;
    box.textContent = t(p >= threshold ? 'verdictSpam' : 'verdictHam', { t: pct(threshold) });
    box.className = `spam-box ${p >= threshold ? 'spam-to-spam' : 'spam-to-inbox'}`;
    const { up, down } = topWords();
    chips(upList, up, 'up');
    chips(downList, down, 'down');
  }

  function renderTruth(): void {
    if (!data || !shownExample) {
      truth.textContent = '';
      return;
    }
    const label = data.test.labels[data.examples[shownExample]];
    truth.textContent = t('exampleTruth', { truth: t(label === 1 ? 'truthSpam' : 'truthHam') });
  }

  text.addEventListener('input', () => {
    shownExample = null;
    renderTruth();
    clearTimeout(typeTimer);
    typeTimer = window.setTimeout(predict, TYPE_DELAY_MS);
  });
  for (const b of exampleButtons) {
    b.addEventListener('click', () => {
      if (!data) return;
      shownExample = b.dataset.example as keyof SpamData['examples'];
      text.value = data.test.texts[data.examples[shownExample]];
      renderTruth();
      predict();
    });
  }

  // ---- training

  function startTraining(): void {
    if (!data) return;
    stopWorker();
    run = 'preparing';
    runVectorizer = null;
    runEpochs = epochs();
    step = 0;
    epoch = 0;
    totalSteps = 0;
    loss = testLoss = testAccuracy = null;
    curves.train = [];
    curves.test = [];
    const request: TrainRequest = { train: data.train, test: data.test, epochs: runEpochs, lr: Number(lrSelect.value), seed: SEED };
    const w = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
    worker = w;
    w.addEventListener('message', (e: MessageEvent<WorkerMessage>) => (e.data.type === 'ready' ? w.postMessage(request) : onWorker(e.data)));
    w.addEventListener('error', (e) => {
      errorMessage = e.message;
      run = 'error';
      stopWorker();
      renderTraining();
    });
    renderTraining();
  }

  function stopWorker(): void {
    worker?.terminate();
    worker = null;
  }

  function onWorker(m: Exclude<WorkerMessage, { type: 'ready' }>): void {
    if (m.type === 'features') {
      runVectorizer = CountVectorizer.fromJSON(m.vectorizer);
      vocabularySize = m.vocabularySize;
      run = 'training';
    } else if (m.type === 'progress') {
      ({ step, totalSteps, epoch, loss, testLoss, testAccuracy, stepsPerSecond, testProbabilities } = m);
      curves.train.push(m.loss);
      curves.test.push(m.testLoss);
      const model = modelFromBytes<Sequential>(m.model).model;
      // spamClassifier is Sequential(Linear(V, 1)): its first parameter is the [1, V] weight
      const weights = model.parameters()[0].data() as Float32Array;
      filter = { model, vectorizer: runVectorizer!, weights };
      predict();
      renderMatrix();
    } else if (m.type === 'done') {
      run = 'done';
      stopWorker();
    } else {
      errorMessage = m.message;
      run = 'error';
      stopWorker();
    }
    renderTraining();
  }

  trainButton.addEventListener('click', () => {
    if (run === 'preparing' || run === 'training') {
      stopWorker();
      run = 'stopped';
      renderTraining();
    } else {
      startTraining();
    }
  });
  epochsSelect.addEventListener('change', writeParams);
  lrSelect.addEventListener('change', writeParams);

  function renderTraining(): void {
    const busy = run === 'preparing' || run === 'training';
    trainButton.textContent = t(busy ? 'stop' : run === 'idle' ? 'train' : 'trainAgain');
    trainButton.disabled = !data;
    epochsSelect.disabled = busy;
    lrSelect.disabled = busy;
    status.textContent = dataState === 'loading' ? t('loading') : dataState === 'missing' ? t('dataMissing')
      : run === 'preparing' ? t('preparing') : run === 'done' ? t('done') : run === 'stopped' ? t('stopped')
        : run === 'error' ? t('error', { message: errorMessage }) : '';
    progress.value = totalSteps > 0 ? step / totalSteps : 0;
    progress.setAttribute('aria-label', t('progressLabel'));
    stats.textContent = totalSteps > 0 ? t('progress', { epoch, epochs: runEpochs, step, total: totalSteps, speed: Math.round(stepsPerSecond) }) : '';
    vocabularyLine.textContent = vocabularySize > 0 ? t('vocabulary', { n: formatNumber(vocabularySize) }) : '';
    accuracyLine.textContent = testAccuracy === null ? '' : t('accuracy', { acc: formatNumber(testAccuracy * 100, { decimals: 1 }) });
    drawCurves(chart, [
      { label: t('trainLoss'), values: curves.train },
      { label: t('testLoss'), values: curves.test, dashed: true },
      // from ln 2, the loss of a filter that says 50% to everything: the same axis for every run
    ], { title: t('lossTitle'), yMax: Math.max(0.7, ...curves.train, ...curves.test) });
    chart.setAttribute('aria-label', loss === null || testLoss === null ? t('chartEmpty')
      : t('chartAlt', { step, train: formatNumber(loss, { decimals: 3 }), test: formatNumber(testLoss, { decimals: 3 }) }));
  }

  // ---- confusion matrix

  /** The test e-mails sorted by the threshold: tp spam caught, fn spam missed, fp good mail blocked, tn good mail delivered. */
  function confusion(): { tp: number; fp: number; fn: number; tn: number } | null {
    if (!testProbabilities || !data) return null;
    const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
    const labels = data.test.labels;
    testProbabilities.forEach((p, i) => {
      const blocked = p >= threshold;
      if (labels[i] === 1) c[blocked ? 'tp' : 'fn']++;
      else c[blocked ? 'fp' : 'tn']++;
    });
    return c;
  }

  function renderMatrix(): void {
    thresholdLabel.textContent = t('thresholdLabel', { t: pct(threshold) });
    slider.setAttribute('aria-valuetext', `${pct(threshold)}%`);
    const c = confusion();
    matrixEmpty.hidden = c !== null;
    for (const cell of table.querySelectorAll<HTMLTableCellElement>('[data-cell]')) {
      const key = cell.dataset.cell as 'tp' | 'fp' | 'fn' | 'tn';
      const ok = key === 'tp' || key === 'tn';
      cell.innerHTML = '';
      const n = document.createElement('span');
      n.className = 'spam-count';
      n.textContent = c ? String(c[key]) : '–';
      const what = document.createElement('span');
      what.textContent = `${ok ? '✓' : '✗'} ${t(key)} (${t(ok ? 'right' : 'wrong')})`;
      cell.append(n, what);
    }
    if (!c) {
      precisionLine.textContent = '';
      recallLine.textContent = '';
      return;
    }
    precisionLine.textContent = c.tp + c.fp === 0 ? t('precisionNone') : t('precision', { p: pct(c.tp / (c.tp + c.fp)) });
    recallLine.textContent = t('recall', { r: pct(c.tp / Math.max(1, c.tp + c.fn)) });
  }

  slider.addEventListener('input', () => {
    threshold = Number(slider.value);
    writeParams();
    renderMatrix();
    renderPrediction();
  });

  // ---- data

  fetch(new URL('data/spam.json', document.baseURI))
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((d: SpamData) => {
      if (!d?.train?.texts?.length || !d.test?.texts?.length) throw new Error('not the spam e-mails');
      data = d;
      dataState = 'ready';
    })
    .catch(() => {
      dataState = 'missing';
    })
    .finally(() => {
      for (const b of exampleButtons) b.disabled = !data;
      relabel();
    });

  function relabel(): void {
    q<HTMLElement>('h1').textContent = page.title[currentLang()];
    for (const el of root.querySelectorAll<HTMLElement>('[data-t]')) el.textContent = t(el.dataset.t as Parameters<typeof t>[0]);
    text.placeholder = t('placeholder');
    for (const o of lrSelect.options) o.textContent = formatNumber(Number(o.value), { maxDecimals: 5 });
    renderTruth();
    renderPrediction();
    renderTraining();
    renderMatrix();
  }

  for (const b of exampleButtons) b.disabled = true;
  relabel();

  return {
    /**
     * The Spam filter page:
     * - `step`, `totalSteps`: training steps (batches of 32 e-mails) done, and planned for this run;
     *   `epoch`: the round through the training e-mails that step is in (1-based; 0 before training)
     * - `loss`: mean training loss (binary cross-entropy) over the last few steps; `testLoss`: over the 450 test
     *   e-mails (null before training)
     * - `testAccuracy`: fraction of the test e-mails sorted correctly at the 0.5 threshold (null before training)
     * - `training`: a run is going on; `run`: 'idle' | 'preparing' | 'training' | 'done' | 'stopped' | 'error'
     * - `data`: 'loading' | 'ready' | 'missing' (lab/public/data/spam.json absent: run lab/scripts/data-spam.mjs)
     * - `stepsPerSecond`: the worker's training speed; `vocabularySize`: words the filter knows (0 before training)
     * - `epochs`, `lr`: the set-up of the next or current run
     * - `threshold`: spam chance from which an e-mail goes to the spam box (the slider, 0.01..0.99)
     * - `confusion`: the test e-mails at that threshold, `{ tp: spam caught, fp: good mail in the spam box,
     *   fn: spam that slipped through, tn: good mail delivered }`, and `precision`, `recall` from it (null before training)
     * - `textChars`: length of the text the shown prediction is for; `spamProbability`: the filter's spam chance for
     *   the text in the box (null with no filter or no text)
     * - `topWords`: the words that pushed that chance most, `[{ word, contribution }]` with contribution = weight x
     *   TF-IDF value (positive: towards spam): up to 8 spam-ward, strongest first, then up to 8 ham-ward, strongest first
     * - `example`: which example message is in the box ('ham' | 'spam' | 'borderline'), or null
     */
    state() {
      const c = confusion();
      const { up, down } = topWords();
      const round = (v: number | null): number | null => (v === null ? null : Number(v.toFixed(4)));
      return {
        step, totalSteps, epoch, loss: round(loss), testLoss: round(testLoss), testAccuracy: round(testAccuracy),
        training: run === 'preparing' || run === 'training', run, data: dataState,
        stepsPerSecond: Math.round(stepsPerSecond), vocabularySize, epochs: epochs(), lr: Number(lrSelect.value),
        threshold, confusion: c,
        precision: c && c.tp + c.fp > 0 ? round(c.tp / (c.tp + c.fp)) : null,
        recall: c ? round(c.tp / Math.max(1, c.tp + c.fn)) : null,
        textChars: prediction?.chars ?? 0, spamProbability: round(prediction?.probability ?? null),
        topWords: [...up, ...down].map((w) => ({ word: w.word, contribution: round(w.contribution) })),
        example: shownExample,
      };
    },
    relabel,
    unmount() {
      clearTimeout(typeTimer);
      stopWorker();
    },
  };
}

const page: LabPage = {
  id: ID,
  order: 50,
  title: { en: 'Spam filter', nl: 'Spamfilter' },
  mount,
};
export default page;
