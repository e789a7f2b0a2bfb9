/**
 * Convolutions: a kernel slides over a picture (a held-out digit, a drawing or a photo), the output comes from
 * Myelin's conv2d, and a step-by-step view shows one output pixel's multiply-and-add; then the feature maps of the
 * shared digit CNN, layer by layer, trained here if there is none.
 */
import './style.css';
import { conv2d, data, nn, noGrad, tensor } from 'myelin';
import { currentLang, formatNumber, formatPercent, translator } from '../../i18n.js';
import { setParams, type LabPage, type MountedPage } from '../../page.js';
import { digitInput, digitsUrl, loadDigits, PIXELS, type Digits } from '../../digits/data.js';
import { DrawPad } from '../../digits/draw-pad.js';
import { currentDigitModel, onDigitModel } from '../../digits/store.js';
import { DigitTrainer } from '../../digits/trainer.js';
import { convLayers, featureMaps, type FeatureMap } from './feature-maps.js';
import { PRESETS, preset, resize, type Kernel, type KernelName, type KernelSize, type PresetName } from './kernels.js';
import { frame, legendGradient, paint, rangeOf } from './paint.js';
import { S, type Key } from './strings.js';

const t = translator(S);
const ID = 'convolutions';
/** the zoo CNN's training run: 2 epochs of Adam, about 11 s in Chromium on 2 cores, reach about 95% */
const CNN_RUN = { arch: 'cnn', epochs: 2, lr: 1e-3, batchSize: 64, seed: 0, snapshotMs: 700 } as const;
const STEPS_PER_EPOCH = Math.ceil(8000 / CNN_RUN.batchSize);
const PHOTO_MAX = 96;
const TEST_COUNT = 2000;
/** the pictures' size on screen: the input (with its padding) at about this many CSS pixels */
const VIEW_PX = 308;

type Source = 'digit' | 'drawn' | 'photo';
interface Picture { width: number; height: number; values: Float32Array }

function page(root: HTMLElement, params: URLSearchParams): MountedPage {
  root.innerHTML = `
  <div class="conv">
    <h1 data-t="title"></h1>
    <p class="lead" data-t="intro"></p>
    <div class="row">
      <section class="panel conv-picture" aria-labelledby="conv-h-picture">
        <h2 id="conv-h-picture" data-t="pictureTitle"></h2>
        <fieldset class="conv-sources">
          <legend data-t="sourceLegend"></legend>
          <label><input type="radio" name="conv-source" value="digit"> <span data-t="srcDigit"></span></label>
          <label><input type="radio" name="conv-source" value="drawn"> <span data-t="srcDrawn"></span></label>
          <label><input type="radio" name="conv-source" value="photo"> <span data-t="srcPhoto"></span></label>
        </fieldset>
        <div class="controls">
          <label for="conv-digit" data-t="digitIndex"></label>
          <div class="row conv-tight">
            <input id="conv-digit" type="number" min="0" max="${TEST_COUNT - 1}" step="1" inputmode="numeric">
            <button type="button" id="conv-another" data-t="another"></button>
          </div>
          <label for="conv-photo" data-t="photoFile"></label>
          <input id="conv-photo" type="file" accept="image/*">
          <p class="muted small" data-t="photoNote"></p>
          <p class="small" id="conv-photo-info" aria-live="polite"></p>
        </div>
        <p id="conv-source-info" aria-live="polite"></p>
        <div id="conv-pad"></div>
      </section>
      <section class="panel conv-kernel" aria-labelledby="conv-h-kernel">
        <h2 id="conv-h-kernel" data-t="kernelTitle"></h2>
        <div class="controls">
          <label><span data-t="size"></span>
            <select id="conv-size"><option value="3">3×3</option><option value="5">5×5</option></select></label>
          <label><span data-t="preset"></span>
            <select id="conv-preset">${[...PRESETS, 'custom'].map((p) => `<option value="${p}" data-t="k_${p}"></option>`).join('')}</select></label>
        </div>
        <fieldset>
          <legend data-t="gridLegend"></legend>
          <div id="conv-grid" class="conv-grid"></div>
        </fieldset>
        <div class="controls">
          <label><span data-t="stride"></span>
            <select id="conv-stride"><option value="1">1</option><option value="2">2</option></select></label>
          <label><span data-t="padding"></span>
            <select id="conv-padding"><option value="none" data-t="pad0"></option><option value="same" id="conv-pad-same"></option></select></label>
        </div>
        <p class="small" data-t="sizeRule"></p>
        <p class="small" id="conv-size-calc" aria-live="polite"></p>
      </section>
    </div>
    <section class="panel" aria-labelledby="conv-h-step">
      <h2 id="conv-h-step" data-t="stepTitle"></h2>
      <div class="row">
        <figure class="conv-fig">
          <figcaption data-t="inputCaption"></figcaption>
          <canvas id="conv-in" class="px" role="img"></canvas>
          <p class="small muted" id="conv-padding-key" data-t="paddingKey"></p>
        </figure>
        <figure class="conv-fig">
          <figcaption data-t="outputCaption"></figcaption>
          <canvas id="conv-out" class="px conv-clickable" role="img"></canvas>
          <div class="conv-legend">
            <span class="small" data-t="legendTitle"></span>
            <div class="conv-legend-bar" id="conv-legend-bar" aria-hidden="true"></div>
            <div class="conv-legend-labels small" aria-hidden="true">
              <span id="conv-legend-min"></span><span>0</span><span id="conv-legend-max"></span>
            </div>
            <p class="small" id="conv-legend-text"></p>
          </div>
        </figure>
      </div>
      <p id="conv-too-small" class="conv-warning" data-t="tooSmall" hidden></p>
      <div class="row conv-tight">
        <button type="button" id="conv-play" class="primary"></button>
        <button type="button" id="conv-back" data-t="back"></button>
        <button type="button" id="conv-step" data-t="step"></button>
      </div>
      <div class="controls">
        <label for="conv-pos" data-t="position"></label>
        <input id="conv-pos" type="range" min="0" value="0" class="conv-slider">
        <p id="conv-pos-text"></p>
      </div>
      <div class="row">
        <table class="nums" id="conv-t-window"><caption data-t="windowCaption"></caption><tbody></tbody></table>
        <span class="conv-op" aria-hidden="true">×</span>
        <table class="nums" id="conv-t-kernel"><caption data-t="kernelCaption"></caption><tbody></tbody></table>
        <span class="conv-op" aria-hidden="true">=</span>
        <table class="nums" id="conv-t-products"><caption data-t="productsCaption"></caption><tbody></tbody></table>
      </div>
      <p><span data-t="sumLabel"></span><br><span id="conv-sum" class="conv-sum"></span></p>
      <p class="small muted" id="conv-sum-note"></p>
    </section>
    <section class="panel" aria-labelledby="conv-h-cnn">
      <h2 id="conv-h-cnn" data-t="cnnTitle"></h2>
      <p id="conv-cnn-intro"></p>
      <p id="conv-model" aria-live="polite"></p>
      <div class="row conv-tight">
        <button type="button" id="conv-train" class="primary"></button>
      </div>
      <div class="controls" id="conv-progress-box" hidden>
        <label for="conv-progress" data-t="progress"></label>
        <progress id="conv-progress" max="${CNN_RUN.epochs * STEPS_PER_EPOCH}" value="0"></progress>
        <p id="conv-progress-text" class="small" aria-live="polite"></p>
      </div>
      <p id="conv-prediction" aria-live="polite"></p>
      <p id="conv-chain"></p>
      <div id="conv-maps"></div>
    </section>
  </div>`;
  const $ = <E extends HTMLElement>(sel: string): E => root.querySelector<E>(sel)!;
  const sourceRadios = [...root.querySelectorAll<HTMLInputElement>('input[name="conv-source"]')];
  const digitBox = $<HTMLInputElement>('#conv-digit');
  const photoInput = $<HTMLInputElement>('#conv-photo');
  const sourceInfo = $('#conv-source-info');
  const sizeSelect = $<HTMLSelectElement>('#conv-size');
  const presetSelect = $<HTMLSelectElement>('#conv-preset');
  const grid = $('#conv-grid');
  const strideSelect = $<HTMLSelectElement>('#conv-stride');
  const paddingSelect = $<HTMLSelectElement>('#conv-padding');
  const inCanvas = $<HTMLCanvasElement>('#conv-in');
  const outCanvas = $<HTMLCanvasElement>('#conv-out');
  const playButton = $<HTMLButtonElement>('#conv-play');
  const slider = $<HTMLInputElement>('#conv-pos');
  const trainButton = $<HTMLButtonElement>('#conv-train');
  const progress = $<HTMLProgressElement>('#conv-progress');
  const mapsBox = $('#conv-maps');
  $('#conv-legend-bar').style.background = legendGradient();

  // ---- the set-up (from the URL, else the defaults) ----
  let size: KernelSize = params.get('size') === '5' ? 5 : 3;
  let kernelName: KernelName = (PRESETS as readonly string[]).includes(params.get('k') ?? '') ? (params.get('k') as PresetName) : 'sobel';
  let kernel: Kernel = preset(kernelName, size);
  const own = (params.get('w') ?? '').split(',').map(Number);
  if (params.get('k') === 'custom' && own.length === size * size && own.every(Number.isFinite)) {
    kernelName = 'custom';
    kernel = Array.from({ length: size }, (_, r) => own.slice(r * size, (r + 1) * size));
  }
  let stride: 1 | 2 = params.get('stride') === '2' ? 2 : 1;
  let padMode: 'none' | 'same' = params.get('pad') === 'same' ? 'same' : 'none';
  let digitIndex = Math.min(TEST_COUNT - 1, Math.max(0, Math.floor(Number(params.get('digit')) || 0)));
  let source: Source = 'digit';
  let digits: Digits | null = null;
  let photo: Picture | null = null;
  let photoFailed = false;
  const at = (params.get('at') ?? '').split(',').map(Number);
  let pos: [number, number] = at.length === 2 && at.every(Number.isInteger) ? [at[0], at[1]] : [10, 10];
  let playTimer: ReturnType<typeof setInterval> | null = null;

  // what is computed from the set-up
  let pic: Picture = { width: 28, height: 28, values: new Float32Array(PIXELS) };
  let out: Picture | null = null;
  let sumShown: number | null = null;

  // ---- the CNN ----
  let training = false;
  let trainStep = 0;
  let trainLoss: number | null = null;
  let speed: number | null = null;
  let runAccuracy: number | null = null;
  let trainError: string | null = null;
  let maps: FeatureMap[] | null = null;
  let layerNames: string[] = [];
  let prediction: { digit: number; probability: number } | null = null;

  const padAmount = (): number => (padMode === 'same' ? (size - 1) / 2 : 0);
  const fmt = (v: number, maxDecimals = 2): string => formatNumber(v, { maxDecimals });
  const percent = (v: number): string => formatPercent(v);

  const pad = new DrawPad(padTexts(), (input) => {
    // the pad clears itself while it is being made; only a stroke (or a shown digit) chooses the drawing
    if (!input && source !== 'drawn') return;
    if (input) source = 'drawn';
    refresh();
    refreshMaps();
  }, () => (digits ? digitInput(digits.test, Math.floor(Math.random() * digits.test.count)) : null));
  $('#conv-pad').append(pad.element);

  function padTexts(): { label: string; clear: string; sample: string } {
    return { label: t('padLabel'), clear: t('padClear'), sample: t('padSample') };
  }

  function picture(): Picture {
    if (source === 'photo' && photo) return photo;
    if (source === 'drawn') return { width: 28, height: 28, values: pad.input() ?? new Float32Array(PIXELS) };
    return { width: 28, height: 28, values: digits ? digitInput(digits.test, digitIndex) : new Float32Array(PIXELS) };
  }

  /** The output's size by the formula (the text explains it; conv2d's result must agree). */
  function outSize(n: number): number {
    return Math.floor((n + 2 * padAmount() - size) / stride) + 1;
  }

  /** Recomputes the output with conv2d after any change to the picture, the kernel, the stride or the padding. */
  function refresh(): void {
    pic = picture();
    const p = padAmount();
    if (outSize(pic.height) < 1 || outSize(pic.width) < 1) {
      out = null;
    } else {
      out = noGrad(() => {
        const x = tensor(pic.values).reshape([1, 1, pic.height, pic.width]);
        const w = tensor(Float32Array.from(kernel.flat())).reshape([1, 1, size, size]);
        const y = conv2d(x, w, null, { stride, padding: p });
        return { height: y.shape[2], width: y.shape[3], values: Float32Array.from(y.data() as Float32Array) };
      });
      pos = [Math.max(0, Math.min(pos[0], out.height - 1)), Math.max(0, Math.min(pos[1], out.width - 1))];
    }
    render();
    saveParams();
  }

  function saveParams(): void {
    const q = new URLSearchParams({ k: kernelName, size: String(size), stride: String(stride), pad: padMode, digit: String(digitIndex), at: pos.join(',') });
    if (kernelName === 'custom') q.set('w', kernel.flat().join(','));
    setParams(ID, q);
  }

  // ---- drawing everything from the state ----
  function render(): void {
    renderSource();
    renderSizeText();
    renderPictures();
    renderStep();
  }

  function renderSource(): void {
    for (const r of sourceRadios) {
      r.checked = r.value === source;
      if (r.value === 'photo') r.disabled = !photo;
    }
    digitBox.value = String(digitIndex);
    if (source === 'photo' && photo) sourceInfo.textContent = t('photoInfo', { w: photo.width, h: photo.height });
    else if (source === 'drawn') sourceInfo.textContent = t('drawnInfo');
    else if (!digits) sourceInfo.textContent = t('digitLoading');
    else sourceInfo.textContent = t('digitInfo', { i: digitIndex, label: digits.test.labels[digitIndex] });
    $('#conv-photo-info').textContent = photoFailed ? t('photoError') : photo ? '' : t('photoNone');
  }

  function renderSizeText(): void {
    $('#conv-pad-same').textContent = t('padSame', { p: (size - 1) / 2 });
    const dim = (n: number): string => {
      const raw = (n + 2 * padAmount() - size) / stride + 1;
      const o = outSize(n);
      return t('sizeDim', { n, p: padAmount(), k: size, s: stride, raw: raw === o ? fmt(o) : t('rounded', { raw: fmt(raw, 2), o }) });
    };
    const oh = Math.max(0, outSize(pic.height)), ow = Math.max(0, outSize(pic.width));
    $('#conv-size-calc').textContent = pic.height === pic.width
      ? t('sizeSquare', { calc: dim(pic.height), oh, ow })
      : t('sizeRect', { h: dim(pic.height), w: dim(pic.width), oh, ow });
  }

  /** pixels per value on screen: the same for input and output, so a smaller output looks smaller */
  function scale(): number {
    return Math.max(2, Math.floor(VIEW_PX / (Math.max(pic.width, pic.height) + 2 * padAmount())));
  }

  function renderPictures(): void {
    const s = scale(), p = padAmount();
    paint(inCanvas, { ...pic, kind: 'grey' }, s, p);
    $('#conv-padding-key').hidden = p === 0;
    $('#conv-too-small').hidden = out !== null;
    outCanvas.hidden = out === null;
    if (!out) return;
    // the window's top-left corner, counted in the padded input drawn on the canvas
    frame(inCanvas, s, pos[0] * stride, pos[1] * stride, size, size);
    const range = rangeOf(out.values);
    paint(outCanvas, { ...out, kind: 'diverging', range }, s);
    frame(outCanvas, s, pos[0], pos[1], 1, 1, 3);
    $('#conv-legend-min').textContent = fmt(-range);
    $('#conv-legend-max').textContent = fmt(range);
    $('#conv-legend-text').textContent = t('legendText', { min: fmt(-range), max: fmt(range) });
    inCanvas.setAttribute('aria-label', t('inputAlt', { w: pic.width, h: pic.height, r: pos[0] * stride - p, c: pos[1] * stride - p }));
    outCanvas.setAttribute('aria-label', t('outputAlt', { w: out.width, h: out.height, r: pos[0], c: pos[1], v: fmt(out.values[pos[0] * out.width + pos[1]], 3) }));
  }

  /** The window, the kernel and their products as tables, and the sum in words; sets sumShown. */
  function renderStep(): void {
    playButton.textContent = playTimer ? t('pause') : t('play');
    playButton.setAttribute('aria-pressed', String(playTimer !== null));
    const tables = ['#conv-t-window', '#conv-t-kernel', '#conv-t-products'].map((sel) => $(sel).querySelector('tbody')!);
    if (!out) {
      for (const tb of tables) tb.innerHTML = '';
      sumShown = null;
      $('#conv-sum').textContent = '';
      $('#conv-sum-note').textContent = '';
      return;
    }
    const n = out.height * out.width, i = pos[0] * out.width + pos[1];
    slider.max = String(n - 1);
    slider.value = String(i);
    const posText = t('positionText', { r: pos[0], c: pos[1], i: i + 1, n });
    slider.setAttribute('aria-valuetext', posText);
    $('#conv-pos-text').textContent = posText;
    const p = padAmount();
    const rows: { v: number; k: number; inside: boolean }[][] = kernel.map((krow, a) => krow.map((k, b) => {
      const y = pos[0] * stride - p + a, x = pos[1] * stride - p + b;
      const inside = y >= 0 && y < pic.height && x >= 0 && x < pic.width;
      return { v: inside ? pic.values[y * pic.width + x] : 0, k, inside };
    }));
    const fill = (tb: HTMLElement, cell: (c: { v: number; k: number; inside: boolean }) => [string, boolean]): void => {
      tb.innerHTML = '';
      for (const row of rows) {
        const tr = document.createElement('tr');
        for (const c of row) {
          const td = document.createElement('td');
          const [text, muted] = cell(c);
          td.textContent = text;
          if (muted) td.className = 'pad';
          tr.append(td);
        }
        tb.append(tr);
      }
    };
    fill(tables[0], (c) => [fmt(c.v), !c.inside]);
    fill(tables[1], (c) => [fmt(c.k, 4), false]);
    fill(tables[2], (c) => [fmt(c.v * c.k, 3), c.v * c.k === 0]);
    // the page's own multiply-and-add, in float64: it must agree with conv2d's pixel
    let sum = 0;
    const terms: string[] = [];
    for (const c of rows.flat()) {
      sum += c.v * c.k;
      terms.push(`${fmt(c.v)}×${c.k < 0 ? `(${fmt(c.k, 4)})` : fmt(c.k, 4)}`);
    }
    sumShown = sum;
    $('#conv-sum').textContent = `${terms.join(' + ')} = ${fmt(sum, 3)}`;
    $('#conv-sum-note').textContent = t('sumNote', { v: fmt(out.values[i], 3) });
  }

  // ---- the kernel's number grid ----
  function buildGrid(): void {
    grid.innerHTML = '';
    grid.style.setProperty('--k', String(size));
    kernel.forEach((row, r) => row.forEach((v, c) => {
      const input = document.createElement('input');
      input.type = 'number';
      input.step = '0.1';
      input.id = `conv-k-${r}-${c}`;
      input.value = String(v);
      input.addEventListener('input', () => {
        const x = input.valueAsNumber;
        if (!Number.isFinite(x)) return; // half-typed ("-", "0."): keep the last number
        kernel[r][c] = x;
        kernelName = 'custom';
        presetSelect.value = 'custom';
        refresh();
      });
      grid.append(input);
    }));
    labelGrid();
  }

  function labelGrid(): void {
    grid.querySelectorAll('input').forEach((input, i) => input.setAttribute('aria-label', t('cell', { r: Math.floor(i / size) + 1, c: (i % size) + 1 })));
  }

  // ---- sliding ----
  function moveTo(i: number): void {
    if (!out) return;
    const n = out.height * out.width;
    const k = ((i % n) + n) % n;
    pos = [Math.floor(k / out.width), k % out.width];
    renderPictures();
    renderStep();
    saveParams();
  }

  function setPlaying(on: boolean): void {
    if (playTimer) clearInterval(playTimer);
    playTimer = null;
    if (on && out) {
      // play runs from the start when it is at the last position
      if (pos[0] * out.width + pos[1] === out.height * out.width - 1) moveTo(0);
      playTimer = setInterval(() => {
        if (!out) return setPlaying(false);
        const i = pos[0] * out.width + pos[1] + 1;
        if (i >= out.height * out.width) setPlaying(false);
        else moveTo(i);
      }, 180);
    }
    renderStep();
  }

  const index = (): number => (out ? pos[0] * out.width + pos[1] : 0);
  playButton.addEventListener('click', () => setPlaying(!playTimer));
  $('#conv-step').addEventListener('click', () => {
    setPlaying(false);
    moveTo(index() + 1);
  });
  $('#conv-back').addEventListener('click', () => {
    setPlaying(false);
    moveTo(index() - 1);
  });
  slider.addEventListener('input', () => {
    setPlaying(false);
    moveTo(Number(slider.value));
  });
  outCanvas.addEventListener('pointerdown', (e) => {
    if (!out) return;
    const r = outCanvas.getBoundingClientRect();
    const row = Math.floor(((e.clientY - r.top) / r.height) * out.height);
    const col = Math.floor(((e.clientX - r.left) / r.width) * out.width);
    setPlaying(false);
    moveTo(Math.min(out.height - 1, Math.max(0, row)) * out.width + Math.min(out.width - 1, Math.max(0, col)));
  });

  // ---- the picture's controls ----
  for (const r of sourceRadios) {
    r.addEventListener('change', () => {
      source = r.value as Source;
      refresh();
      refreshMaps();
    });
  }
  const chooseDigit = (i: number): void => {
    digitIndex = Math.min(TEST_COUNT - 1, Math.max(0, Math.floor(i)));
    source = 'digit';
    refresh();
    refreshMaps();
  };
  digitBox.addEventListener('input', () => {
    if (Number.isFinite(digitBox.valueAsNumber)) chooseDigit(digitBox.valueAsNumber);
  });
  $('#conv-another').addEventListener('click', () => chooseDigit((digitIndex + 1 + Math.floor(Math.random() * (TEST_COUNT - 1))) % TEST_COUNT));
  photoInput.addEventListener('change', () => {
    const file = photoInput.files?.[0];
    if (file) void loadPhoto(file);
  });

  /** The photo, grey (the library's toGrey) and at most PHOTO_MAX pixels on its longer side. */
  async function loadPhoto(file: File): Promise<void> {
    try {
      const bitmap = await createImageBitmap(file);
      const f = Math.min(1, PHOTO_MAX / Math.max(bitmap.width, bitmap.height));
      const width = Math.max(1, Math.round(bitmap.width * f)), height = Math.max(1, Math.round(bitmap.height * f));
      const c = document.createElement('canvas');
      c.width = width;
      c.height = height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0, width, height);
      const rgba = ctx.getImageData(0, 0, width, height).data;
      photo = { width, height, values: data.toGrey({ width, height, channels: 4, data: new Uint8Array(rgba.buffer) }) };
      photoFailed = false;
      source = 'photo';
    } catch {
      photoFailed = true;
    }
    refresh();
  }

  // ---- the kernel's controls ----
  sizeSelect.addEventListener('change', () => {
    size = sizeSelect.value === '5' ? 5 : 3;
    kernel = kernelName === 'custom' ? resize(kernel, size) : preset(kernelName, size);
    buildGrid();
    refresh();
  });
  presetSelect.addEventListener('change', () => {
    kernelName = presetSelect.value as KernelName;
    if (kernelName !== 'custom') {
      kernel = preset(kernelName, size);
      buildGrid();
    }
    refresh();
  });
  strideSelect.addEventListener('change', () => {
    stride = strideSelect.value === '2' ? 2 : 1;
    refresh();
  });
  paddingSelect.addEventListener('change', () => {
    padMode = paddingSelect.value === 'same' ? 'same' : 'none';
    refresh();
  });

  // ---- the trained CNN's feature maps ----
  function mapsInput(): { input: Float32Array; what: string } | null {
    const drawn = pad.input();
    if (source === 'drawn' && drawn) return { input: drawn, what: t('forDrawn') };
    return digits ? { input: digitInput(digits.test, digitIndex), what: t('forDigit', { i: digitIndex }) } : null;
  }

  /** Runs the shared model on the digit shown (again after every change of either). */
  function refreshMaps(): void {
    const m = currentDigitModel();
    const layers = m ? convLayers(m.model) : null;
    const x = mapsInput();
    if (layers && x) {
      const r = featureMaps(layers, x.input);
      maps = r.maps;
      layerNames = layers.map((l) => nn.moduleTypeName(l));
      const best = r.probabilities.indexOf(Math.max(...r.probabilities));
      prediction = { digit: best, probability: r.probabilities[best] };
    } else {
      maps = null;
      prediction = null;
    }
    renderMaps();
  }

  function renderModelText(): void {
    const m = currentDigitModel();
    const hasCnn = m !== null && convLayers(m.model) !== null;
    $('#conv-cnn-intro').textContent = t('cnnIntro', { what: mapsInput()?.what ?? t('forDigit', { i: digitIndex }) });
    let text = !m ? t('noModel') : !hasCnn ? t('notCnn', { name: m.name })
      : m.testAccuracy !== null ? t('haveModel', { name: m.name, acc: percent(m.testAccuracy) }) : t('haveModelTraining', { name: m.name });
    if (trainError) text += ` ${t('trainError', { message: trainError })}`;
    $('#conv-model').textContent = text;
    trainButton.textContent = training ? t('stop') : t('train', { epochs: CNN_RUN.epochs });
    $('#conv-progress-box').hidden = !training && trainStep === 0;
    progress.value = trainStep;
    $('#conv-progress-text').textContent = trainLoss === null ? t('progressWaiting')
      : t('progressText', { step: trainStep, total: CNN_RUN.epochs * STEPS_PER_EPOCH, loss: fmt(trainLoss, 3), speed: fmt(speed ?? 0, 0) });
    $('#conv-prediction').textContent = prediction ? t('prediction', { digit: prediction.digit, p: percent(prediction.probability) }) : '';
  }

  /** Every channel of every map as a small picture, one diverging scale per layer so its channels compare. */
  function renderMaps(): void {
    renderModelText();
    if (!maps) {
      mapsBox.innerHTML = '';
      $('#conv-chain').textContent = '';
      return;
    }
    $('#conv-chain').textContent = t('chain', { layers: layerNames.map((name, i) => `${i + 1} ${name}`).join(' → ') });
    const signature = maps.map((m) => `${m.index}:${m.channels}x${m.height}x${m.width}`).join(',');
    if (mapsBox.dataset.signature !== signature) {
      mapsBox.dataset.signature = signature;
      mapsBox.innerHTML = '';
      for (const m of maps) {
        const section = document.createElement('section');
        section.className = 'conv-layer';
        const h = document.createElement('h3');
        const wrap = document.createElement('div');
        wrap.className = 'conv-maps';
        for (let c = 0; c < m.channels; c++) {
          const fig = document.createElement('figure');
          const canvas = document.createElement('canvas');
          canvas.className = 'px';
          canvas.setAttribute('role', 'img');
          const cap = document.createElement('figcaption');
          fig.append(canvas, cap);
          wrap.append(fig);
        }
        section.append(h, wrap);
        mapsBox.append(section);
      }
    }
    const sections = mapsBox.querySelectorAll('section');
    maps.forEach((m, k) => {
      const section = sections[k];
      section.querySelector('h3')!.textContent = t('layerHeading', { n: m.index + 1, type: m.layer, detail: m.detail, c: m.channels, h: m.height, w: m.width });
      const range = rangeOf(m.values);
      const s = Math.max(2, Math.round(56 / m.width));
      section.querySelectorAll('figure').forEach((fig, c) => {
        const canvas = fig.querySelector('canvas')!;
        const plane = m.values.subarray(c * m.height * m.width, (c + 1) * m.height * m.width);
        paint(canvas, { width: m.width, height: m.height, values: plane, kind: 'diverging', range }, s);
        canvas.setAttribute('aria-label', t('channelAlt', { l: m.index + 1, n: c + 1 }));
        fig.querySelector('figcaption')!.textContent = t('channel', { n: c + 1 });
      });
    });
  }

  const trainer = new DigitTrainer((m) => {
    if (m.type === 'step') {
      trainStep = m.step;
      trainLoss = m.loss;
      speed = m.samplesPerSecond;
    } else if (m.type === 'epoch') {
      runAccuracy = m.testAccuracy;
    } else if (m.type === 'done') {
      training = false;
      trainStep = m.step;
      runAccuracy = m.testAccuracy;
    } else if (m.type === 'error') {
      training = false;
      trainError = m.message;
    }
    renderModelText();
  });
  trainButton.addEventListener('click', () => {
    if (training) return trainer.requestStop();
    training = true;
    trainStep = 0;
    trainLoss = null;
    runAccuracy = null;
    trainError = null;
    trainer.start({ ...CNN_RUN });
    renderModelText();
  });
  // the shared model changes with every snapshot the worker sends, here or on another page
  const stopListening = onDigitModel(() => refreshMaps());

  function relabel(): void {
    root.querySelectorAll<HTMLElement>('[data-t]').forEach((el) => (el.textContent = t(el.dataset.t as Key)));
    pad.relabel(padTexts());
    labelGrid();
    render();
    renderMaps();
  }

  sizeSelect.value = String(size);
  presetSelect.value = kernelName;
  strideSelect.value = String(stride);
  paddingSelect.value = padMode;
  buildGrid();
  relabel();
  refresh();
  refreshMaps();
  loadDigits(digitsUrl()).then((d) => {
    digits = d;
    refresh();
    refreshMaps();
  }, (err: unknown) => {
    sourceInfo.textContent = err instanceof Error ? err.message : String(err);
  });

  return {
    /**
     * The Convolutions page:
     * - `kernel`: the kernel's numbers (rows of `kernelSize` numbers); `kernelName`: the preset ('identity', 'blur',
     *   'sharpen', 'edgesH', 'edgesV', 'sobel', 'outline', 'emboss') or 'custom' once a number was edited;
     *   `kernelSize`: 3 or 5; `stride`: 1 or 2; `padding`: the zeros added on each side (0, or (kernelSize-1)/2 for
     *   'same').
     * - `source`: the picture, 'digit' (held-out digit `digitIndex`, whose label is `digitLabel`, null until the
     *   digits load), 'drawn' (the draw pad) or 'photo'; `imageSize`: [height, width] of that picture (values 0-1).
     * - `outputSize`: [height, width] of conv2d's output, null when the kernel does not fit the picture.
     * - `position`: [row, col] of the output pixel the step view shows (its window starts at row*stride-padding,
     *   col*stride-padding of the input); `outputAt`: conv2d's value there; `sumShown`: the page's own sum of the
     *   window's products, the number ending the arithmetic line (shown rounded to 3 decimals); `playing`: the
     *   slide runs.
     * - `featureMaps`: the shared digit model's conv and pooling layers run on the digit shown (the drawing when the
     *   source is 'drawn', else held-out digit `digitIndex`): [{ layer (type name), index (0-based position in the
     *   Sequential; the headings count from 1), channels, height, width }], null when there is no CNN;
     *   `prediction`: { digit, probability } of that model for that digit, or null.
     * - `training`: the CNN is training here; `step`: its training steps so far (`totalSteps` in all); `loss`: the
     *   last reported training loss; `samplesPerSecond`: the training speed in digits per second; `testAccuracy`:
     *   the shared CNN's accuracy on the 2,000 held-out digits (this run's latest epoch while it trains), null if
     *   unknown; `model`: the shared model's name, or null.
     */
    state: () => {
      const m = currentDigitModel();
      const cnn = m !== null && convLayers(m.model) !== null;
      return {
        kernel: kernel.map((row) => row.slice()),
        kernelName,
        kernelSize: size,
        stride,
        padding: padAmount(),
        source,
        digitIndex,
        digitLabel: digits ? digits.test.labels[digitIndex] : null,
        imageSize: [pic.height, pic.width],
        outputSize: out ? [out.height, out.width] : null,
        position: [...pos],
        outputAt: out ? out.values[pos[0] * out.width + pos[1]] : null,
        sumShown,
        playing: playTimer !== null,
        featureMaps: maps ? maps.map(({ layer, index, channels, height, width }) => ({ layer, index, channels, height, width })) : null,
        prediction,
        training,
        step: trainStep,
        totalSteps: CNN_RUN.epochs * STEPS_PER_EPOCH,
        loss: trainLoss,
        samplesPerSecond: speed,
        testAccuracy: training ? runAccuracy : cnn ? m!.testAccuracy : null,
        model: m?.name ?? null,
      };
    },
    relabel,
    unmount: () => {
      setPlaying(false);
      trainer.stop();
      stopListening();
    },
  };
}

const convolutions: LabPage = {
  id: ID,
  order: 30,
  title: { en: S.en.title, nl: S.nl.title },
  mount: page,
};
export default convolutions;
