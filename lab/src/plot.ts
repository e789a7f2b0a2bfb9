/**
 * Line charts of training curves on a canvas (train and test loss, accuracy): every page that trains draws its
 * curves with this. Series colours come from the colour-blind-safe palette in style.css.
 */
import { formatNumber } from './i18n.js';

export interface Series {
  label: string;
  values: readonly number[];
  /** a CSS colour; default from the palette by position */
  color?: string;
  /** draw dashed (for a second series of the same colour family) */
  dashed?: boolean;
}

const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9'];

/**
 * Gives the canvas a backing store of its on-screen size times the device pixel ratio (keeping the aspect ratio of
 * its width and height attributes), so text stays 12-14 CSS pixels on a phone and sharp on a projector; returns the
 * size to draw in, in CSS pixels.
 */
function fitToScreen(canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D): { w: number; h: number } {
  if (!canvas.dataset.width) {
    // the attributes give the largest size and the aspect ratio; the backing store below no longer sets the CSS size
    canvas.dataset.width = String(canvas.width);
    canvas.dataset.aspect = String(canvas.height / canvas.width);
    canvas.style.width = '100%';
    canvas.style.maxWidth = `${canvas.width}px`;
    canvas.style.height = 'auto';
  }
  const aspect = Number(canvas.dataset.aspect);
  const w = canvas.clientWidth > 0 ? canvas.clientWidth : Number(canvas.dataset.width);
  const h = Math.round(w * aspect);
  const dpr = globalThis.devicePixelRatio || 1;
  const bw = Math.round(w * dpr), bh = Math.round(h * dpr);
  if (canvas.width !== bw || canvas.height !== bh) {
    canvas.width = bw;
    canvas.height = bh;
  }
  ctx.setTransform(bw / w, 0, 0, bh / h, 0, 0);
  return { w, h };
}

/**
 * Draws the series (x = index) with a y axis from 0 (or the data's minimum, if negative) to the data's maximum. The
 * title and the legend share the top row, the legend going to a row of its own when both do not fit, so it never
 * covers a curve.
 */
export function drawCurves(canvas: HTMLCanvasElement, series: readonly Series[], options: { yMax?: number; title?: string } = {}): void {
  const ctx = canvas.getContext('2d')!;
  const { w, h } = fitToScreen(canvas, ctx);
  ctx.font = '13px system-ui, sans-serif';
  const legendWidth = series.reduce((sum, s) => sum + ctx.measureText(s.label).width + 26, 0);
  ctx.font = '14px system-ui, sans-serif';
  const titleWidth = options.title ? ctx.measureText(options.title).width : 0;
  const legendRow = titleWidth > 0 && 44 + titleWidth + 12 + legendWidth > w - 10 ? 2 : 1;
  const top = options.title || series.length > 0 ? 8 + 18 * legendRow : 10;
  const pad = { l: 44, r: 10, t: top, b: 12 };
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const n = Math.max(2, ...series.map((s) => s.values.length));
  // nothing yet: a plain 0-1 axis rather than one scaled to no data
  const yMax = options.yMax ?? (all.length === 0 ? 1 : Math.max(1e-6, ...all));
  const yMin = Math.min(0, ...all);
  const x = (i: number): number => pad.l + (i / (n - 1)) * (w - pad.l - pad.r);
  const y = (v: number): number => pad.t + (1 - (v - yMin) / (yMax - yMin)) * (h - pad.t - pad.b);
  ctx.strokeStyle = '#c9ccd1';
  ctx.lineWidth = 1;
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((yMax - yMin) * k) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.l, y(v));
    ctx.lineTo(w - pad.r, y(v));
    ctx.stroke();
    ctx.fillText(formatNumber(Number(v.toPrecision(2)), { digits: 2 }), 4, y(v) + 4);
  }
  if (options.title) {
    ctx.fillStyle = '#1a1a1a';
    ctx.font = '14px system-ui, sans-serif';
    ctx.fillText(options.title, pad.l, 18);
  }
  series.forEach((s, k) => {
    ctx.strokeStyle = s.color ?? PALETTE[k % PALETTE.length];
    ctx.lineWidth = 2.5;
    ctx.setLineDash(s.dashed ? [6, 4] : []);
    ctx.beginPath();
    s.values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
    ctx.stroke();
    // a few points (one epoch so far, a value per epoch) are dots too: one point makes no line
    if (s.values.length <= 30) {
      ctx.fillStyle = s.color ?? PALETTE[k % PALETTE.length];
      s.values.forEach((v, i) => {
        if (!Number.isFinite(v)) return;
        ctx.beginPath();
        ctx.arc(x(i), y(v), 3.5, 0, 2 * Math.PI);
        ctx.fill();
      });
    }
  });
  // legend, right-aligned in the top row (or the second), each entry a short stroke of its series' line
  const ly = 18 * legendRow - 4;
  let lx = w - pad.r;
  ctx.font = '13px system-ui, sans-serif';
  for (let k = series.length - 1; k >= 0; k--) {
    const s = series[k];
    lx -= ctx.measureText(s.label).width + 26;
    ctx.strokeStyle = s.color ?? PALETTE[k % PALETTE.length];
    ctx.lineWidth = 3;
    ctx.setLineDash(s.dashed ? [4, 3] : []);
    ctx.beginPath();
    ctx.moveTo(lx, ly);
    ctx.lineTo(lx + 15, ly);
    ctx.stroke();
    ctx.fillStyle = '#1a1a1a';
    ctx.fillText(s.label, lx + 19, ly + 4);
  }
  ctx.setLineDash([]);
}
