/**
 * Builds the WebAssembly kernels: SIMD128 or relaxed SIMD, written to src/backend/wasm/bin/ (committed, so the
 * library needs no compiler). Each is compiled twice, with a private and with a shared (threads) imported memory;
 * only the private build is kept, after checking that shared-memory.ts turns it into the shared one exactly.
 *   node src/backend/wasm/assembly/build.mjs          compile all variants (npm run build:wasm)
 *   node src/backend/wasm/assembly/build.mjs --embed  only embed the committed binaries next to the compiled JS, each
 *                                                     as a module whose default export is its base64 text
 *                                                     (dist/src/backend/wasm/bin/<variant>.js; part of npm run build)
 *
 * Compiling first writes two files of this folder from src/backend/wasm/abi.ts (neither is committed):
 *   codes.ts    each `*_CODES` table as an AssemblyScript const enum of the same name and members
 *   exports.ts  the module's entry: every kernel abi.ts declares, re-exported from the file here that defines it
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');
const binDir = join(root, 'src/backend/wasm/bin');
const GENERATED = ['codes.ts', 'exports.ts'];
const HEADER = '// Written by build.mjs from src/backend/wasm/abi.ts: do not edit.';

function embedInDist() {
  const dist = join(root, 'dist/src/backend/wasm/bin');
  if (!existsSync(join(root, 'dist/src/backend/wasm'))) return;
  mkdirSync(dist, { recursive: true });
  for (const f of readdirSync(binDir)) {
    if (!f.endsWith('.wasm')) continue;
    const name = f.slice(0, -'.wasm'.length);
    const base64 = readFileSync(join(binDir, f)).toString('base64');
    writeFileSync(join(dist, `${name}.js`), `// ${f}, embedded by build.mjs\nexport default ${JSON.stringify(base64)};\n`);
    copyFileSync(join(binDir, `${name}.d.ts`), join(dist, `${name}.d.ts`));
  }
}

/** A self-contained module of src/backend/wasm (abi.ts, shared-memory.ts), transpiled and loaded on its own. */
async function loadSource(file) {
  const { default: ts } = await import('typescript');
  const source = readFileSync(join(root, 'src/backend/wasm', file), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  return import(`data:text/javascript;base64,${Buffer.from(js).toString('base64')}`);
}

function codesSource(abi) {
  const out = [HEADER];
  for (const [name, table] of Object.entries(abi)) {
    if (!name.endsWith('_CODES')) continue;
    out.push('', `export const enum ${name} {`);
    for (const [member, code] of Object.entries(table)) {
      if (!Number.isInteger(code)) throw new Error(`abi.ts: ${name}.${member} is ${code}, not an integer`);
      out.push(`  ${member} = ${code},`);
    }
    out.push('}');
  }
  return out.join('\n') + '\n';
}

/** The entry: each declared kernel from the one source file with `export function <name>(` at the start of a line. */
function exportsSource(abi) {
  const definedIn = new Map();
  for (const file of readdirSync(here).filter((f) => f.endsWith('.ts') && !GENERATED.includes(f)).sort()) {
    for (const m of readFileSync(join(here, file), 'utf8').matchAll(/^export function (\w+)\(/gm)) {
      if (definedIn.has(m[1])) throw new Error(`${m[1]} is exported by both ${definedIn.get(m[1])} and ${file}`);
      definedIn.set(m[1], file);
    }
  }
  const byFile = new Map();
  for (const name of Object.keys(abi.KERNEL_SIGNATURES)) {
    const file = definedIn.get(name);
    if (!file) throw new Error(`abi.ts declares the kernel ${name}, but no src/backend/wasm/assembly/*.ts has "export function ${name}("`);
    byFile.set(file, [...(byFile.get(file) ?? []), name]);
  }
  const lines = [...byFile].map(([file, names]) => `export { ${names.join(', ')} } from './${file.slice(0, -3)}';`);
  return [HEADER, '', ...lines].join('\n') + '\n';
}

if (!process.argv.includes('--embed')) {
  mkdirSync(binDir, { recursive: true });
  const abi = await loadSource('abi.ts');
  writeFileSync(join(here, 'codes.ts'), codesSource(abi));
  writeFileSync(join(here, 'exports.ts'), exportsSource(abi));
  const asc = join(root, 'node_modules/.bin/asc');
  const common = ['src/backend/wasm/assembly/exports.ts', '-O3', '--disableWarning', '112', '--noAssert', '--runtime', 'stub', '--use', 'abort=', '--importMemory'];
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
  }
  // Only the private-memory builds are kept: the threads build must be the same code with a shared memory import,
  // which the library makes at load time (shared-memory.ts); checked here, byte for byte, on every compile.
  const { withSharedMemory } = await loadSource('shared-memory.ts');
  for (const v of variants.filter((x) => x.shared)) {
    const privateName = v.name.replace(/-mt$/, '');
    const made = withSharedMemory(readFileSync(join(binDir, `${privateName}.wasm`)));
    const compiled = readFileSync(join(binDir, `${v.name}.wasm`));
    if (Buffer.compare(Buffer.from(made), compiled) !== 0) {
      throw new Error(`${v.name}.wasm is not ${privateName}.wasm with a shared memory: shared-memory.ts cannot make it (keep the compiler options of both builds equal)`);
    }
    rmSync(join(binDir, `${v.name}.wasm`));
  }
  for (const v of variants.filter((x) => !x.shared)) console.log(`built ${v.name}.wasm (and checked its threads build)`);
}
embedInDist();
