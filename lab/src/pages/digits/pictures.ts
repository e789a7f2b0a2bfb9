/** Pictures on the Digits page: the first layer's weights as a mosaic, and small pictures of test digits. */
import type { Module } from 'myelin';
import { PIXELS, type DigitSplit } from '../../digits/data.js';

export interface FirstLayer {
  /** 'linear': rows of a Linear(784, n), each a 28x28 picture; 'conv': a Conv2d's single-channel kernels */
  kind: 'linear' | 'conv';
  count: number;
  /** each picture is side x side weights */
  side: number;
  weights: Float32Array;
}

/** The first layer's weights, if they can be pictures: the model's first parameter with more than one dimension. */
export function firstLayer(model: Module): FirstLayer | null {
  for (const [, p] of model.namedParameters()) {
    const s = p.shape;
    if (s.length < 2) continue; // a bias
    const weights = Float32Array.from(p.data() as ArrayLike<number>);
    if (s.length === 2 && s[1] === PIXELS) return { kind: 'linear', count: s[0], side: 28, weights };
    if (s.length === 4 && s[1] === 1 && s[2] === s[3]) return { kind: 'conv', count: s[0], side: s[2], weights };
    return null;
  }
  return null;
}

// Okabe-Ito blue for positive weights, orange for negative, white for zero
const BLUE = [0, 114, 178];
const ORANGE = [230, 159, 0];
const GAP = 4;
const WIDTH = 680;

/** Draws every picture of `layer` on `canvas` (resized to fit), each scaled by its own largest weight. */
export function drawFirstLayer(canvas: HTMLCanvasElement, layer: FirstLayer): void {
  const { count, side, weights } = layer;
  const cols = Math.min(count, count <= 32 ? 8 : 16);
  const rows = Math.ceil(count / cols);
  const tile = Math.floor((WIDTH - GAP * (cols - 1)) / cols);
  canvas.width = cols * tile + GAP * (cols - 1);
  canvas.height = rows * tile + GAP * (rows - 1);
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  const small = document.createElement('canvas');
  small.width = side;
  small.height = side;
  const sctx = small.getContext('2d')!;
  const img = sctx.createImageData(side, side);
  const n = side * side;
  for (let k = 0; k < count; k++) {
    const w = weights.subarray(k * n, (k + 1) * n);
    let max = 1e-12;
    for (const v of w) max = Math.max(max, Math.abs(v));
    for (let i = 0; i < n; i++) {
      const t = Math.abs(w[i]) / max;
      const c = w[i] >= 0 ? BLUE : ORANGE;
      img.data[4 * i] = 255 + (c[0] - 255) * t;
      img.data[4 * i + 1] = 255 + (c[1] - 255) * t;
      img.data[4 * i + 2] = 255 + (c[2] - 255) * t;
      img.data[4 * i + 3] = 255;
    }
    sctx.putImageData(img, 0, 0);
    ctx.drawImage(small, (k % cols) * (tile + GAP), Math.floor(k / cols) * (tile + GAP), tile, tile);
  }
}

/** A small picture of digit i of a split (white ink on black, as the network sees it). */
export function digitPicture(split: DigitSplit, i: number, label: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = 28;
  c.height = 28;
  c.className = 'digit-thumb';
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', label);
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(28, 28);
  const px = split.pixels.subarray(i * PIXELS, (i + 1) * PIXELS);
  for (let k = 0; k < PIXELS; k++) img.data.set([px[k], px[k], px[k], 255], 4 * k);
  ctx.putImageData(img, 0, 0);
  return c;
}
