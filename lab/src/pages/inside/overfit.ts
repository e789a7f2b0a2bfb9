/**
 * Overfitting made visible: an MLP (784-128-64-10) trained in the worker on the first n training digits, with
 * dropout and weight decay to choose, its accuracy and loss on those digits and on the 2,000 held-out ones drawn
 * after every epoch. The previous run stays on the charts, dashed, to compare settings.
 */
import { drawCurves, type Series } from '../../plot.js';
import { DigitTrainer } from '../../digits/trainer.js';
import type { WorkerMessage } from '../../digits/protocol.js';
import { locale, percent, t } from './strings.js';

export interface OverfitSetup {
  trainSize: number;
  dropout: number;
  weightDecay: number;
  epochs: number;
}

interface Run {
  setup: OverfitSetup;
  trainAccuracy: number[];
  testAccuracy: number[];
  trainLoss: number[];
  testLoss: number[];
  step: number;
  samplesPerSecond: number;
}

const DECAYS = [0, 1e-4, 3e-4, 1e-3];
/** train accuracy is measured on up to this many of the training digits (all of a small set), to keep epochs quick */
const TRAIN_MEASURED = 2000;
const BLUE = '#0072b2', ORANGE = '#e69f00';

/** The set-up from the URL's parameters (n, dropout, wd, epochs), each kept in its control's range. */
export function setupFromParams(p: URLSearchParams): OverfitSetup {
  const num = (k: string, d: number, lo: number, hi: number, step: number): number => {
    const v = Number(p.get(k));
    return p.has(k) && Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v / step) * step)) : d;
  };
  const wd = Number(p.get('wd'));
  return {
    trainSize: num('n', 200, 100, 8000, 100),
    dropout: Math.round(num('dropout', 0, 0, 0.5, 0.1) * 10) / 10,
    weightDecay: DECAYS.includes(wd) ? wd : 0,
    epochs: num('epochs', 30, 5, 50, 5),
  };
}

export function setupToParams(s: OverfitSetup): URLSearchParams {
  return new URLSearchParams({ n: String(s.trainSize), dropout: String(s.dropout), wd: String(s.weightDecay), epochs: String(s.epochs) });
}

const last = (a: readonly number[]): number | null => (a.length ? a[a.length - 1] : null);

export class OverfitPanel {
  private readonly trainer: DigitTrainer;
  private current: Run | null = null;
  private previous: Run | null = null;
  private error: string | null = null;
  private readonly el: Record<'h2' | 'intro' | 'nLabel' | 'dropoutLabel' | 'wdLabel' | 'epochsLabel' | 'status' | 'summary' | 'gapHead' | 'gapText' | 'fixText', HTMLElement>;
  private readonly n: HTMLInputElement;
  private readonly dropout: HTMLInputElement;
  private readonly wd: HTMLSelectElement;
  private readonly epochs: HTMLInputElement;
  private readonly trainButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly accChart: HTMLCanvasElement;
  private readonly lossChart: HTMLCanvasElement;

  constructor(private readonly root: HTMLElement, setup: OverfitSetup, private readonly onSetup: (s: OverfitSetup) => void) {
    root.innerHTML = `
      <h2 id="inside-overfit-h"></h2>
      <p class="intro"></p>
      <div class="controls overfit-controls">
        <div><label for="inside-n"><span class="n-label"></span></label>
          <input id="inside-n" type="range" min="100" max="8000" step="100"></div>
        <div><label for="inside-dropout"><span class="dropout-label"></span></label>
          <input id="inside-dropout" type="range" min="0" max="0.5" step="0.1"></div>
        <div><label for="inside-wd"><span class="wd-label"></span></label>
          <select id="inside-wd">${DECAYS.map((d) => `<option value="${d}">${d}</option>`).join('')}</select></div>
        <div><label for="inside-epochs"><span class="epochs-label"></span></label>
          <input id="inside-epochs" type="range" min="5" max="50" step="5"></div>
      </div>
      <div class="row buttons">
        <button type="button" class="primary" id="inside-train"></button>
        <button type="button" id="inside-stop" disabled></button>
        <p class="status" aria-live="polite"></p>
      </div>
      <div class="charts row">
        <canvas id="inside-acc" width="560" height="300" role="img"></canvas>
        <canvas id="inside-loss" width="560" height="300" role="img"></canvas>
      </div>
      <p class="summary"></p>
      <h3 class="gap-head"></h3>
      <p class="gap-text"></p>
      <p class="fix-text"></p>`;
    const q = <E extends HTMLElement>(s: string): E => root.querySelector<E>(s)!;
    this.el = {
      h2: q('h2'), intro: q('.intro'), nLabel: q('.n-label'), dropoutLabel: q('.dropout-label'), wdLabel: q('.wd-label'),
      epochsLabel: q('.epochs-label'), status: q('.status'), summary: q('.summary'), gapHead: q('.gap-head'), gapText: q('.gap-text'),
      fixText: q('.fix-text'),
    };
    this.n = q('#inside-n');
    this.dropout = q('#inside-dropout');
    this.wd = q('#inside-wd');
    this.epochs = q('#inside-epochs');
    this.trainButton = q('#inside-train');
    this.stopButton = q('#inside-stop');
    this.accChart = q('#inside-acc');
    this.lossChart = q('#inside-loss');
    this.n.value = String(setup.trainSize);
    this.dropout.value = String(setup.dropout);
    this.wd.value = String(setup.weightDecay);
    this.epochs.value = String(setup.epochs);
    for (const c of [this.n, this.dropout, this.wd, this.epochs]) {
      c.addEventListener('input', () => {
        this.relabel();
        this.onSetup(this.setup());
      });
    }
    this.trainButton.addEventListener('click', () => this.train());
    this.stopButton.addEventListener('click', () => this.trainer.requestStop());
    this.trainer = new DigitTrainer((m) => this.onMessage(m), false);
    this.relabel();
  }

  /** What the controls say now. */
  setup(): OverfitSetup {
    return { trainSize: Number(this.n.value), dropout: Number(this.dropout.value), weightDecay: Number(this.wd.value), epochs: Number(this.epochs.value) };
  }

  private train(): void {
    if (this.current?.trainAccuracy.length) this.previous = this.current;
    const setup = this.setup();
    this.current = { setup, trainAccuracy: [], testAccuracy: [], trainLoss: [], testLoss: [], step: 0, samplesPerSecond: 0 };
    this.error = null;
    this.trainer.start({
      arch: { hidden: [128, 64], dropout: setup.dropout }, epochs: setup.epochs, lr: 1e-3, batchSize: 32,
      trainSize: setup.trainSize, weightDecay: setup.weightDecay, seed: 1, evalTrain: TRAIN_MEASURED,
    });
    this.relabel();
  }

  private onMessage(m: WorkerMessage): void {
    const run = this.current;
    if (!run) return;
    if (m.type === 'step') {
      run.step = m.step;
      run.samplesPerSecond = m.samplesPerSecond;
    } else if (m.type === 'epoch') {
      run.trainAccuracy.push(m.trainAccuracy);
      run.testAccuracy.push(m.testAccuracy);
      run.trainLoss.push(m.trainLoss);
      run.testLoss.push(m.testLoss);
    } else if (m.type === 'done') run.step = m.step;
    else if (m.type === 'error') this.error = m.message;
    else return;
    this.relabel();
  }

  relabel(): void {
    const s = this.setup();
    this.el.h2.textContent = t('overfitTitle');
    this.el.intro.textContent = t('overfitIntro');
    this.el.nLabel.textContent = t('trainSize', { n: s.trainSize.toLocaleString(locale()) });
    this.el.dropoutLabel.textContent = t('dropout', { p: s.dropout.toLocaleString(locale(), { minimumFractionDigits: 1 }) });
    this.el.wdLabel.textContent = t('weightDecay');
    this.wd.options[0].textContent = t('off');
    this.el.epochsLabel.textContent = t('epochs', { n: s.epochs });
    this.trainButton.textContent = t('train');
    this.stopButton.textContent = t('stop');
    this.trainButton.disabled = this.trainer.running;
    this.stopButton.disabled = !this.trainer.running;
    this.el.gapHead.textContent = t('gapTitle');
    this.el.gapText.textContent = t('gapText');
    this.el.fixText.textContent = t('fixText');
    const run = this.current;
    if (this.error) this.el.status.textContent = t('trainError', { message: this.error });
    else if (!run) this.el.status.textContent = t('overfitIdle');
    else {
      const vars = { epoch: run.trainAccuracy.length, epochs: run.setup.epochs, speed: Math.round(run.samplesPerSecond).toLocaleString(locale()) };
      this.el.status.textContent = this.trainer.running ? t('overfitRunning', vars) : t('overfitDone', vars);
    }
    const lines = [this.describe(run, 'now'), this.describe(this.previous, 'before')].filter((x) => x !== '');
    this.el.summary.textContent = lines.length ? lines.join(' ') : t('noRunYet');
    this.draw(lines.join(' '));
  }

  private describe(run: Run | null, which: 'now' | 'before'): string {
    const train = run && last(run.trainAccuracy), test = run && last(run.testAccuracy);
    if (!run || train === null || test === null) return '';
    return t(which === 'now' ? 'runNow' : 'runBefore', {
      n: run.setup.trainSize.toLocaleString(locale()), dropout: run.setup.dropout.toLocaleString(locale(), { minimumFractionDigits: 1 }),
      wd: run.setup.weightDecay === 0 ? t('off') : run.setup.weightDecay.toLocaleString(locale()), epoch: run.trainAccuracy.length,
      train: percent(train), test: percent(test), gap: Math.round(100 * (train - test)),
    });
  }

  private draw(text: string): void {
    const series = (accuracy: boolean): Series[] => {
      const out: Series[] = [];
      const add = (r: Run | null, dashed: boolean, trainLabel: string, testLabel: string): void => {
        if (!r) return;
        out.push({ label: trainLabel, values: accuracy ? r.trainAccuracy : r.trainLoss, color: BLUE, dashed },
          { label: testLabel, values: accuracy ? r.testAccuracy : r.testLoss, color: ORANGE, dashed });
      };
      add(this.current, false, t('seriesTrain'), t('seriesTest'));
      add(this.previous, true, t('seriesTrainBefore'), t('seriesTestBefore'));
      return out;
    };
    drawCurves(this.accChart, series(true), { yMax: 1, title: t('accuracyChart') });
    drawCurves(this.lossChart, series(false), { title: t('lossChart') });
    this.accChart.setAttribute('aria-label', `${t('accuracyChart')}. ${text || t('noRunYet')}`);
    this.lossChart.setAttribute('aria-label', `${t('lossChart')}. ${text || t('noRunYet')}`);
  }

  /** For window.lab.state(): see the page's state(). */
  state(): Record<string, unknown> {
    const run = this.current;
    const summary = (r: Run) => ({
      ...r.setup,
      epoch: r.trainAccuracy.length,
      trainAccuracy: last(r.trainAccuracy),
      testAccuracy: last(r.testAccuracy),
      trainLoss: last(r.trainLoss),
      testLoss: last(r.testLoss),
    });
    return {
      ...(run ? summary(run) : { ...this.setup(), epoch: 0, trainAccuracy: null, testAccuracy: null, trainLoss: null, testLoss: null }),
      step: run?.step ?? 0,
      samplesPerSecond: run ? Math.round(run.samplesPerSecond) : null,
      training: this.trainer.running,
      error: this.error,
      previous: this.previous ? summary(this.previous) : null,
    };
  }

  unmount(): void {
    this.trainer.stop();
  }
}
