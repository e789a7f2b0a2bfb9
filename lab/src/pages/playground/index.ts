/**
 * The Playground: a small network learns 2-D data while the page shows its output, every neuron and every weight.
 * The model lives in a worker (worker.ts, Myelin on the wasm backend); the page holds the set-up (in the URL, see
 * setup.ts), sends it to the worker and draws the snapshots that come back. "Show the code" prints the program that
 * trains the same network (code.ts).
 */
import './playground.css';
import { Generator } from 'myelin';
import { formatNumber, formatPercent, translator } from '../../i18n.js';
import { setParams, type LabPage, type MountedPage } from '../../page.js';
import { drawCurves } from '../../plot.js';
import { programFor } from './code.js';
import { EXTENT, GRID, NODE_GRID, type FromWorker, type Snapshot, type ToWorker } from './protocol.js';
import { DATASETS, type DatasetName, type Feature, type Point, type Recipe } from './recipe.js';
import {
  ACTIVATIONS, DROPOUT_RATES, FEATURE_NAMES, LEARNING_RATES, MAX_LAYERS, MAX_NEURONS, OPTIMIZERS, REGULARIZATION_RATES,
  REGULARIZATIONS, datasetsFor, readParams, writeParams,
} from './setup.js';
import { S, type Key } from './strings.js';

const t = translator(S);
const ID = 'playground';

const FEATURE_LABEL: Record<Feature, string> = {
  x1: 'x₁', x2: 'x₂', x1sq: 'x₁²', x2sq: 'x₂²', x1x2: 'x₁x₂', sinx1: 'sin(x₁)', sinx2: 'sin(x₂)',
};

// Okabe-Ito orange (class 0, negative) and blue (class 1, positive), as in style.css
const ORANGE: [number, number, number] = [230, 159, 0];
const BLUE: [number, number, number] = [0, 114, 178];

/** A value in [-1, 1] as a colour: white at 0, orange below, blue above; `strength` caps the colour's share. */
function colour(v: number, strength = 0.8): [number, number, number] {
  if (!Number.isFinite(v)) return [255, 255, 255];
  const a = Math.min(1, Math.abs(v)) * strength;
  const c = v < 0 ? ORANGE : BLUE;
  return [255 + (c[0] - 255) * a, 255 + (c[1] - 255) * a, 255 + (c[2] - 255) * a];
}

function css([r, g, b]: [number, number, number]): string {
  return `rgb(${r | 0},${g | 0},${b | 0})`;
}

/** Paints `values` (n x n, row 0 at the top, each in [-1, 1]) into the canvas, scaled to its size. */
function paintMap(canvas: HTMLCanvasElement, values: ArrayLike<number>, n: number, strength = 0.8): void {
  const ctx = canvas.getContext('2d')!;
  const image = new ImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const [r, g, b] = colour(values[i], strength);
    image.data[4 * i] = r;
    image.data[4 * i + 1] = g;
    image.data[4 * i + 2] = b;
    image.data[4 * i + 3] = 255;
  }
  if (canvas.width === n && canvas.height === n) {
    ctx.putImageData(image, 0, 0);
    return;
  }
  const tmp = document.createElement('canvas');
  tmp.width = n;
  tmp.height = n;
  tmp.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

/** A map scaled into [-1, 1] by its largest magnitude (when that is above 1), so inputs like x1^2 show their shape. */
function normalised(values: Float32Array): Float32Array {
  let m = 1;
  for (const v of values) if (Math.abs(v) > m) m = Math.abs(v);
  return m === 1 ? values : values.map((v) => v / m);
}

/** FNV-1a over the output, at three decimals: changes when the picture does. */
function hashOf(values: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < values.length; i++) {
    const q = Number.isFinite(values[i]) ? Math.round(values[i] * 1000) : -1;
    h = Math.imul(h ^ (q & 0xffff), 0x01000193);
    h = Math.imul(h ^ (q >>> 16), 0x01000193);
  }
  return h >>> 0;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string> = {}): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** A weight as an <input type="number"> takes it: always with a decimal point. */
function weightValue(v: number | null): string {
  return v === null ? '' : v.toFixed(3);
}

/** An edge of the diagram: Linear layer `layer`, weight [row, col] (from node `col` of its column to node `row`). */
interface Edge {
  layer: number;
  row: number;
  col: number;
}

// the diagram's geometry, in CSS pixels
const COLUMN = 112;
const ROW = 50;
const NODE = 36;
const LABELS = 56;

function mount(root: HTMLElement, params: URLSearchParams): MountedPage {
  const initial = readParams(params);
  let recipe: Recipe = initial.recipe;
  let custom: Point[] = initial.points;
  let drawClass = 1;
  let showTest = true;
  let training = false;
  let ready = false;
  let backend = '';
  let error: string | null = null;
  let snap: Snapshot | null = null;
  let split: { train: Point[]; test: Point[] } = { train: [], test: [] };
  let generation = 0;
  let boundaryHash = 0;
  let stepsPerSecond = 0;
  let rateSamples: { t: number; step: number }[] = [];
  let trainCurve: number[] = [];
  let testCurve: number[] = [];
  let selected: Edge | null = null;
  let editedWeights = false;
  let codeShown = false;
  let frame = 0;

  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const waiting: ToWorker[] = [];
  const post = (m: ToWorker): void => {
    if (ready) worker.postMessage(m);
    else waiting.push(m);
  };

  // ------------------------------------------------------------------------------------------------ the page

  root.innerHTML = '';
  const page = el('div', { class: 'pg' });
  root.append(page);
  const refs = {
    title: el('h1'),
    intro: el('p', { class: 'pg-intro' }),
    play: el('button', { type: 'button', class: 'primary pg-play' }),
    step: el('button', { type: 'button', class: 'pg-step' }),
    reset: el('button', { type: 'button', class: 'pg-reset' }),
    counter: el('span', { class: 'pg-counter' }),
    speed: el('span', { class: 'pg-speed muted' }),
    selects: el('div', { class: 'pg-selects' }),
    data: el('section', { class: 'pg-data panel' }),
    net: el('section', { class: 'pg-net panel' }),
    out: el('section', { class: 'pg-out panel' }),
    code: el('section', { class: 'pg-code' }),
    keys: el('p', { class: 'muted' }),
    backend: el('p', { class: 'muted' }),
    error: el('p', { class: 'pg-error', role: 'alert' }),
  };
  // filled by buildData, buildNetwork and buildOutput
  let datasetButtons: Map<DatasetName, HTMLButtonElement> = new Map();
  let customBox: HTMLElement = el('div');
  let pointCount: HTMLElement = el('span');
  let nodeCanvases: HTMLCanvasElement[][] = [];
  let edgeElements: { edge: Edge; g: SVGGElement; vis: SVGPathElement }[] = [];
  let weightInput: HTMLInputElement | null = null;
  let weightBox: HTMLElement = el('div');
  let outputCanvas: HTMLCanvasElement = el('canvas');
  let curveCanvas: HTMLCanvasElement = el('canvas');
  let stats: Record<'trainLoss' | 'testLoss' | 'testAccuracy', HTMLElement> = { trainLoss: el('dd'), testLoss: el('dd'), testAccuracy: el('dd') };
  let pre: HTMLPreElement = el('pre');

  function nodeName(column: number, k: number): string {
    if (column === 0) return t('featureNode', { name: FEATURE_LABEL[recipe.features[k]] });
    if (column === recipe.hidden.length + 1) return t('outputNode');
    return t('neuronNode', { n: k + 1, layer: column });
  }

  function build(): void {
    page.innerHTML = '';
    refs.title.textContent = t('title');
    refs.intro.textContent = t('intro');
    refs.step.textContent = t('step');
    refs.reset.textContent = t('reset');
    refs.keys.textContent = t('keys');
    const bar = el('div', { class: 'pg-bar panel', role: 'group', 'aria-label': t('controls') },
      el('div', { class: 'pg-buttons' }, refs.play, refs.step, refs.reset, refs.counter, refs.speed), refs.selects);
    buildSelects();
    buildData();
    buildNetwork();
    buildOutput();
    buildCode();
    page.append(refs.title, refs.intro, bar, el('div', { class: 'pg-main' }, refs.data, refs.net, refs.out), refs.code, refs.keys, refs.backend, refs.error);
    relabelLive();
  }

  /** The texts that change while the page runs. */
  function relabelLive(): void {
    refs.play.textContent = training ? t('pause') : t('play');
    refs.counter.textContent = `${t('stepCount', { n: snap?.step ?? 0 })}, ${t('epochCount', { n: snap?.epoch ?? 0 })}`;
    refs.speed.textContent = stepsPerSecond > 0 ? t('speed', { n: Math.round(stepsPerSecond) }) : '';
    refs.backend.textContent = backend ? t('backend', { backend }) : '';
    refs.error.textContent = error ? t('workerError', { message: error }) : '';
    pointCount.textContent = custom.length === 0 ? t('noPoints') : t('pointCount', { n: custom.length });
  }

  function select<T extends string | number>(label: Key, options: readonly T[], value: T, text: (o: T) => string, onChange: (v: T) => void): HTMLElement {
    const s = el('select');
    for (const o of options) {
      const opt = el('option', { value: String(o) }, text(o));
      if (o === value) opt.selected = true;
      s.append(opt);
    }
    s.addEventListener('change', () => onChange(options[s.selectedIndex]));
    return el('label', {}, el('span', {}, t(label)), s);
  }

  const rate = (v: number): string => formatNumber(v, { maxDecimals: 5 });

  function buildSelects(): void {
    refs.selects.innerHTML = '';
    refs.selects.append(
      select('problem', ['classification', 'regression'] as const, recipe.problem, (o) => t(o), (v) => {
        recipe = { ...recipe, problem: v, dataset: datasetsFor(v)[0] };
        buildData();
        configure();
      }),
      select('learningRate', LEARNING_RATES, recipe.learningRate, rate, (v) => change({ learningRate: v })),
      select('activation', ACTIVATIONS, recipe.activation, (o) => t(o), (v) => change({ activation: v })),
      select('optimizer', OPTIMIZERS, recipe.optimizer, (o) => t(o), (v) => change({ optimizer: v })),
      select('regularization', REGULARIZATIONS, recipe.regularization, (o) => t(o), (v) => change({ regularization: v })),
      select('regularizationRate', REGULARIZATION_RATES, recipe.regularizationRate, rate, (v) => change({ regularizationRate: v })),
      select('dropout', DROPOUT_RATES, recipe.dropout, rate, (v) => change({ dropout: v })),
    );
  }

  function slider(key: 'noise' | 'split' | 'batch', min: number, max: number, step: number, value: number, onInput: (v: number) => void): HTMLElement {
    const text = el('span', {}, t(key, { n: value }));
    const input = el('input', { type: 'range', min: String(min), max: String(max), step: String(step), value: String(value) });
    input.addEventListener('input', () => {
      text.textContent = t(key, { n: input.value });
      onInput(Number(input.value));
    });
    return el('label', { class: 'pg-slider' }, text, input);
  }

  function thumbnail(name: DatasetName): HTMLCanvasElement {
    const c = el('canvas', { width: '48', height: '48', 'aria-hidden': 'true' });
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 48, 48);
    if (name === 'custom') {
      ctx.strokeStyle = '#555';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(10, 38);
      ctx.lineTo(38, 10);
      ctx.stroke();
      return c;
    }
    for (const p of DATASETS[name](200, 0, new Generator(1))) {
      ctx.fillStyle = css(colour(name === 'plane' || name === 'bumps' ? p.label : 2 * p.label - 1, 1));
      ctx.fillRect(((p.x1 + EXTENT) / (2 * EXTENT)) * 48 - 1, ((EXTENT - p.x2) / (2 * EXTENT)) * 48 - 1, 2.5, 2.5);
    }
    return c;
  }

  function buildData(): void {
    refs.data.innerHTML = '';
    datasetButtons = new Map();
    const choices = el('div', { class: 'pg-datasets', role: 'group', 'aria-label': t('dataset') });
    for (const name of datasetsFor(recipe.problem)) {
      const b = el('button', { type: 'button', 'aria-pressed': String(name === recipe.dataset) }, thumbnail(name), el('span', {}, t(name)));
      b.addEventListener('click', () => {
        if (recipe.dataset === name) return;
        change({ dataset: name });
        for (const [n, other] of datasetButtons) other.setAttribute('aria-pressed', String(n === name));
        customBox.hidden = name !== 'custom';
      });
      datasetButtons.set(name, b);
      choices.append(b);
    }

    const classes = el('fieldset', { class: 'pg-classes' }, el('legend', {}, t('drawClass')));
    for (const k of [1, 0]) {
      const input = el('input', { type: 'radio', name: 'pg-class', value: String(k) });
      input.checked = drawClass === k;
      input.addEventListener('change', () => {
        if (input.checked) drawClass = k;
      });
      classes.append(el('label', { class: `pg-class-${k}` }, input, ` ${t(k === 1 ? 'class1' : 'class0')}`));
    }
    const addRandom = el('button', { type: 'button', class: 'pg-add-random' }, t('addRandom'));
    addRandom.addEventListener('click', () => {
      addPoint({ x1: (Math.random() * 2 - 1) * 5.5, x2: (Math.random() * 2 - 1) * 5.5, label: drawClass });
    });
    const clear = el('button', { type: 'button' }, t('clearPoints'));
    clear.addEventListener('click', () => {
      custom = [];
      configure();
    });
    pointCount = el('span', { class: 'muted' });
    customBox = el('div', { class: 'pg-custom' }, el('p', {}, t('drawHint')), classes, el('div', { class: 'pg-buttons' }, addRandom, clear), pointCount);
    customBox.hidden = recipe.dataset !== 'custom';

    const seed = el('input', { type: 'number', min: '0', max: '999999', step: '1', value: String(recipe.seed) });
    seed.addEventListener('change', () => {
      const v = Number(seed.value);
      if (Number.isInteger(v) && v >= 0 && v <= 999_999) change({ seed: v });
      else seed.value = String(recipe.seed);
    });
    const fresh = el('button', { type: 'button' }, t('newData'));
    fresh.addEventListener('click', () => {
      const v = Math.floor(Math.random() * 1_000_000);
      seed.value = String(v);
      change({ seed: v });
    });
    refs.data.append(
      el('h2', {}, t('data')), choices, customBox,
      slider('noise', 0, 50, 5, Math.round(recipe.noise * 100), (v) => change({ noise: v / 100 })),
      slider('split', 10, 90, 10, Math.round(recipe.trainFraction * 100), (v) => change({ trainFraction: v / 100 })),
      slider('batch', 1, 30, 1, recipe.batchSize, (v) => change({ batchSize: v })),
      el('div', { class: 'pg-seed' }, el('label', {}, el('span', {}, t('seed')), seed), fresh),
    );
    relabelLive();
  }

  function buildNetwork(): void {
    refs.net.innerHTML = '';
    const features = el('fieldset', { class: 'pg-features' }, el('legend', {}, t('features')));
    for (const f of FEATURE_NAMES) {
      const box = el('input', { type: 'checkbox', value: f });
      box.checked = recipe.features.includes(f);
      box.addEventListener('change', () => {
        const next = FEATURE_NAMES.filter((g) => (g === f ? box.checked : recipe.features.includes(g)));
        if (next.length === 0) {
          box.checked = true; // a network needs an input
          return;
        }
        change({ features: next }, true);
      });
      features.append(el('label', {}, box, ` ${FEATURE_LABEL[f]}`));
    }

    const layers = recipe.hidden;
    const addLayer = el('button', { type: 'button', 'aria-label': t('addLayer'), title: t('addLayer') }, '+');
    const removeLayer = el('button', { type: 'button', 'aria-label': t('removeLayer'), title: t('removeLayer') }, '−');
    addLayer.disabled = layers.length >= MAX_LAYERS;
    removeLayer.disabled = layers.length === 0;
    addLayer.addEventListener('click', () => change({ hidden: [...layers, 4] }, true));
    removeLayer.addEventListener('click', () => change({ hidden: layers.slice(0, -1) }, true));
    const layerBar = el('div', { class: 'pg-layerbar' }, addLayer, removeLayer, el('span', {}, t('hiddenLayers', { n: layers.length })));

    // columns: the features, each hidden layer, the output
    const columns = [recipe.features.length, ...layers, 1];
    const most = Math.max(...columns);
    const width = LABELS + columns.length * COLUMN;
    const height = most * ROW + 8;
    const position = (c: number, k: number): { x: number; y: number } => ({
      x: LABELS + c * COLUMN + (COLUMN - NODE) / 2,
      y: 4 + ((most - columns[c]) * ROW) / 2 + k * ROW + (ROW - NODE) / 2,
    });

    const neuronBar = el('div', { class: 'pg-neuronbar', style: `width:${width}px` });
    layers.forEach((n, i) => {
      const plus = el('button', { type: 'button', 'aria-label': t('addNeuron', { n: i + 1 }), title: t('addNeuron', { n: i + 1 }) }, '+');
      const minus = el('button', { type: 'button', 'aria-label': t('removeNeuron', { n: i + 1 }), title: t('removeNeuron', { n: i + 1 }) }, '−');
      plus.disabled = n >= MAX_NEURONS;
      minus.disabled = n <= 1;
      plus.addEventListener('click', () => change({ hidden: layers.map((m, j) => (j === i ? m + 1 : m)) }, true));
      minus.addEventListener('click', () => change({ hidden: layers.map((m, j) => (j === i ? m - 1 : m)) }, true));
      neuronBar.append(el('div', { class: 'pg-neurons', style: `left:${LABELS + (i + 1) * COLUMN}px;width:${COLUMN}px` },
        el('div', {}, plus, minus), el('span', {}, t('neurons', { n }))));
    });

    const diagram = el('div', { class: 'pg-diagram', style: `width:${width}px;height:${height}px` });
    const lines = svg('svg', { width: String(width), height: String(height), class: 'pg-edges' });
    edgeElements = [];
    for (let l = 0; l < columns.length - 1; l++) {
      for (let row = 0; row < columns[l + 1]; row++) {
        for (let col = 0; col < columns[l]; col++) {
          const a = position(l, col);
          const b = position(l + 1, row);
          const x1 = a.x + NODE, y1 = a.y + NODE / 2, x2 = b.x, y2 = b.y + NODE / 2, mx = (x1 + x2) / 2;
          const d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
          const edge = { layer: l, row, col };
          const g = svg('g', { class: 'pg-edge', tabindex: '0', role: 'button', 'aria-label': t('edge', { ...edgeNames(edge), w: '–' }) });
          const hit = svg('path', { d, class: 'hit' });
          const vis = svg('path', { d, class: 'vis' });
          g.append(hit, vis);
          g.addEventListener('click', () => chooseEdge(edge));
          g.addEventListener('keydown', (e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              chooseEdge(edge);
            }
          });
          lines.append(g);
          edgeElements.push({ edge, g, vis });
        }
      }
    }
    diagram.append(lines);
    nodeCanvases = columns.map((count, c) => Array.from({ length: count }, (_, k) => {
      const p = position(c, k);
      const canvas = el('canvas', { width: String(NODE_GRID), height: String(NODE_GRID), role: 'img', 'aria-label': t('nodeImage', { name: nodeName(c, k) }) });
      const box = el('div', { class: 'pg-node', style: `left:${p.x}px;top:${p.y}px;width:${NODE}px;height:${NODE}px` }, canvas);
      diagram.append(box);
      if (c === 0) diagram.append(el('span', { class: 'pg-feature-label', 'aria-hidden': 'true', style: `top:${p.y + NODE / 2 - 12}px;left:${p.x - LABELS - 6}px;width:${LABELS}px` }, FEATURE_LABEL[recipe.features[k]]));
      return canvas;
    }));

    weightBox = el('div', { class: 'pg-weight' });
    if (selected && !edgeElements.some((e) => sameEdge(e.edge, selected!))) selected = null;
    buildWeightEditor();
    refs.net.append(el('h2', {}, t('network')), features, layerBar, el('div', { class: 'pg-scroll' }, neuronBar, diagram), weightBox);
    if (snap) drawNetwork(snap);
  }

  function sameEdge(a: Edge, b: Edge): boolean {
    return a.layer === b.layer && a.row === b.row && a.col === b.col;
  }

  function edgeNames(e: Edge): { from: string; to: string } {
    return { from: nodeName(e.layer, e.col), to: nodeName(e.layer + 1, e.row) };
  }

  function weightOf(e: Edge): number | null {
    const w = snap?.weights[e.layer];
    const cols = e.layer === 0 ? recipe.features.length : recipe.hidden[e.layer - 1];
    return w ? w[e.row * cols + e.col] : null;
  }

  function buildWeightEditor(): void {
    weightBox.innerHTML = '';
    weightInput = null;
    if (!selected) {
      weightBox.append(el('p', { class: 'muted' }, t('weightHint')));
      return;
    }
    const edge = selected;
    weightInput = el('input', { type: 'number', step: '0.01', value: weightValue(weightOf(edge)) });
    const commit = (): void => {
      const v = Number(weightInput!.value);
      if (weightInput!.value.trim() === '' || !Number.isFinite(v)) return;
      editedWeights = true;
      post({ type: 'setWeight', ...edge, value: v });
    };
    weightInput.addEventListener('change', commit);
    weightInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') commit();
    });
    weightBox.append(el('label', {}, el('span', {}, t('weightLabel', edgeNames(edge))), weightInput));
    for (const e of edgeElements) e.g.classList.toggle('selected', sameEdge(e.edge, edge));
  }

  function chooseEdge(edge: Edge): void {
    selected = edge;
    buildWeightEditor();
    weightInput?.focus();
    weightInput?.select();
  }

  function buildOutput(): void {
    refs.out.innerHTML = '';
    outputCanvas = el('canvas', { width: '400', height: '400', role: 'img', class: 'pg-output' });
    outputCanvas.addEventListener('pointerdown', (e) => {
      if (recipe.dataset !== 'custom') return;
      const box = outputCanvas.getBoundingClientRect();
      const x1 = ((e.clientX - box.left) / box.width) * 2 * EXTENT - EXTENT;
      const x2 = EXTENT - ((e.clientY - box.top) / box.height) * 2 * EXTENT;
      addPoint({ x1, x2, label: drawClass });
    });
    const toggle = el('input', { type: 'checkbox' });
    toggle.checked = showTest;
    toggle.addEventListener('change', () => {
      showTest = toggle.checked;
      drawOutput();
    });
    stats = { trainLoss: el('dd'), testLoss: el('dd'), testAccuracy: el('dd') };
    const dl = el('dl', { class: 'pg-stats' },
      el('dt', {}, t('trainLoss')), stats.trainLoss, el('dt', {}, t('testLoss')), stats.testLoss,
      el('dt', {}, t('testAccuracy')), stats.testAccuracy);
    curveCanvas = el('canvas', { width: '400', height: '170', role: 'img', 'aria-label': t('curvesImage') });
    refs.out.append(el('h2', {}, t('output')), dl, outputCanvas, el('label', {}, toggle, ` ${t('showTest')}`), curveCanvas);
    drawOutput();
    drawStats();
  }

  function buildCode(): void {
    refs.code.innerHTML = '';
    const toggle = el('button', { type: 'button', class: 'pg-show-code', 'aria-expanded': String(codeShown), 'aria-controls': 'pg-code-box' }, t(codeShown ? 'hideCode' : 'showCode'));
    const copy = el('button', { type: 'button', class: 'pg-copy' }, t('copy'));
    pre = el('pre', { class: 'code', tabindex: '0', 'aria-label': t('codeLabel') });
    const box = el('div', { id: 'pg-code-box' }, el('p', {}, t('codeIntro')), el('div', { class: 'pg-buttons' }, copy), pre);
    box.hidden = !codeShown;
    toggle.addEventListener('click', () => {
      codeShown = !codeShown;
      toggle.setAttribute('aria-expanded', String(codeShown));
      toggle.textContent = t(codeShown ? 'hideCode' : 'showCode');
      box.hidden = !codeShown;
      updateCode();
    });
    copy.addEventListener('click', () => {
      const done = (): void => {
        copy.textContent = t('copied');
        setTimeout(() => (copy.textContent = t('copy')), 2000);
      };
      const selectIt = (): void => {
        const range = document.createRange();
        range.selectNodeContents(pre);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
      };
      if (navigator.clipboard) navigator.clipboard.writeText(pre.textContent ?? '').then(done, selectIt);
      else selectIt();
    });
    refs.code.append(toggle, box);
    updateCode();
  }

  function updateCode(): void {
    if (!codeShown) return;
    const steps = snap && snap.step > 0 ? snap.step : 1000;
    pre.textContent = programFor(recipe, custom, steps, { editedWeights });
  }

  // ------------------------------------------------------------------------------------------------ drawing

  function drawOutput(): void {
    const ctx = outputCanvas.getContext('2d')!;
    const { width: w, height: h } = outputCanvas;
    outputCanvas.setAttribute('aria-label', t(recipe.problem === 'classification' ? 'outputImageClassification' : 'outputImageRegression'));
    if (snap) {
      const v = recipe.problem === 'classification' ? snap.output.map((p) => 2 * p - 1) : snap.output;
      paintMap(outputCanvas, v, GRID, 0.55);
    } else {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, w, h);
    }
    const at = (p: Point): [number, number] => [((p.x1 + EXTENT) / (2 * EXTENT)) * w, ((EXTENT - p.x2) / (2 * EXTENT)) * h];
    const fill = (p: Point): string => css(colour(recipe.problem === 'classification' ? 2 * p.label - 1 : p.label, 1));
    for (const p of split.train) {
      const [x, y] = at(p);
      ctx.beginPath();
      ctx.arc(x, y, 4, 0, 2 * Math.PI);
      ctx.fillStyle = fill(p);
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#fff';
      ctx.stroke();
    }
    if (showTest) {
      for (const p of split.test) {
        const [x, y] = at(p);
        ctx.beginPath();
        ctx.arc(x, y, 4, 0, 2 * Math.PI);
        ctx.lineWidth = 3;
        ctx.strokeStyle = '#1a1a1a';
        ctx.stroke();
        ctx.lineWidth = 2;
        ctx.strokeStyle = fill(p);
        ctx.stroke();
      }
    }
    // the axes' ends
    ctx.fillStyle = '#1a1a1a';
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillText(`-${EXTENT}`, 4, h - 4);
    ctx.fillText(String(EXTENT), w - 14, h - 4);
  }

  function drawNetwork(s: Snapshot): void {
    s.nodes.forEach((column, c) => column.forEach((values, k) => {
      const canvas = nodeCanvases[c]?.[k];
      if (!canvas) return;
      const last = c === s.nodes.length - 1;
      const v = last && recipe.problem === 'classification' ? values.map((p) => 2 * p - 1) : normalised(values);
      paintMap(canvas, v, NODE_GRID, 0.9);
    }));
    for (const { edge, g, vis } of edgeElements) {
      const w = weightOf(edge) ?? 0;
      vis.style.stroke = css(colour(Math.sign(w), 1));
      vis.style.strokeWidth = `${Math.min(8, 0.6 + 2.5 * Math.abs(w)).toFixed(2)}px`;
      g.setAttribute('aria-label', t('edge', { ...edgeNames(edge), w: formatNumber(w, { decimals: 3 }) }));
    }
    if (selected && weightInput && document.activeElement !== weightInput) weightInput.value = weightValue(weightOf(selected));
  }

  function drawStats(): void {
    stats.trainLoss.textContent = formatNumber(snap?.trainLoss ?? null, { decimals: 3 });
    stats.testLoss.textContent = formatNumber(snap?.testLoss ?? null, { decimals: 3 });
    stats.testAccuracy.textContent = formatPercent(snap?.testAccuracy ?? null);
    drawCurves(curveCanvas, [
      { label: t('curveTrain'), values: trainCurve },
      { label: t('curveTest'), values: testCurve, dashed: true },
    ], { title: t('curves') });
  }

  function drawAll(): void {
    frame = 0;
    if (snap) drawNetwork(snap);
    drawOutput();
    drawStats();
    relabelLive();
    post({ type: 'drawn' });
  }

  // ------------------------------------------------------------------------------------------------ the worker

  function configure(): void {
    generation++;
    snap = null;
    trainCurve = [];
    testCurve = [];
    rateSamples = [];
    editedWeights = false;
    post({ type: 'configure', generation, recipe, points: custom });
    setParams(ID, writeParams(recipe, custom));
    updateCode();
    relabelLive();
  }

  /** A change of the set-up: the network starts again (and keeps playing if it was). */
  function change(part: Partial<Recipe>, rebuildNetwork = false): void {
    recipe = { ...recipe, ...part };
    configure();
    if (rebuildNetwork) buildNetwork();
  }

  function addPoint(p: Point): void {
    custom = [...custom, { x1: Math.round(p.x1 * 100) / 100, x2: Math.round(p.x2 * 100) / 100, label: p.label }];
    configure();
  }

  function setTraining(on: boolean): void {
    training = on;
    post({ type: on ? 'play' : 'pause' });
    if (!on) rateSamples = [];
    relabelLive();
  }

  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    const m = e.data;
    if (m.type === 'ready') {
      ready = true;
      backend = m.backend;
      for (const w of waiting.splice(0)) worker.postMessage(w);
      relabelLive();
      return;
    }
    if (m.type === 'error') {
      error = m.message;
      training = false;
      relabelLive();
      return;
    }
    if (m.generation !== generation) {
      post({ type: 'drawn' });
      return;
    }
    if (m.split) split = m.split;
    const moved = !snap || snap.step !== m.step;
    snap = m;
    boundaryHash = hashOf(m.output);
    if (moved && m.trainLoss !== null) {
      trainCurve.push(m.trainLoss);
      testCurve.push(m.testLoss ?? NaN);
      if (trainCurve.length > 600) {
        trainCurve = trainCurve.filter((_, i) => i % 2 === 0);
        testCurve = testCurve.filter((_, i) => i % 2 === 0);
      }
    }
    if (training) {
      const now = performance.now();
      rateSamples.push({ t: now, step: m.step });
      while (rateSamples.length > 2 && now - rateSamples[0].t > 2000) rateSamples.shift();
      const first = rateSamples[0];
      if (rateSamples.length >= 2 && now - first.t > 200) stepsPerSecond = ((m.step - first.step) * 1000) / (now - first.t);
    } else {
      updateCode();
    }
    if (!frame) frame = requestAnimationFrame(drawAll);
  };
  worker.onerror = (e) => {
    error = e.message || 'worker error';
    relabelLive();
  };

  // ------------------------------------------------------------------------------------------------ keys

  const inField = (target: EventTarget | null): boolean =>
    target instanceof Element && target.closest('input, select, textarea, [contenteditable="true"]') !== null;
  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.ctrlKey || e.metaKey || e.altKey || inField(e.target)) return;
    if (e.key === ' ') {
      e.preventDefault();
      if (!e.repeat) setTraining(!training);
    } else if (e.key === '.') {
      e.preventDefault();
      stepOnce();
    } else if (e.key === 'r' || e.key === 'R') {
      e.preventDefault();
      reset();
    }
  };
  // a focused button would also take Space as a click
  const onKeyUp = (e: KeyboardEvent): void => {
    if (e.key === ' ' && !inField(e.target)) e.preventDefault();
  };
  document.addEventListener('keydown', onKeyDown);
  document.addEventListener('keyup', onKeyUp);

  function stepOnce(): void {
    training = false;
    rateSamples = [];
    post({ type: 'step' });
    relabelLive();
  }

  function reset(): void {
    setTraining(false);
    configure();
  }

  refs.play.addEventListener('click', () => setTraining(!training));
  refs.step.addEventListener('click', stepOnce);
  refs.reset.addEventListener('click', reset);

  build();
  configure();

  return {
    state: () => ({
      ready,
      backend,
      step: snap?.step ?? 0,
      epoch: snap?.epoch ?? 0,
      trainLoss: snap?.trainLoss ?? null,
      testLoss: snap?.testLoss ?? null,
      trainAccuracy: snap?.trainAccuracy ?? null,
      testAccuracy: snap?.testAccuracy ?? null,
      // until the worker's last snapshot after a pause has come, it is still training
      training: training || (snap?.playing ?? false),
      problem: recipe.problem,
      dataset: recipe.dataset,
      noise: recipe.noise,
      trainFraction: recipe.trainFraction,
      batchSize: recipe.batchSize,
      features: recipe.features.slice(),
      layers: recipe.hidden.slice(),
      activation: recipe.activation,
      learningRate: recipe.learningRate,
      optimizer: recipe.optimizer,
      regularization: recipe.regularization,
      regularizationRate: recipe.regularizationRate,
      dropout: recipe.dropout,
      seed: recipe.seed,
      points: custom.length,
      trainPoints: split.train.length,
      testPoints: split.test.length,
      showTest,
      boundaryHash,
      stepsPerSecond,
      selectedEdge: selected ? { ...selected, value: weightOf(selected) } : null,
      codeShown,
      error,
    }),
    relabel: () => build(),
    unmount: () => {
      worker.terminate();
      if (frame) cancelAnimationFrame(frame);
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('keyup', onKeyUp);
    },
  };
}

const playground: LabPage = {
  id: ID,
  order: 10,
  title: { en: S.en.title, nl: S.nl.title },
  mount,
};
export default playground;
