/**
 * The bundled digits (lab/public/data/digits.bin, written by lab/scripts/data-digits.mjs): the library's MNIST split,
 * 8,000 training and 2,000 held-out 28x28 digits, the ones `myelin train mnist` uses. Loads in pages and in workers.
 */
export interface DigitSplit {
  count: number;
  /** count x 784 bytes, 0 (black) to 255 (white ink), row-major 28x28 */
  pixels: Uint8Array;
  /** count digits 0-9 */
  labels: Uint8Array;
}

export interface Digits {
  train: DigitSplit;
  test: DigitSplit;
}

export const PIXELS = 784;

/** The data file's address, for a worker (whose own base URL is its script's): resolve it in the page. */
export function digitsUrl(): string {
  return new URL('data/digits.bin', document.baseURI).href;
}

const loaded = new Map<string, Promise<Digits>>();

/** Fetches and splits the file once per URL. */
export function loadDigits(url: string): Promise<Digits> {
  let p = loaded.get(url);
  if (!p) {
    p = fetch(url).then(async (res) => {
      if (!res.ok) throw new Error(`the digits (${url}) did not load: HTTP ${res.status}; run node lab/scripts/make-data.mjs`);
      return parseDigits(new Uint8Array(await res.arrayBuffer()));
    });
    loaded.set(url, p);
  }
  return p;
}

export function parseDigits(bytes: Uint8Array): Digits {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'MYDG') throw new Error('digits.bin: not a digits file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nTrain = view.getUint32(4, true), nTest = view.getUint32(8, true);
  if (bytes.length !== 12 + (nTrain + nTest) * (PIXELS + 1)) throw new Error('digits.bin: wrong size');
  let at = 12;
  const take = (n: number): Uint8Array => bytes.subarray(at, (at += n));
  const split = (count: number): DigitSplit => ({ count, pixels: take(count * PIXELS), labels: take(count) });
  return { train: split(nTrain), test: split(nTest) };
}

/** Digit i of a split as 784 floats in [0, 1] (what the networks take). */
export function digitInput(split: DigitSplit, i: number): Float32Array {
  const out = new Float32Array(PIXELS);
  const px = split.pixels.subarray(i * PIXELS, (i + 1) * PIXELS);
  for (let k = 0; k < PIXELS; k++) out[k] = px[k] / 255;
  return out;
}
