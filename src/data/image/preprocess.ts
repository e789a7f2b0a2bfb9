/**
 * Turning an arbitrary picture into network input. No Node dependencies: this module runs in browsers too.
 *
 * toMnistInput follows the recipe that produced MNIST itself (LeCun et al.): the digit is cut out, scaled so that it
 * fits a 20x20 box with its aspect ratio kept, and placed in a 28x28 field so that its centre of mass is at the
 * field's centre, bright ink on a black background.
 */
import { checkRaster, type RasterImage } from './raster.js';

export type { RasterImage } from './raster.js';

/** Side of an MNIST image and of the box the digit is scaled to fit (per the MNIST description). */
export const MNIST_SIZE = 28;
export const MNIST_BOX = 20;
/**
 * Where MNIST puts the digit's centre of mass, in pixel-index coordinates (pixel (x, y) sits at (x, y)). Measured on
 * the dataset: every digit's centre of mass lies within half a pixel of (14, 14), spread evenly over that square,
 * as whole-pixel shifts leave it.
 */
export const MNIST_CENTRE = 14;
/** Longer side above which a picture is reduced before the digit is looked for. */
const MAX_WORKING_SIDE = 1024;
/** Half a step of 8-bit grey: differences smaller than this from the background are rounding, not ink. */
const HALF_GREY_LEVEL = 0.5 / 255;
/** Least difference between the strongest ink and the background (on a 0-1 scale) that counts as a digit. */
const MIN_CONTRAST = 0.1;

/**
 * The image as one grey value per pixel in [0, 1] (0 black, 1 white), row-major. Colour is reduced with the ITU-R
 * BT.601 luma weights (0.299 R + 0.587 G + 0.114 B) and transparent pixels are composited onto white, so a drawing
 * on a transparent canvas reads as ink on paper.
 */
export function toGrey(image: RasterImage): Float32Array {
  checkRaster('toGrey', image);
  const { width, height, channels, data } = image;
  const n = width * height;
  const out = new Float32Array(n);
  const k = 1 / 255;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    let g: number;
    let a = 1;
    switch (channels) {
      case 1:
        g = data[o] * k;
        break;
      case 2:
        g = data[o] * k;
        a = data[o + 1] * k;
        break;
      case 3:
        g = (0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2]) * k;
        break;
      default:
        g = (0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2]) * k;
        a = data[o + 3] * k;
    }
    const v = g * a + (1 - a); // over white
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

/** For each output index along one axis: the source indices it reads and their weights (summing to 1). */
interface AxisWeights {
  start: Int32Array; // offset into idx/w of each output index's taps
  count: Int32Array;
  idx: Int32Array;
  w: Float32Array;
}

/**
 * Resampling weights for one axis going from `n` to `m` samples: area averaging when shrinking (each output sample is
 * the mean of the source interval it covers, partial pixels weighted by coverage), bilinear interpolation between
 * pixel centres when enlarging (edges clamped), identity when the sizes are equal.
 */
function axisWeights(n: number, m: number): AxisWeights {
  const start = new Int32Array(m);
  const count = new Int32Array(m);
  const idx: number[] = [];
  const w: number[] = [];
  if (m < n) {
    const r = n / m;
    for (let i = 0; i < m; i++) {
      const lo = i * r;
      const hi = (i + 1) * r;
      start[i] = idx.length;
      for (let j = Math.floor(lo); j < Math.min(n, Math.ceil(hi)); j++) {
        const cover = Math.min(hi, j + 1) - Math.max(lo, j);
        if (cover > 0) {
          idx.push(j);
          w.push(cover / r);
        }
      }
      count[i] = idx.length - start[i];
    }
  } else {
    const r = n / m;
    for (let i = 0; i < m; i++) {
      let x = (i + 0.5) * r - 0.5;
      if (x < 0) x = 0;
      if (x > n - 1) x = n - 1;
      const j0 = Math.floor(x);
      const j1 = Math.min(j0 + 1, n - 1);
      const t = x - j0;
      start[i] = idx.length;
      idx.push(j0);
      w.push(1 - t);
      if (j1 !== j0 && t > 0) {
        idx.push(j1);
        w.push(t);
      }
      count[i] = idx.length - start[i];
    }
  }
  return { start, count, idx: Int32Array.from(idx), w: Float32Array.from(w) };
}

/**
 * Resizes a one-channel float image (row-major, `width` x `height`) to `outWidth` x `outHeight`, each axis on its own:
 * area averaging where it shrinks, bilinear interpolation where it grows (see axisWeights).
 */
export function resample(src: Float32Array, width: number, height: number, outWidth: number, outHeight: number): Float32Array {
  for (const [name, v] of [['width', width], ['height', height], ['outWidth', outWidth], ['outHeight', outHeight]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`resample: ${name} must be a positive integer, got ${v}`);
  }
  if (src.length !== width * height) throw new RangeError(`resample: a ${width}x${height} image needs ${width * height} values, got ${src.length}`);
  // Rows first (width -> outWidth), then columns (height -> outHeight).
  const wx = axisWeights(width, outWidth);
  const tmp = new Float32Array(outWidth * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let i = 0; i < outWidth; i++) {
      let s = 0;
      for (let k = wx.start[i], e = k + wx.count[i]; k < e; k++) s += src[row + wx.idx[k]] * wx.w[k];
      tmp[y * outWidth + i] = s;
    }
  }
  const wy = axisWeights(height, outHeight);
  const out = new Float32Array(outWidth * outHeight);
  for (let i = 0; i < outHeight; i++) {
    for (let k = wy.start[i], e = k + wy.count[i]; k < e; k++) {
      const wk = wy.w[k];
      const row = wy.idx[k] * outWidth;
      for (let x = 0; x < outWidth; x++) out[i * outWidth + x] += tmp[row + x] * wk;
    }
  }
  return out;
}

export interface MnistInputOptions {
  /**
   * true: the picture is dark ink on a light background (it is inverted); false: already bright ink on black.
   * Default: decided from the picture's border (a light border means a light background).
   */
  invert?: boolean;
}

/**
 * Quartiles of the pixels on the image's outer border. The median is taken as the background level (the digit rarely
 * covers half the border) and the spread between it and a quartile as the background's noise (paper texture, sensor
 * noise).
 */
function borderQuartiles(g: Float32Array, w: number, h: number): [number, number, number] {
  const vals: number[] = [];
  for (let x = 0; x < w; x++) {
    vals.push(g[x]);
    if (h > 1) vals.push(g[(h - 1) * w + x]);
  }
  for (let y = 1; y < h - 1; y++) {
    vals.push(g[y * w]);
    if (w > 1) vals.push(g[y * w + w - 1]);
  }
  vals.sort((a, b) => a - b);
  const q = (f: number) => {
    const x = f * (vals.length - 1);
    const i = Math.floor(x);
    return i + 1 < vals.length ? vals[i] + (vals[i + 1] - vals[i]) * (x - i) : vals[i];
  };
  return [q(0.25), q(0.5), q(0.75)];
}

/** Share of the largest ink blob's mass below which a separate blob counts as a speck. */
const SPECK_FRACTION = 0.01;

/**
 * Finds the 8-connected blobs of ink (pixels > 0), zeroes those with under 1% of the largest blob's mass (specks of
 * dust or noise, which would otherwise stretch the bounding box) and returns the bounding box [x0, y0, x1, y1] of the
 * rest. Strokes of one digit drawn apart (a 4, a 5) are large blobs and are kept.
 */
function dropSpecks(ink: Float32Array, w: number, h: number): [number, number, number, number] {
  const n = w * h;
  const label = new Int32Array(n); // 0: not yet visited; blob number + 1 otherwise
  const stack = new Int32Array(n); // every pixel is pushed at most once (it is labelled when pushed)
  const mass: number[] = [];
  for (let start = 0; start < n; start++) {
    if (ink[start] <= 0 || label[start] !== 0) continue;
    const id = mass.length + 1;
    let m = 0;
    let top = 0;
    stack[top++] = start;
    label[start] = id;
    while (top > 0) {
      const p = stack[--top];
      m += ink[p];
      const px = p % w;
      const py = (p - px) / w;
      for (let dy = -1; dy <= 1; dy++) {
        const y = py + dy;
        if (y < 0 || y >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const x = px + dx;
          if (x < 0 || x >= w) continue;
          const q = y * w + x;
          if (ink[q] > 0 && label[q] === 0) {
            label[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    mass.push(m);
  }
  let biggest = 0;
  for (const m of mass) if (m > biggest) biggest = m;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (label[i] === 0) continue;
      if (mass[label[i] - 1] < SPECK_FRACTION * biggest) {
        ink[i] = 0;
        continue;
      }
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return [x0, y0, x1, y1];
}

/**
 * Prepares a picture of one handwritten digit the way MNIST digits were prepared. Returns 784 values in [0, 1]
 * (28x28, row-major), bright ink on black like the MNIST data (no mean/std normalisation is applied).
 *
 * 1. Grey: toGrey (luma, transparency over white). A picture larger than 1024 px on its longer side is first reduced
 *    to 1024 by area averaging (for speed and memory; the digit ends up 20 px tall or wide anyway).
 * 2. Polarity: a light background (median of the border pixels above 0.5) is inverted, so that ink is bright and
 *    paper dark.
 * 3. Contrast: the background level (border median) plus its noise (3 x the spread between the median and the
 *    border quartile on the paper's side, at least half an 8-bit grey step) becomes 0 and the strongest ink 1, so
 *    paper texture and sensor noise drop out. If no pixel stands out from the background by at least 0.1 (on the 0-1
 *    scale), the image is blank and "no digit found" is thrown (so is a 1x1 image, which has nothing but background).
 * 4. Crop: separate blobs of ink with under 1% of the largest blob's mass (specks, noise) are erased, and the
 *    picture is cropped to the bounding box of the ink that remains.
 * 5. Scale: so the longer side of that box is 20 px, keeping the aspect ratio (the shorter side is at least 1 px):
 *    area averaging along an axis that shrinks, bilinear along one that grows. The result is rescaled so its
 *    brightest pixel is 1, as in MNIST, where thin pen strokes are still full-intensity.
 * 6. Centre: the 20 px box is pasted into the 28x28 field at the whole-pixel offset that brings its centre of mass
 *    nearest to (14, 14) in pixel-index coordinates (as MNIST did), without pushing any ink off the field.
 */
export function toMnistInput(image: RasterImage, options: MnistInputOptions = {}): Float32Array {
  checkRaster('toMnistInput', image);
  let w = image.width;
  let h = image.height;
  let grey = toGrey(image);
  if (Math.max(w, h) > MAX_WORKING_SIDE) {
    const f = MAX_WORKING_SIDE / Math.max(w, h);
    const nw = Math.max(1, Math.round(w * f));
    const nh = Math.max(1, Math.round(h * f));
    grey = resample(grey, w, h, nw, nh);
    w = nw;
    h = nh;
  }

  // 2. polarity
  const [q25, q50, q75] = borderQuartiles(grey, w, h);
  const invert = options.invert ?? q50 > 0.5;
  const ink = invert ? grey.map((v) => 1 - v) : grey;
  const bg = invert ? 1 - q50 : q50;
  // Noise is measured on the side of the median away from the ink: ink touching the border only ever raises the
  // upper quartile, so a digit filling its frame does not pass for noise.
  const noise = invert ? q75 - q50 : q50 - q25;

  // 3. contrast: background -> 0, strongest ink -> 1, background noise -> 0
  let peak = 0;
  for (let i = 0; i < ink.length; i++) if (ink[i] > peak) peak = ink[i];
  const lo = bg + Math.max(3 * noise, HALF_GREY_LEVEL);
  if (!(peak - bg >= MIN_CONTRAST && peak - lo >= MIN_CONTRAST / 2)) {
    throw new Error(
      `toMnistInput: no digit found in the ${image.width}x${image.height} image (nothing stands out from its ${invert ? 'light' : 'dark'} background; ` +
      'expected dark ink on a light background or bright ink on a dark one)',
    );
  }
  const k = 1 / (peak - lo);
  for (let i = 0; i < ink.length; i++) {
    const v = (ink[i] - lo) * k;
    ink[i] = v <= 0 ? 0 : v > 1 ? 1 : v;
  }

  // 4. drop specks, crop to the digit
  const [x0, y0, x1, y1] = dropSpecks(ink, w, h);
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(ink.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + cw), y * cw);

  // 5. scale the longer side to 20 px
  const s = MNIST_BOX / Math.max(cw, ch);
  const tw = Math.max(1, Math.min(MNIST_BOX, Math.round(cw * s)));
  const th = Math.max(1, Math.min(MNIST_BOX, Math.round(ch * s)));
  const box = resample(crop, cw, ch, tw, th);
  let mx = 0;
  for (let i = 0; i < box.length; i++) if (box[i] > mx) mx = box[i];
  // (mx > 0: the crop holds a pixel equal to 1 and every resampling weight set is positive and sums to 1)
  let mass = 0, sx = 0, sy = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = (box[y * tw + x] /= mx);
      mass += v;
      sx += v * x;
      sy += v * y;
    }
  }

  // 6. centre of mass to (14, 14), whole-pixel shift, ink kept inside the field
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  const ox = clamp(Math.round(MNIST_CENTRE - sx / mass), MNIST_SIZE - tw);
  const oy = clamp(Math.round(MNIST_CENTRE - sy / mass), MNIST_SIZE - th);
  const out = new Float32Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < th; y++) out.set(box.subarray(y * tw, (y + 1) * tw), (oy + y) * MNIST_SIZE + ox);
  return out;
}
