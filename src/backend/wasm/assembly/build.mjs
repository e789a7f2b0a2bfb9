/**
 * Builds the WebAssembly kernels: four variants of src/backend/wasm/assembly/index.ts, SIMD128 or relaxed SIMD, each
 * with a private or a shared (threads) imported memory, written to src/backend/wasm/bin/ (committed, so the library
 * needs no build step).
 *   node src/backend/wasm/assembly/build.mjs          compile all variants (npm run build:wasm)
 *   node src/backend/wasm/assembly/build.mjs --copy   only copy the committed binaries next to the compiled JS
 *                                                     (dist/src/backend/wasm/bin; part of npm run build)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const binDir = join(root, 'src/backend/wasm/bin');

function copyToDist() {
  const dist = join(root, 'dist/src/backend/wasm/bin');
  if (!existsSync(join(root, 'dist/src/backend/wasm'))) return;
  mkdirSync(dist, { recursive: true });
  for (const f of readdirSync(binDir)) if (f.endsWith('.wasm')) copyFileSync(join(binDir, f), join(dist, f));
}

if (!process.argv.includes('--copy')) {
  mkdirSync(binDir, { recursive: true });
  const asc = join(root, 'node_modules/.bin/asc');
  const common = ['src/backend/wasm/assembly/index.ts', '-O3', '--disableWarning', '112', '--noAssert', '--runtime', 'stub', '--use', 'abort=', '--importMemory'];
  const variants = [
    { name: 'myelin-simd', features: 'simd', shared: false },
    { name: 'myelin-relaxed', features: 'simd,relaxed-simd', shared: false },
    { name: 'myelin-simd-mt', features: 'simd,threads', shared: true },
    { name: 'myelin-relaxed-mt', features: 'simd,relaxed-simd,threads', shared: true },
  ];
  for (const v of variants) {
    const args = [...common, '--enable', v.features, '-o', join(binDir, `${v.name}.wasm`)];
    if (v.shared) args.push('--sharedMemory', '--maximumMemory', '65536');
    execFileSync(asc, args, { cwd: root, stdio: 'inherit' });
    console.log(`built ${v.name}.wasm`);
  }
}
copyToDist();
