/**
 * Builds the WebAssembly kernels: four variants of src/backend/wasm/assembly/index.ts, SIMD128 or relaxed SIMD, each
 * with a private or a shared (threads) imported memory, written to src/backend/wasm/bin/ (committed, so the library
 * needs no build step). First it writes assembly/codes.ts, the kernels' integer codes, from src/backend/wasm/abi.ts.
 *   node src/backend/wasm/assembly/build.mjs          compile all variants (npm run build:wasm)
 *   node src/backend/wasm/assembly/build.mjs --copy   only copy the committed binaries next to the compiled JS
 *                                                     (dist/src/backend/wasm/bin; part of npm run build)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const binDir = join(root, 'src/backend/wasm/bin');

function copyToDist() {
  const dist = join(root, 'dist/src/backend/wasm/bin');
  if (!existsSync(join(root, 'dist/src/backend/wasm'))) return;
  mkdirSync(dist, { recursive: true });
  for (const f of readdirSync(binDir)) if (f.endsWith('.wasm')) copyFileSync(join(binDir, f), join(dist, f));
}

/**
 * Writes assembly/codes.ts: each `*_CODES` table of abi.ts as an AssemblyScript const enum of the same name and members.
 * abi.ts imports types only, so its transpiled text loads on its own.
 */
async function writeCodes() {
  const source = readFileSync(join(root, 'src/backend/wasm/abi.ts'), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const abi = await import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
  const out = ['// Written by build.mjs from src/backend/wasm/abi.ts (the one place these codes are declared): do not edit.'];
  for (const [name, table] of Object.entries(abi)) {
    if (!name.endsWith('_CODES')) continue;
    out.push('', `export const enum ${name} {`);
    for (const [member, code] of Object.entries(table)) {
      if (!Number.isInteger(code)) throw new Error(`abi.ts: ${name}.${member} is ${code}, not an integer`);
      out.push(`  ${member} = ${code},`);
    }
    out.push('}');
  }
  writeFileSync(join(root, 'src/backend/wasm/assembly/codes.ts'), out.join('\n') + '\n');
}

if (!process.argv.includes('--copy')) {
  mkdirSync(binDir, { recursive: true });
  await writeCodes();
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
