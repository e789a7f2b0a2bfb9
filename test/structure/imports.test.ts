/**
 * The shape of the source tree, as ../shared DESIGN.md draws it: no import cycle anywhere in src/, and each layer
 * imports only the layers below it (data flows down, nothing reaches up). Only imports that run count: `import
 * type` is erased by the compiler.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'assembly') out.push(...sourceFiles(p)); // AssemblyScript, compiled apart
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The files (relative to src/) each file imports at run time. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/^\s*(import|export)\s+([^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm)) {
      const clause = m[2] ?? '';
      if (/^type\s/.test(clause)) continue;
      const names = clause.match(/^\{([^}]*)\}/);
      if (names && names[1].split(',').map((s) => s.trim()).filter(Boolean).every((n) => n.startsWith('type '))) continue;
      deps.push(relative(SRC, resolve(dirname(file), m[3].replace(/\.js$/, '.ts'))));
    }
    graph.set(relative(SRC, file), deps);
  }
  return graph;
}

const graph = importGraph();

test('src/ has no import cycle', () => {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    path.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === 'open') assert.fail(`import cycle: ${[...path.slice(path.indexOf(d)), d].join(' -> ')}`);
      if (!state.has(d)) visit(d);
    }
    path.pop();
    state.set(f, 'done');
  };
  assert.ok(graph.size > 50, `read ${graph.size} files`);
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
});

/** What each folder of src/ may not import. */
const FORBIDDEN: Record<string, string[]> = {
  backend: ['ops', 'autograd', 'nn', 'optim', 'data', 'train', 'io', 'models', 'apps', 'tensor/tensor.ts', 'tensor/methods.ts'],
  memory: ['ops', 'autograd', 'nn', 'optim', 'data', 'train', 'io', 'models', 'apps', 'tensor/tensor.ts', 'tensor/methods.ts'],
  autograd: ['ops', 'nn', 'optim', 'data', 'train', 'io', 'models', 'apps'],
  ops: ['nn', 'optim', 'data', 'train', 'io', 'models', 'apps'],
  nn: ['optim', 'data', 'train', 'io', 'models', 'apps'],
  optim: ['nn', 'data', 'train', 'io', 'models', 'apps'],
  data: ['nn', 'optim', 'train', 'io', 'models', 'apps'],
  io: ['train', 'models', 'apps'],
  train: ['models', 'apps'],
  models: ['train', 'io', 'apps'],
};

test('each layer imports only what lies below it; nothing in the library imports src/apps', () => {
  const problems: string[] = [];
  for (const [file, deps] of graph) {
    const top = file.split('/')[0];
    const banned = FORBIDDEN[top] ?? (file.startsWith('apps/') ? [] : ['apps']);
    for (const d of deps) {
      if (banned.some((b) => d === b || d.startsWith(`${b}/`))) problems.push(`${file} imports ${d}`);
    }
  }
  assert.deepEqual(problems, []);
});
