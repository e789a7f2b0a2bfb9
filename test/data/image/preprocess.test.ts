import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { decodePng, encodePng } from '../../../src/apps/image/png.js';
import { MNIST_CENTRE, resample, toGrey, toMnistInput, type RasterImage } from '../../../src/data/image/preprocess.js';

const require = createRequire(import.meta.url);
const digitText = new Map<number, string>();

/**
 * Sample `index` of digit `label` from the mnist package: 784 values in [0, 1], bright ink on black. The package's
 * files are {"data": [v, v, ...]} (about 2 MB each); only the numbers needed are parsed, not the whole file.
 */
function mnistDigit(label: number, index: number): Float32Array {
  let text = digitText.get(label);
  if (text === undefined) {
    text = readFileSync(require.resolve(`mnist/src/digits/${label}.json`), 'utf8');
    digitText.set(label, text);
  }
  let p = text.indexOf('[') + 1;
  for (let skip = index * 784; skip > 0; skip--) p = text.indexOf(',', p) + 1;
  const out = new Float32Array(784);
  for (let i = 0; i < 784; i++) {
    let end = text.indexOf(',', p);
    if (end < 0) end = text.indexOf(']', p); // the file's last number
    out[i] = Number(text.slice(p, end));
    assert.ok(end > 0 && out[i] >= 0 && out[i] <= 1, `mnist digit ${label} #${index}: bad value at ${i}`);
    p = end + 1;
  }
  return out;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma, y = b[i] - mb;
    sab += x * y; saa += x * x; sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

function centreOfMass(img: ArrayLike<number>, w: number): [number, number] {
  let m = 0, sx = 0, sy = 0;
  for (let i = 0; i < img.length; i++) {
    m += img[i];
    sx += img[i] * (i % w);
    sy += img[i] * Math.floor(i / w);
  }
  return [sx / m, sy / m];
}

/**
 * Renders a 28x28 MNIST digit at `size` x `size` as black ink on white paper, by nearest-neighbour sampling
 * (independent of the library's resampler), as `channels` 1 or 3 (grey or RGB).
 */
function renderOnPaper(digit: Float32Array, size: number, channels: 1 | 3): RasterImage {
  const data = new Uint8Array(size * size * channels);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = digit[Math.floor((y * 28) / size) * 28 + Math.floor((x * 28) / size)];
      data.fill(Math.round(255 * (1 - v)), (y * size + x) * channels, (y * size + x + 1) * channels);
    }
  }
  return { width: size, height: size, channels, data };
}

function assertMnistShaped(out: Float32Array, what: string): void {
  assert.equal(out.length, 784, what);
  let mx = 0;
  for (const v of out) {
    assert.ok(v >= 0 && v <= 1, `${what}: value ${v} outside [0, 1]`);
    if (v > mx) mx = v;
  }
  assert.ok(Math.abs(mx - 1) < 1e-6, `${what}: brightest pixel is ${mx}, expected 1`);
  const [cx, cy] = centreOfMass(out, 28);
  assert.ok(Math.abs(cx - MNIST_CENTRE) <= 1 && Math.abs(cy - MNIST_CENTRE) <= 1, `${what}: centre of mass (${cx.toFixed(2)}, ${cy.toFixed(2)})`);
}

test('toGrey: luma weights, alpha over white, every channel count', () => {
  const px = (channels: 1 | 2 | 3 | 4, ...data: number[]) => toGrey({ width: data.length / channels, height: 1, channels, data: Uint8Array.from(data) });
  const close = (a: Float32Array, b: number[]) => b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-6, `${a[i]} vs ${v}`));
  close(px(1, 0, 51, 255), [0, 0.2, 1]);
  close(px(3, 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255), [0.299, 0.587, 0.114, 1]);
  // grey+alpha: transparent black is white paper; half-transparent black is mid grey
  close(px(2, 0, 0, 0, 255, 0, 102), [1, 0, 0.6]);
  close(px(4, 255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 51), [0.299, 1, 0.299 * 0.2 + 0.8]);
  assert.throws(() => toGrey({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) }), /toGrey: a 2x2 image with 3 channel\(s\) needs 12 bytes, got 11/);
});

test('resample: identity, area averaging when shrinking, bilinear when enlarging', () => {
  const src = Float32Array.from({ length: 12 }, (_, i) => i);
  assert.deepEqual([...resample(src, 4, 3, 4, 3)], [...src]);
  // 4x2 -> 2x1: each output is the mean of a 2x2 block
  assert.deepEqual([...resample(Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7), 4, 2, 2, 1)], [2.5, 4.5]);
  // 3 -> 2 (non-integer factor): coverage-weighted means, total preserved
  const a = resample(Float32Array.of(3, 6, 9), 3, 1, 2, 1);
  assert.ok(Math.abs(a[0] - (3 + 6 * 0.5) / 1.5) < 1e-6 && Math.abs(a[1] - (6 * 0.5 + 9) / 1.5) < 1e-6, `${[...a]}`);
  // 2 -> 4: pixel-centre bilinear, clamped at the edges
  const b = resample(Float32Array.of(0, 1), 2, 1, 4, 1);
  [0, 0.25, 0.75, 1].forEach((v, i) => assert.ok(Math.abs(b[i] - v) < 1e-6, `${[...b]}`));
  // 1 -> 5 is constant; mixed (one axis shrinks, the other grows) keeps a constant image constant
  assert.deepEqual([...resample(Float32Array.of(0.5), 1, 1, 5, 1)], [0.5, 0.5, 0.5, 0.5, 0.5]);
  const c = resample(new Float32Array(7 * 3).fill(0.25), 7, 3, 2, 11);
  for (const v of c) assert.ok(Math.abs(v - 0.25) < 1e-6);
  assert.throws(() => resample(src, 4, 3, 0, 3), /resample: outWidth must be a positive integer, got 0/);
  assert.throws(() => resample(src, 5, 3, 2, 2), /resample: a 5x3 image needs 15 values, got 12/);
});

/** Number of 8-connected blobs of non-zero pixels in a 28x28 digit. */
function blobCount(d: Float32Array): number {
  const seen = new Uint8Array(784);
  let n = 0;
  for (let s = 0; s < 784; s++) {
    if (d[s] <= 0 || seen[s]) continue;
    n++;
    const stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = (p % 28) + dx, y = Math.floor(p / 28) + dy, q = y * 28 + x;
          if (x >= 0 && x < 28 && y >= 0 && y < 28 && d[q] > 0 && !seen[q]) { seen[q] = 1; stack.push(q); }
        }
      }
    }
  }
  return n;
}

/**
 * The first `count` samples of `label` drawn in one piece. A few MNIST digits carry a detached stray pixel that set
 * their own 20 px framing; toMnistInput erases such specks, so those digits are no fair reference for the framing.
 */
function cleanDigits(label: number, count: number): Array<[number, Float32Array]> {
  const out: Array<[number, Float32Array]> = [];
  for (let i = 0; out.length < count; i++) {
    const d = mnistDigit(label, i);
    if (blobCount(d) === 1) out.push([i, d]);
  }
  return out;
}

/** Pearson correlation of `out` shifted by (dx, dy) whole pixels with `ref`. */
function shiftedPearson(out: Float32Array, ref: Float32Array, dx: number, dy: number): number {
  const s = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const sx = x - dx, sy = y - dy;
      if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) s[y * 28 + x] = out[sy * 28 + sx];
    }
  }
  return pearson(s, ref);
}

test('real MNIST digits drawn black on white at 200x200 come back close to the originals', () => {
  for (let label = 0; label <= 9; label++) {
    for (const [index, digit] of cleanDigits(label, 2)) {
      // through the PNG codec too, as `myelin predict` will do
      const img = decodePng(encodePng(renderOnPaper(digit, 200, label % 2 ? 3 : 1)));
      const out = toMnistInput(img);
      const r = pearson(out, digit);
      assert.ok(r > 0.8, `digit ${label} #${index}: correlation ${r.toFixed(3)}`);
      assertMnistShaped(out, `digit ${label} #${index}`);
    }
  }
});

test('over 100 MNIST digits, the framing matches MNIST up to its own half-pixel centring ambiguity', () => {
  // MNIST shifted each digit by whole pixels, leaving its centre of mass anywhere in [13.5, 14.5]. A digit near
  // either edge of that range can land one pixel over after redrawing, so every digit is also compared at the best
  // shift of at most one pixel; most need none.
  const direct: number[] = [];
  for (let label = 0; label <= 9; label++) {
    for (const [index, digit] of cleanDigits(label, 10)) {
      const out = toMnistInput(renderOnPaper(digit, 100, 1));
      let best = -1;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) best = Math.max(best, shiftedPearson(out, digit, dx, dy));
      assert.ok(best > 0.95, `digit ${label} #${index}: best correlation within one pixel ${best.toFixed(3)}`);
      direct.push(pearson(out, digit));
    }
  }
  direct.sort((a, b) => a - b);
  assert.ok(direct.filter((r) => r > 0.8).length >= 90, `only ${direct.filter((r) => r > 0.8).length} of 100 above 0.8 unshifted`);
  assert.ok(direct[50] > 0.98, `median correlation ${direct[50].toFixed(3)}`);
});

test('a picture cropped tight around the digit, ink touching every edge, still works', () => {
  for (let label = 0; label <= 9; label++) {
    for (const [index, digit] of cleanDigits(label, 2)) {
      let x0 = 28, x1 = -1, y0 = 28, y1 = -1;
      for (let i = 0; i < 784; i++) {
        if (digit[i] > 0) { const x = i % 28, y = Math.floor(i / 28); x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
      }
      const F = 6, W = (x1 - x0 + 1) * F, H = (y1 - y0 + 1) * F;
      const data = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = Math.round(255 * (1 - digit[(y0 + Math.floor(y / F)) * 28 + x0 + Math.floor(x / F)]));
      const out = toMnistInput({ width: W, height: H, channels: 1, data });
      const r = pearson(out, digit);
      assert.ok(r > 0.8, `digit ${label} #${index} cropped to ${W}x${H}: correlation ${r.toFixed(3)}`);
    }
  }
});

test('specks of dust away from the digit are ignored', () => {
  const [[, digit]] = cleanDigits(6, 1);
  const clean = renderOnPaper(digit, 150, 1);
  const dusty = { ...clean, data: clean.data.slice() };
  for (const [x, y] of [[3, 3], [140, 10], [145, 146], [8, 120]]) {
    dusty.data[y * 150 + x] = 0; // one black pixel
    dusty.data[y * 150 + x + 1] = 60;
  }
  const a = toMnistInput(clean), b = toMnistInput(dusty);
  for (let i = 0; i < 784; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `pixel ${i}: ${a[i]} vs ${b[i]}`);
});

test('an MNIST digit already in MNIST form passes through almost unchanged', () => {
  for (const label of [1, 4, 8]) {
    const digit = mnistDigit(label, 3);
    const img: RasterImage = { width: 28, height: 28, channels: 1, data: Uint8Array.from(digit, (v) => Math.round(v * 255)) };
    const out = toMnistInput(img);
    const r = pearson(out, digit);
    assert.ok(r > 0.95, `digit ${label}: correlation ${r.toFixed(3)}`);
    assertMnistShaped(out, `digit ${label}`);
  }
});

test('a photo-like picture: off-centre blue ink on grey, noisy paper, wide frame, transparent canvas', () => {
  const digit = mnistDigit(2, 5);
  // 300x180 RGB: paper at about 80% grey with noise, the digit 120 px tall at (200, 40) in dark blue ink.
  const W = 300, H = 180;
  const data = new Uint8Array(W * H * 3);
  let seed = 1;
  const noise = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 30;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x - 200, dy = y - 40;
      const v = dx >= 0 && dx < 120 && dy >= 0 && dy < 120 ? digit[Math.floor((dy * 28) / 120) * 28 + Math.floor((dx * 28) / 120)] : 0;
      const paper = [205, 205, 200], ink = [20, 30, 120];
      for (let c = 0; c < 3; c++) data[(y * W + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(paper[c] * (1 - v) + ink[c] * v + noise())));
    }
  }
  const out = toMnistInput({ width: W, height: H, channels: 3, data });
  assert.ok(pearson(out, digit) > 0.8, `correlation ${pearson(out, digit).toFixed(3)}`);
  assertMnistShaped(out, 'photo');

  // Black ink on a fully transparent canvas reads like ink on white paper.
  const rgba = new Uint8Array(100 * 100 * 4);
  const paper = renderOnPaper(digit, 100, 1);
  for (let i = 0; i < 100 * 100; i++) rgba[i * 4 + 3] = 255 - paper.data[i]; // colour stays black, alpha carries the ink
  const fromCanvas = toMnistInput({ width: 100, height: 100, channels: 4, data: rgba });
  const fromPaper = toMnistInput(paper);
  for (let i = 0; i < 784; i++) assert.ok(Math.abs(fromCanvas[i] - fromPaper[i]) < 1e-5);
});

test('polarity is detected, and can be forced', () => {
  const digit = mnistDigit(7, 0);
  const onPaper = renderOnPaper(digit, 56, 1);
  const bright = { ...onPaper, data: onPaper.data.map((v) => 255 - v) };
  const a = toMnistInput(onPaper), b = toMnistInput(bright), c = toMnistInput(bright, { invert: false });
  for (let i = 0; i < 784; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5 && b[i] === c[i]);
  // Forcing the wrong polarity makes the white paper the brightest "ink" there is: nothing stands out from it.
  assert.throws(() => toMnistInput(onPaper, { invert: false }), /no digit found in the 56x56 image \(nothing stands out from its dark background/);
});

test('aspect ratio is kept: a tall stroke fills 20 rows, a wide one 20 columns', () => {
  const canvas = (w: number, h: number, ink: (x: number, y: number) => boolean): RasterImage => {
    const data = new Uint8Array(w * h).fill(255);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (ink(x, y)) data[y * w + x] = 0;
    return { width: w, height: h, channels: 1, data };
  };
  const extent = (out: Float32Array) => {
    let x0 = 28, x1 = -1, y0 = 28, y1 = -1;
    for (let i = 0; i < 784; i++) if (out[i] > 0) { const x = i % 28, y = Math.floor(i / 28); x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    return [x1 - x0 + 1, y1 - y0 + 1];
  };
  // a 1 drawn as a bar 8 px wide and 160 px tall (ratio 1:20)
  const tall = toMnistInput(canvas(100, 200, (x, y) => x >= 40 && x < 48 && y >= 20 && y < 180));
  assert.deepEqual(extent(tall), [1, 20]);
  assertMnistShaped(tall, 'tall');
  // 60 x 30 rectangle -> 20 x 10
  const wide = toMnistInput(canvas(200, 100, (x, y) => x >= 70 && x < 130 && y >= 10 && y < 40));
  assert.deepEqual(extent(wide), [20, 10]);
  assertMnistShaped(wide, 'wide');
  // lopsided L: ink kept inside the field even where the centre of mass cannot reach (14, 14) exactly
  const ell = toMnistInput(canvas(40, 40, (x, y) => (x >= 5 && x < 9 && y >= 5 && y < 35) || (y >= 31 && y < 35 && x >= 5 && x < 35)));
  let total = 0;
  for (const v of ell) total += v;
  assert.ok(total > 50, 'the L is in the field');
});

test('any size works: 2x2, thin lines, a large photo; blank and 1x1 images say "no digit found"', () => {
  // 2x2 with one black pixel: a single dot, scaled up to a 20x20 blob at the centre
  const dot = toMnistInput({ width: 2, height: 2, channels: 1, data: Uint8Array.of(255, 255, 255, 0) });
  assertMnistShaped(dot, 'dot');
  assert.equal(dot.filter((v) => v > 0.99).length, 400);
  // 1-pixel-high line in a 300x5 image
  assertMnistShaped(toMnistInput({ width: 300, height: 5, channels: 1, data: new Uint8Array(1500).map((_, i) => (Math.floor(i / 300) === 2 && i % 300 > 50 ? 0 : 255)) }), 'line');

  // A 1600x1200 RGB picture finishes quickly.
  const digit = mnistDigit(3, 0);
  const big = renderOnPaper(digit, 1200, 3);
  const wide = new Uint8Array(1600 * 1200 * 3).fill(255);
  for (let y = 0; y < 1200; y++) wide.set(big.data.subarray(y * 3600, (y + 1) * 3600), (y * 1600 + 300) * 3);
  const t0 = performance.now();
  const out = toMnistInput({ width: 1600, height: 1200, channels: 3, data: wide });
  const ms = performance.now() - t0;
  assert.ok(pearson(out, digit) > 0.8);
  assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);

  const blank = (w: number, h: number, v: number, channels: 1 | 3 = 1) => ({ width: w, height: h, channels, data: new Uint8Array(w * h * channels).fill(v) });
  for (const img of [blank(50, 50, 255), blank(50, 50, 0), blank(64, 48, 128, 3), blank(1, 1, 0), blank(1, 1, 255), blank(1, 7, 30)]) {
    assert.throws(() => toMnistInput(img), /^Error: toMnistInput: no digit found in the \d+x\d+ image/, `${img.width}x${img.height} of ${img.data[0]}`);
  }
  // Faint smudges (under 10% contrast) are not a digit either.
  const faint = blank(40, 40, 250);
  faint.data[40 * 20 + 20] = 235;
  assert.throws(() => toMnistInput(faint), /no digit found/);
  assert.throws(() => toMnistInput({ width: 3, height: 3, channels: 2, data: new Uint8Array(9) }), /toMnistInput: a 3x3 image with 2 channel\(s\) needs 18 bytes/);
});
