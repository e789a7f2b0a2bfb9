/**
 * Writes the data the Lab bundles (lab/public/data/, copied into the static site by Vite): runs every
 * lab/scripts/data-*.mjs in turn. Each reads a dataset through the built library (dist/src/index.js, so run
 * `npm run build` first) and writes its file only when it is missing or older than the script. Part of `npm run lab`
 * and `npm run lab:build`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
for (const f of readdirSync(here).filter((n) => /^data-.*\.mjs$/.test(n)).sort()) {
  await import(pathToFileURL(join(here, f)).href);
}
