import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';

// the compiled library next to this compiled test: dist/test/train -> dist/src/train
const here = dirname(fileURLToPath(import.meta.url));
const trainDir = resolve(here, '../../src/train');

/** The specifiers a compiled ES module imports statically (import/export ... from, bare import); not import(). */
function staticImports(source: string): string[] {
  const out: string[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(/(?:^|[;\n])\s*(?:import|export)\s[^;'"`]*?\sfrom\s*(['"])([^'"]+)\1/g)) out.push(m[2]);
  for (const m of code.matchAll(/(?:^|[;\n])\s*import\s*(['"])([^'"]+)\1/g)) out.push(m[2]);
  return out;
}

const builtins = new Set(builtinModules);
function isBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]);
}

/** Every module reachable from `entry` through static imports, with the Node built-ins any of them imports. */
function staticGraph(entry: string): { files: Set<string>; builtinsBy: Map<string, string[]> } {
  const files = new Set<string>();
  const builtinsBy = new Map<string, string[]>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (isBuiltin(spec)) builtinsBy.set(file, [...(builtinsBy.get(file) ?? []), spec]);
      else if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
    }
  };
  visit(entry);
  return { files, builtinsBy };
}

test('the import scanner sees static imports and not dynamic ones', () => {
  const src = [
    "import { a } from './a.js';",
    "import * as b from 'node:fs';",
    "import './side.js';",
    "export { c } from './c.js';",
    "import {\n  d,\n  e,\n} from 'node:path';",
    'const f = await import(\'node:os\');',
    '// import { g } from \'node:zlib\';',
  ].join('\n');
  assert.deepEqual(staticImports(src).sort(), ['./a.js', './c.js', './side.js', 'node:fs', 'node:path'].sort());
});

for (const name of ['fit', 'callbacks', 'metrics', 'progress']) {
  test(`importing train/${name} loads no Node built-in module (browser-safe)`, () => {
    const entry = join(trainDir, `${name}.js`);
    assert.ok(existsSync(entry), `${entry} is built`);
    const { files, builtinsBy } = staticGraph(entry);
    assert.ok(files.size >= 1);
    const found = [...builtinsBy].map(([f, specs]) => `${f.slice(trainDir.length - 9)}: ${specs.join(', ')}`);
    assert.deepEqual(found, []);
  });
}

test('fit with verbose output needs no process object (it prints nothing without one)', async () => {
  const { fit } = await import('../../src/train/fit.js');
  const { Linear } = await import('../../src/nn/index.js');
  const { ones, zeros } = await import('../../src/index.js');
  const saved = globalThis.process;
  const x = ones([4, 2]);
  const y = zeros([4, 1]);
  // hide the global only around the synchronous start of fit (where the progress stream is chosen)
  Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
  let pending: ReturnType<typeof fit>;
  try {
    pending = fit(new Linear(2, 1), [x, y], { epochs: 1, batchSize: 4, loss: 'mse' });
  } finally {
    Object.defineProperty(globalThis, 'process', { value: saved, configurable: true, writable: true });
  }
  const h = await pending;
  assert.deepEqual(h.epoch, [1]);
});
