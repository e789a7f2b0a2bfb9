/**
 * lab/public/data/digits.bin: the library's MNIST split (datasets.mnist(): 8,000 training and 2,000 held-out digits of
 * the `mnist` package, the same split the CLI trains and evaluates on) as bytes, so the page trains and tests on
 * exactly what `myelin train mnist` does. Layout (little-endian): "MYDG", u32 train count, u32 test count, then for
 * each split its pixels (count x 784 bytes, 0-255, row-major 28x28) and its labels (count bytes).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../public/data/digits.bin');
if (!existsSync(out) || statSync(out).mtimeMs < statSync(fileURLToPath(import.meta.url)).mtimeMs) {
  const { datasets } = await import('../../dist/src/index.js');
  const { train, test } = datasets.mnist();
  const parts = [train, test].map(({ images, labels }) => {
    const px = images.data();
    const bytes = new Uint8Array(px.length);
    for (let i = 0; i < px.length; i++) bytes[i] = Math.round(px[i] * 255);
    return { bytes, labels: Uint8Array.from(labels.data()) };
  });
  const header = new Uint8Array(12);
  header.set([77, 89, 68, 71]); // MYDG
  const view = new DataView(header.buffer);
  view.setUint32(4, parts[0].labels.length, true);
  view.setUint32(8, parts[1].labels.length, true);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, Buffer.concat([header, parts[0].bytes, parts[0].labels, parts[1].bytes, parts[1].labels]));
  console.log(`wrote ${out} (${parts[0].labels.length} training and ${parts[1].labels.length} test digits)`);
}
