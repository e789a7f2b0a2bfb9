/**
 * Inside a network: the shared digit model taken apart. Each layer's output for the drawn (or a real) digit, the
 * pixels that move a class's score (the input's gradient), the autograd graph of one loss with the module tree, and
 * overfitting made visible with a second network trained on few or many digits.
 */
import './inside.css';
import { F, formatGraph, Sequential, noGrad, tensor, type Module, type Tensor } from 'myelin';
import { digitInput, digitsUrl, loadDigits, type Digits } from '../../digits/data.js';
import { DrawPad } from '../../digits/draw-pad.js';
import type { WorkerMessage } from '../../digits/protocol.js';
import { currentDigitModel, onDigitModel, predictDigit, type DigitModel } from '../../digits/store.js';
import { DigitTrainer } from '../../digits/trainer.js';
import { currentLang } from '../../i18n.js';
import { setParams, type LabPage, type MountedPage } from '../../page.js';
import { CellView, type CellTexts } from './cells.js';
import { drawGraph, type GraphSummary, type GraphTexts } from './graph.js';
import { OverfitPanel, setupFromParams, setupToParams } from './overfit.js';
import { drawSaliency, saliency } from './saliency.js';
import { locale, num, percent, t } from './strings.js';

const TITLE = { en: 'Inside a network', nl: 'Kijk in een netwerk' };

interface Layer {
  name: string;
  /** the layer's type, as its repr names it */
  type: string;
  shape: number[];
  values: Float32Array;
}

/** A module's type name (what toString() prints; class names do not survive minifying). */
const typeOf = (m: Module): string => m.repr().split('(')[0];

/** Runs the model's layers one at a time (a Sequential's children; any other model as one step). */
function runLayers(model: Module, input: Float32Array): Layer[] {
  return noGrad(() => {
    let out = tensor(input).reshape([1, 1, 28, 28]);
    const steps: [string, Module][] = model instanceof Sequential ? model.namedChildren() : [['', model]];
    return steps.map(([key, layer]) => {
      out = layer.forward(out) as Tensor;
      const type = typeOf(layer);
      return { name: key ? `${key} · ${type}` : type, type, shape: out.shape.slice(1), values: Float32Array.from(out.data() as Float32Array) };
    });
  });
}

const NOTES: Record<string, Parameters<typeof t>[0]> = {
  Flatten: 'layerFlatten', Linear: 'layerLinear', Sigmoid: 'layerSigmoid', ReLU: 'layerReLU', Tanh: 'layerTanh',
  Conv2d: 'layerConv2d', MaxPool2d: 'layerMaxPool2d', RandomShift: 'layerRandomShift', Dropout: 'layerDropout',
};

function mount(root: HTMLElement, params: URLSearchParams): MountedPage {
  root.innerHTML = `
    <div class="inside">
      <h1></h1>
      <p class="intro"></p>
      <div class="panel model-status row">
        <p class="status" aria-live="polite"></p>
        <button type="button" class="lesson"></button>
      </div>
      <div class="row">
        <section class="panel" aria-labelledby="inside-pad-h">
          <h2 id="inside-pad-h"></h2>
          <p class="pad-help"></p>
          <div class="pad-host"></div>
          <p class="input-kind"></p>
          <p class="prediction" aria-live="polite"></p>
        </section>
        <section class="panel saliency" aria-labelledby="inside-sal-h">
          <h2 id="inside-sal-h"></h2>
          <div class="class-picker row" role="group"></div>
          <canvas class="sal" width="280" height="280" role="img"></canvas>
          <div class="legend"><div class="bar" aria-hidden="true"></div><div class="ticks"><span class="neg"></span><span class="zero"></span><span class="pos"></span></div></div>
          <p class="sal-text"></p>
          <p class="sal-max"></p>
        </section>
      </div>
      <section class="panel" aria-labelledby="inside-act-h">
        <h2 id="inside-act-h"></h2>
        <p class="act-text"></p>
        <p class="act-none muted"></p>
        <div class="layers"></div>
      </section>
      <section class="panel" aria-labelledby="inside-graph-h">
        <h2 id="inside-graph-h"></h2>
        <p class="graph-text"></p>
        <ul class="graph-legend"><li class="op"></li><li class="param"></li><li class="data"></li></ul>
        <p class="graph-count"></p>
        <div class="graph-host" tabindex="0" role="region"></div>
        <details><summary></summary><pre class="code graph-print" tabindex="0"></pre></details>
        <h3 class="modules-title"></h3>
        <p class="modules-text"></p>
        <div class="row">
          <pre class="code modules" tabindex="0"></pre>
          <table class="params"><thead><tr><th scope="col"></th><th scope="col"></th><th scope="col"></th></tr></thead><tbody></tbody><tfoot></tfoot></table>
        </div>
      </section>
      <section class="panel overfit" aria-labelledby="inside-overfit-h"></section>
    </div>`;
  const q = <E extends HTMLElement>(s: string): E => root.querySelector<E>(s)!;
  const lessonButton = q<HTMLButtonElement>('.lesson');
  const picker = q('.class-picker');
  const salCanvas = q<HTMLCanvasElement>('.sal');
  const layersHost = q('.layers');
  const graphHost = q('.graph-host');

  let model: DigitModel | null = currentDigitModel();
  let digits: Digits | null = null;
  let input: Float32Array | null = null;
  let kind: 'digit' | 'drawn' | null = null;
  let label: number | null = null;
  let nextSample = 0;
  let sampling = false;
  let probs: Float32Array | null = null;
  let layers: Layer[] = [];
  let views: CellView[] = [];
  let chosenClass: number | null = null;
  let salClass: number | null = null;
  let salMax: number | null = null;
  let graph: GraphSummary | null = null;
  const lesson = { step: 0, loss: null as number | null, testAccuracy: null as number | null, error: null as string | null };

  let built = false; // the pad reports its first, empty state while it is being made
  const pad = new DrawPad({ label: t('padLabel'), clear: t('clear'), sample: t('sample') }, (x) => {
    if (!built) return;
    input = x;
    kind = x ? (sampling ? 'digit' : 'drawn') : null;
    if (!sampling) label = null;
    refresh();
  }, () => sample());
  q('.pad-host').append(pad.element);

  /** The next held-out digit (for the pad's button), remembering its label. */
  function sample(): Float32Array | null {
    if (!digits) return null;
    const i = nextSample++ % digits.test.count;
    label = digits.test.labels[i];
    sampling = true;
    queueMicrotask(() => (sampling = false));
    return digitInput(digits.test, i);
  }

  const classButtons = [null, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((c) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.class = c === null ? 'auto' : String(c);
    b.addEventListener('click', () => {
      chosenClass = c;
      refresh();
    });
    picker.append(b);
    return b;
  });

  const prediction = (): number | null => (probs ? probs.indexOf(Math.max(...probs)) : null);

  const cellTexts = (): CellTexts => ({
    label: (v) => t('cellLabel', v), vectorCell: (v) => t('vectorCell', v), imageCell: (v) => t('imageCell', v), hint: t('cellHint'),
  });
  const noteFor = (l: Layer, i: number): string => (i === layers.length - 1 ? t('layerOutput') : NOTES[l.type] ? t(NOTES[l.type]) : '');

  /** Everything that follows the input: prediction, layers, saliency. */
  function refresh(): void {
    const m = model?.model;
    if (!m || !input) {
      probs = null;
      layers = [];
      salClass = salMax = null;
    } else {
      probs = predictDigit(m, input);
      layers = runLayers(m, input);
      salClass = chosenClass ?? prediction()!;
      const grad = saliency(m, input, salClass);
      salMax = grad.reduce((a, g) => Math.max(a, Math.abs(g)), 0);
      drawSaliency(salCanvas, input, grad, salMax);
      if (!graph) buildGraph();
    }
    if (views.length !== layers.length || views.some((v, i) => v.element.dataset.name !== layers[i].name)) {
      views = layers.map((l, i) => {
        const v = new CellView(l.name, noteFor(l, i), cellTexts());
        v.element.dataset.name = l.name;
        return v;
      });
      layersHost.replaceChildren(...views.map((v) => v.element));
    }
    layers.forEach((l, i) => views[i].set(l.values, l.shape));
    if (!input || !m) salCanvas.getContext('2d')!.clearRect(0, 0, salCanvas.width, salCanvas.height);
    relabel();
  }

  /** The graph of one loss on the current digit (its label, or the predicted class, as the target). */
  function buildGraph(): void {
    const m = model?.model;
    if (!m || !input) return;
    const logits = m.forward(tensor(input).reshape([1, 1, 28, 28])) as Tensor;
    const target = label ?? prediction() ?? 0;
    const loss = F.crossEntropy(logits, tensor([target], { dtype: 'int32' }));
    const texts: GraphTexts = {
      parameter: (shape, count) => t('graphParam', { shape, count }), noGrad: t('graphNoGrad'), leaf: t('graphLeaf'),
      label: (ops, ps) => t('graphLabel', { ops, params: ps }),
    };
    graph = drawGraph(graphHost, loss, m, texts, locale());
    q('.graph-print').textContent = formatGraph(loss);
    q('.modules').textContent = m.toString();
    const body = q('.params tbody');
    body.replaceChildren();
    let total = 0;
    for (const [name, p] of m.namedParameters()) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      total += n;
      const tr = document.createElement('tr');
      for (const text of [name, `[${p.shape.join(', ')}]`, n.toLocaleString(locale())]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      body.append(tr);
    }
    q('.params tfoot').innerHTML = `<tr><th scope="row" colspan="2"></th><td>${total.toLocaleString(locale())}</td></tr>`;
  }

  const trainer = new DigitTrainer((m: WorkerMessage) => {
    if (m.type === 'step') Object.assign(lesson, { step: m.step, loss: m.loss });
    else if (m.type === 'epoch') lesson.testAccuracy = m.testAccuracy;
    else if (m.type === 'done') Object.assign(lesson, { step: m.step, testAccuracy: m.testAccuracy });
    else if (m.type === 'error') lesson.error = m.message;
    relabel();
  });
  function trainLesson(): void {
    Object.assign(lesson, { step: 0, loss: null, testAccuracy: null, error: null });
    trainer.start({ arch: 'lesson', epochs: 2, lr: 1e-2, batchSize: 32, seed: 0 });
    relabel();
  }
  lessonButton.addEventListener('click', trainLesson);

  const stopModel = onDigitModel((m) => {
    model = m;
    graph = null; // a new model may have other layers
    refresh();
  });

  const overfit = new OverfitPanel(q('.overfit'), setupFromParams(params), (s) => setParams('inside', setupToParams(s)));

  function relabel(): void {
    root.querySelector('h1')!.textContent = TITLE[currentLang()];
    q('.intro').textContent = t('intro');
    const status = q('.status');
    if (lesson.error) status.textContent = t('statusError', { message: lesson.error });
    else if (trainer.running) status.textContent = lesson.step ? t('statusTraining', { step: lesson.step, loss: lesson.loss === null ? '–' : num(lesson.loss) }) : t('statusWaiting');
    else if (model) {
      const acc = model.testAccuracy ?? lesson.testAccuracy;
      status.textContent = `${t('statusModel', { name: model.name })}${acc === null ? '' : ` ${t('statusAccuracy', { acc: percent(acc, 1) })}`}`;
    } else status.textContent = '';
    lessonButton.textContent = t('trainLesson');
    lessonButton.disabled = trainer.running;
    q('#inside-pad-h').textContent = t('padTitle');
    q('.pad-help').textContent = t('padHelp');
    pad.relabel({ label: t('padLabel'), clear: t('clear'), sample: t('sample') });
    q('.input-kind').textContent = kind === 'digit' ? t('realDigit', { label: label ?? '?' }) : kind === 'drawn' ? t('drawnDigit') : '';
    const pred = prediction();
    q('.prediction').textContent = probs && pred !== null ? t('prediction', { digit: pred, p: percent(probs[pred]) }) : t('predictionNone');

    q('#inside-sal-h').textContent = t('salTitle');
    picker.setAttribute('aria-label', t('salPicker'));
    classButtons.forEach((b, i) => {
      const c = i === 0 ? null : i - 1;
      b.textContent = c === null ? t('salAuto', { digit: pred ?? '?' }) : String(c);
      b.setAttribute('aria-pressed', String(c === chosenClass));
    });
    const digit = salClass ?? '?';
    const max = salMax === null ? '–' : num(salMax, 2);
    salCanvas.setAttribute('aria-label', salMax === null ? t('salNone') : t('salLabel', { digit, max }));
    q('.legend .neg').textContent = `−${max}: ${t('salNeg')}`;
    q('.legend .zero').textContent = `0: ${t('salZero')}`;
    q('.legend .pos').textContent = `+${max}: ${t('salPos')}`;
    q('.sal-text').textContent = t('salText', { digit });
    q('.sal-max').textContent = salMax === null ? t('salNone') : t('salMax', { max: num(salMax) });

    q('#inside-act-h').textContent = t('actTitle');
    q('.act-text').textContent = t('actText');
    q('.act-none').textContent = layers.length ? '' : t('actNone');
    const texts = cellTexts();
    views.forEach((v, i) => v.relabel(layers[i].name, noteFor(layers[i], i), texts));

    q('#inside-graph-h').textContent = t('graphTitle');
    q('.graph-text').textContent = t('graphText');
    q('.graph-legend .op').textContent = t('graphLegendOp');
    q('.graph-legend .param').textContent = t('graphLegendParam');
    q('.graph-legend .data').textContent = t('graphLegendData');
    graphHost.setAttribute('aria-label', t('graphScroll'));
    q('.graph-count').textContent = graph ? t('graphCount', { ops: graph.ops, params: graph.params }) : '';
    q('details summary').textContent = t('graphAsText');
    q('.modules-title').textContent = t('modulesTitle');
    q('.modules-text').textContent = t('modulesText');
    root.querySelectorAll('.params thead th').forEach((th, i) => (th.textContent = t((['paramName', 'paramShape', 'paramCount'] as const)[i])));
    const foot = root.querySelector('.params tfoot th');
    if (foot) foot.textContent = t('paramTotal');
    overfit.relabel();
  }

  loadDigits(digitsUrl()).then((d) => {
    digits = d;
    const px = input ? null : sample();
    if (px) pad.showDigit(px);
  }).catch((err: unknown) => {
    lesson.error = err instanceof Error ? err.message : String(err);
    relabel();
  });
  built = true;
  if (!model) trainLesson();
  refresh();

  /**
   * window.lab.state() on this page:
   * - `model`: the name of the shared digit model looked into ('lesson', 'mlp', 'cnn', a file's name), or null
   * - `step`, `loss`, `training`: the lesson network this page trains when there is no shared model (or when asked):
   *   training steps done, the last reported batch loss (null before one), whether it is training now
   * - `testAccuracy`: the shared model's accuracy on the 2,000 held-out digits (null when not measured)
   * - `input`: what is on the pad: 'digit' (a held-out digit), 'drawn', or null; `label`: that held-out digit's label
   * - `prediction`: the model's class for the input, `confidence` its probability (null without input or model)
   * - `graphNodes`: the ops in the drawn graph of one cross-entropy loss on the input (formatGraph's numbered nodes);
   *   `graphParameters`: the parameter boxes in it; `parameters`: the model's parameter count
   * - `layers`: the activations shown, [{ name, shape, min, max }], one per child of the Sequential in order ('2 · Linear'),
   *   shape without the batch dimension ([1, 28, 28], [784], [16], ...), min and max of its values
   * - `saliencyClass`: the class whose logit's gradient is shown (the prediction unless a class was picked),
   *   `saliencyAuto`: whether it follows the prediction, `saliencyMax`: the largest |d logit / d pixel|
   * - `overfit`: the latest overfitting run (before one: the controls): `trainSize`, `dropout`, `weightDecay`, `epochs`,
   *   `epoch` (epochs done), `trainAccuracy` and `trainLoss` (on its training digits, the first 2,000 of a bigger set,
   *   measured after the epoch without dropout), `testAccuracy` and `testLoss` (the 2,000 held-out digits), `step`,
   *   `samplesPerSecond` (training digits per second, evaluation included), `training`, `error`, and `previous` (the
   *   run before, dashed on the charts: the fields from trainSize to testLoss, or null)
   */
  function state(): Record<string, unknown> {
    const pred = prediction();
    return {
      model: model?.name ?? null,
      step: lesson.step,
      loss: lesson.loss,
      training: trainer.running,
      testAccuracy: model?.testAccuracy ?? lesson.testAccuracy,
      input: kind,
      label: kind === 'digit' ? label : null,
      prediction: pred,
      confidence: probs && pred !== null ? probs[pred] : null,
      graphNodes: graph?.ops ?? 0,
      graphParameters: graph?.params ?? 0,
      parameters: model?.model.numParameters() ?? 0,
      layers: layers.map((l) => ({ name: l.name, shape: l.shape, min: Math.min(...l.values), max: Math.max(...l.values) })),
      saliencyClass: salClass,
      saliencyAuto: chosenClass === null,
      saliencyMax: salMax,
      overfit: overfit.state(),
    };
  }

  return {
    state,
    relabel: () => {
      if (graph) buildGraph(); // the boxes' words
      relabel();
    },
    unmount: () => {
      trainer.stop();
      overfit.unmount();
      stopModel();
    },
  };
}

const page: LabPage = { id: 'inside', order: 40, title: TITLE, mount };
export default page;
