/**
 * Line charts of training curves on a canvas (train and test loss, accuracy): every page that trains draws its
 * curves with this. Series colours come from the colour-blind-safe palette in style.css.
 */
export interface Series {
  label: string;
  values: readonly number[];
  /** a CSS colour; default from the palette by position */
  color?: string;
  /** draw dashed (for a second series of the same colour family) */
  dashed?: boolean;
}

const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#cc79a7', '#56b4e9'];

/** Draws the series (x = index) with a y axis from 0 (or the data's minimum, if negative) to the data's maximum. */
export function drawCurves(canvas: HTMLCanvasElement, series: readonly Series[], options: { yMax?: number; title?: string } = {}): void {
  const ctx = canvas.getContext('2d')!;
  const w = canvas.width, h = canvas.height;
  const pad = { l: 44, r: 10, t: options.title ? 24 : 10, b: 22 };
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
    ctx.fillText(v.toPrecision(2), 4, y(v) + 4);
  }
  if (options.title) {
    ctx.fillStyle = '#1a1a1a';
    ctx.font = '14px system-ui, sans-serif';
    ctx.fillText(options.title, pad.l, 16);
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
  ctx.setLineDash([]);
  // legend, top right
  let lx = w - pad.r;
  ctx.font = '13px system-ui, sans-serif';
  for (let k = series.length - 1; k >= 0; k--) {
    const s = series[k];
    const tw = ctx.measureText(s.label).width;
    lx -= tw + 26;
    ctx.fillStyle = s.color ?? PALETTE[k % PALETTE.length];
    ctx.fillRect(lx, pad.t + 2, 14, 4);
    ctx.fillStyle = '#1a1a1a';
    ctx.fillText(s.label, lx + 18, pad.t + 8);
  }
}
