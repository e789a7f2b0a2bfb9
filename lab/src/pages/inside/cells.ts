/**
 * One layer's output as cells whose brightness is the value: a vector as rows of cells, images [C, H, W] as one
 * small picture per channel. Hovering a cell, or moving over the cells with the arrow keys once the picture has the
 * focus, names the cell and its value in a line below (read out by screen readers).
 */
import { num } from './strings.js';

type Vars = Record<string, string | number>;

export interface CellTexts {
  /** the picture's accessible name, from name, shape, min, max */
  label: (v: Vars) => string;
  /** the readout for a vector cell, from i, n, value */
  vectorCell: (v: Vars) => string;
  /** the readout for a pixel of a channel, from c, row, col, value */
  imageCell: (v: Vars) => string;
  /** the readout before any cell is chosen */
  hint: string;
}

interface Geometry {
  /** cells per row of a vector, or the width of a channel */
  cols: number;
  /** pixels per cell */
  cell: number;
  /** channels (1 for a vector) and their height and width (for a vector: rows and cols) */
  channels: number;
  h: number;
  w: number;
  /** channel pictures per row */
  perRow: number;
  /** index labels under the cells (short vectors) */
  labels: boolean;
}

const CHANNEL_GAP = 6, LABEL_H = 18, MAX_WIDTH = 560;

function geometry(shape: readonly number[], n: number): Geometry {
  if (shape.length === 3) {
    const [c, h, w] = shape;
    const cell = Math.max(2, Math.min(6, Math.floor(112 / Math.max(h, w))));
    const perRow = Math.max(1, Math.min(c, Math.floor((MAX_WIDTH + CHANNEL_GAP) / (w * cell + CHANNEL_GAP))));
    return { cols: w, cell, channels: c, h, w, perRow, labels: false };
  }
  if (n <= 32) return { cols: n, cell: 28, channels: 1, h: 1, w: n, perRow: 1, labels: true };
  // a flattened 28x28 picture wraps back into its rows
  const cols = n % 28 === 0 ? 28 : 32;
  const cell = n <= 256 ? 14 : 8;
  return { cols, cell, channels: 1, h: Math.ceil(n / cols), w: cols, perRow: 1, labels: false };
}


export class CellView {
  readonly element: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly readout: HTMLElement;
  private values: Float32Array = new Float32Array(0);
  private shape: readonly number[] = [];
  private geo: Geometry = geometry([0], 0);
  private lo = 0;
  private hi = 1;
  private focus = -1;

  constructor(private name: string, private note: string, private texts: CellTexts) {
    this.element = document.createElement('figure');
    this.element.className = 'layer';
    this.caption = document.createElement('figcaption');
    this.canvas = document.createElement('canvas');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.readout = document.createElement('p');
    this.readout.className = 'readout';
    this.readout.setAttribute('aria-live', 'polite');
    this.element.append(this.caption, this.canvas, this.readout);
    this.canvas.addEventListener('pointermove', (e) => {
      const i = this.cellAt(e);
      if (i >= 0 && i !== this.focus) this.choose(i);
    });
    this.canvas.addEventListener('keydown', (e) => this.key(e));
  }

  /** Shows `values` (one layer's output for one input, without the batch dimension) of the given shape. */
  set(values: Float32Array, shape: readonly number[]): void {
    const sameShape = shape.length === this.shape.length && shape.every((d, i) => d === this.shape[i]);
    this.values = values;
    this.shape = shape;
    if (!sameShape) {
      this.geo = geometry(shape, values.length);
      this.focus = -1;
      const { w, h, cell, channels, perRow, labels } = this.geo;
      const rows = Math.ceil(channels / perRow);
      this.canvas.width = Math.min(channels, perRow) * (w * cell + CHANNEL_GAP) - CHANNEL_GAP;
      this.canvas.height = rows * (h * cell + CHANNEL_GAP) - CHANNEL_GAP + (labels ? LABEL_H : 0);
    }
    let lo = 0, hi = 0;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.lo = lo;
    this.hi = hi > lo ? hi : lo + 1;
    this.relabel(this.name, this.note, this.texts);
    this.draw();
  }

  /** `note` says what the layer does, in words. */
  relabel(name: string, note: string, texts: CellTexts): void {
    this.name = name;
    this.note = note;
    this.texts = texts;
    const shape = `[${this.shape.join(', ')}]`;
    let min = Infinity, max = -Infinity;
    for (const v of this.values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    this.caption.innerHTML = '';
    const strong = document.createElement('strong');
    strong.textContent = name;
    const what = document.createElement('span');
    what.className = 'muted';
    what.textContent = note;
    this.caption.append(strong, ` ${shape} `, what);
    this.canvas.setAttribute('aria-label', texts.label({ name, shape, min: num(min), max: num(max) }));
    this.readout.textContent = this.focus >= 0 ? this.describe(this.focus) : texts.hint;
  }

  /** Where cell i is drawn: its top-left corner. */
  private origin(i: number): [number, number] {
    const { cols, cell, h, w, perRow } = this.geo;
    const per = h * w;
    const c = Math.floor(i / per), k = i % per;
    const ox = (c % perRow) * (w * cell + CHANNEL_GAP), oy = Math.floor(c / perRow) * (h * cell + CHANNEL_GAP);
    return [ox + (k % cols) * cell, oy + Math.floor(k / cols) * cell];
  }

  private cellAt(e: PointerEvent): number {
    const r = this.canvas.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * this.canvas.width, py = ((e.clientY - r.top) / r.height) * this.canvas.height;
    const { cell, h, w, perRow } = this.geo;
    const bw = w * cell + CHANNEL_GAP, bh = h * cell + CHANNEL_GAP;
    const c = Math.floor(py / bh) * perRow + Math.floor(px / bw);
    const col = Math.floor((px % bw) / cell), row = Math.floor((py % bh) / cell);
    if (col >= w || row >= h || px % bw >= w * cell) return -1;
    const i = c * h * w + row * w + col;
    return i < this.values.length ? i : -1;
  }

  private key(e: KeyboardEvent): void {
    const n = this.values.length;
    if (!n) return;
    const steps: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: this.geo.cols, ArrowUp: -this.geo.cols };
    let i = this.focus < 0 ? 0 : this.focus;
    if (e.key in steps) i = this.focus < 0 ? 0 : i + steps[e.key];
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = n - 1;
    else return;
    e.preventDefault();
    this.choose(Math.min(n - 1, Math.max(0, i)));
  }

  private choose(i: number): void {
    this.focus = i;
    this.readout.textContent = this.describe(i);
    this.draw();
  }

  private describe(i: number): string {
    const value = num(this.values[i]);
    if (this.shape.length !== 3) return this.texts.vectorCell({ i, n: this.values.length, value });
    const { h, w } = this.geo;
    const k = i % (h * w);
    return this.texts.imageCell({ c: Math.floor(i / (h * w)), row: Math.floor(k / w), col: k % w, value });
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const { cell, labels } = this.geo;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const gap = cell >= 14 ? 1 : 0;
    this.values.forEach((v, i) => {
      const g = Math.round((255 * (v - this.lo)) / (this.hi - this.lo));
      const [x, y] = this.origin(i);
      ctx.fillStyle = `rgb(${g},${g},${g})`;
      ctx.fillRect(x, y, cell - gap, cell - gap);
      if (labels) {
        ctx.fillStyle = '#1a1a1a';
        ctx.font = '13px system-ui, sans-serif';
        ctx.textAlign = 'center';
        ctx.fillText(String(i), x + cell / 2, y + cell + 14);
      }
    });
    if (this.focus >= 0) {
      const [x, y] = this.origin(this.focus);
      const s = Math.max(cell, 6);
      ctx.lineWidth = 3;
      ctx.strokeStyle = '#0072b2';
      ctx.strokeRect(x - 1.5, y - 1.5, s + 2, s + 2);
      ctx.lineWidth = 1;
      ctx.strokeStyle = '#f0e442';
      ctx.strokeRect(x + 0.5, y + 0.5, s - 2, s - 2);
    }
  }
}
