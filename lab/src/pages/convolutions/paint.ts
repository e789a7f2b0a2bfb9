/**
 * Pictures of numbers: grey images (the input), and the diverging blue / white / orange scale for values that can be
 * negative (outputs, feature maps). The colours are the palette's blue and orange (style.css).
 */
const BLUE = [0, 114, 178];
const ORANGE = [230, 159, 0];
const PADDING = [201, 204, 209]; // --line: cells outside the image (the zeros padding adds)

/** v in [-range, range] to a colour: blue below 0, white at 0, orange above. */
export function diverging(v: number, range: number): [number, number, number] {
  const f = Math.max(-1, Math.min(1, range > 0 ? v / range : 0));
  const end = f < 0 ? BLUE : ORANGE;
  const a = Math.abs(f);
  return [0, 1, 2].map((i) => Math.round(255 + (end[i] - 255) * a)) as [number, number, number];
}

/** The largest |value|, the scale's end (at least a tiny number, so a blank image stays white). */
export function rangeOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m || 1e-6;
}

export interface Picture {
  width: number;
  height: number;
  values: ArrayLike<number>;
  /** 'grey': 0 black to 1 white; 'diverging': around 0, scaled by `range` */
  kind: 'grey' | 'diverging';
  range?: number;
}

/**
 * Draws the picture on the canvas at `scale` pixels per value, inside a border of `margin` padding cells (shown in
 * grey).
 */
export function paint(canvas: HTMLCanvasElement, pic: Picture, scale: number, margin = 0): void {
  const w = pic.width + 2 * margin, h = pic.height + 2 * margin;
  canvas.width = w * scale;
  canvas.height = h * scale;
  const img = new ImageData(w, h);
  const range = pic.range ?? rangeOf(pic.values);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const iy = y - margin, ix = x - margin;
      let rgb: readonly number[] = PADDING;
      if (iy >= 0 && iy < pic.height && ix >= 0 && ix < pic.width) {
        const v = pic.values[iy * pic.width + ix];
        if (pic.kind === 'grey') {
          const g = Math.round(Math.max(0, Math.min(1, v)) * 255);
          rgb = [g, g, g];
        } else {
          rgb = diverging(v, range);
        }
      }
      img.data.set([rgb[0], rgb[1], rgb[2], 255], (y * w + x) * 4);
    }
  }
  // drawn at 1:1 on a scratch canvas, then scaled up without smoothing: crisp squares for every value
  const tmp = document.createElement('canvas');
  tmp.width = w;
  tmp.height = h;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

/**
 * A frame around cells [row, col] to [row + rows, col + cols) (in canvas cells), `grow` canvas pixels wider on every
 * side (so one small pixel stands out), black then yellow, visible on any colour.
 */
export function frame(canvas: HTMLCanvasElement, scale: number, row: number, col: number, rows: number, cols: number, grow = 0): void {
  const ctx = canvas.getContext('2d')!;
  const x = col * scale - grow, y = row * scale - grow, w = cols * scale + 2 * grow, h = rows * scale + 2 * grow;
  ctx.lineWidth = 4;
  ctx.strokeStyle = '#000';
  ctx.strokeRect(x + 1, y + 1, w - 2, h - 2);
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#f0e442';
  ctx.strokeRect(x + 1, y + 1, w - 2, h - 2);
}

/** CSS for the legend's bar: the diverging scale from -1 to 1. */
export function legendGradient(): string {
  const stops = [-1, -0.5, 0, 0.5, 1].map((f) => `rgb(${diverging(f, 1).join(' ')})`);
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
