/**
 * The browser entry must not reach a Node built-in, statically or dynamically (a bundler follows both, and stops on
 * a Node module even behind a runtime check): walks the import graph of the compiled dist/src/browser.js (import and
 * export ... from, and import() of a string literal) with the TypeScript parser and fails on any `node:` module, bare
 * Node built-in, other bare specifier (which a browser cannot resolve without a bundler) or import() of a computed
 * specifier (which no bundler can follow).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));

export interface GraphProblem {
  /** the importing file, relative to dist/src */
  from: string;
  specifier: string;
  why: string;
}

/**
 * The module specifiers a file imports or re-exports (import/export ... from, import '...', import('...')); an import()
 * whose specifier is not a string literal is returned as '<computed>'.
 */
export function moduleImports(source: string, fileName: string): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      out.push(arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Walks the import graph from the roots; returns the files reached and every import a browser cannot load. */
export function walkImports(roots: URL[], base: URL): { files: string[]; problems: GraphProblem[] } {
  const seen = new Set<string>();
  const problems: GraphProblem[] = [];
  const rel = (u: URL): string => u.href.startsWith(base.href) ? u.href.slice(base.href.length) : u.href;
  const stack = [...roots];
  while (stack.length > 0) {
    const url = stack.pop()!;
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    let source: string;
    try {
      source = fs.readFileSync(url, 'utf8');
    } catch {
      problems.push({ from: rel(url), specifier: '', why: 'file not found' });
      continue;
    }
    for (const spec of moduleImports(source, fileURLToPath(url))) {
      if (spec === '<computed>') problems.push({ from: rel(url), specifier: spec, why: 'import() of a computed specifier' });
      else if (spec.startsWith('node:')) problems.push({ from: rel(url), specifier: spec, why: 'Node built-in' });
      else if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/')) stack.push(new URL(spec, url));
      else if (BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0])) problems.push({ from: rel(url), specifier: spec, why: 'Node built-in' });
      else problems.push({ from: rel(url), specifier: spec, why: 'bare specifier (a browser needs a bundler or import map)' });
    }
  }
  return { files: [...seen].map((h) => rel(new URL(h))).sort(), problems };
}

// this file runs from dist/test/browser/
const SRC = new URL('../../src/', import.meta.url);
const show = (ps: GraphProblem[]): string => ps.map((p) => `${p.from} imports '${p.specifier}' (${p.why})`).join('\n');

describe('browser entry: imports', () => {
  test('dist/src/browser.js reaches no Node built-in, statically or dynamically', () => {
    const { files, problems } = walkImports([new URL('browser.js', SRC)], SRC);
    assert.deepEqual(problems, [], `\n${show(problems)}`);
    // the walk really covered the library, not just the entry, and followed the dynamic imports of the kernel builds
    for (const f of ['browser.js', 'backend/wasm/index.js', 'backend/wasm/worker.js', 'backend/wasm/bin/myelin-relaxed.js', 'backend/wasm/bin/myelin-simd.js',
      'nn/index.js', 'optim/index.js', 'train/fit.js', 'train/callbacks.js', 'train/metrics.js', 'train/progress.js',
      'data/browser.js', 'io/safetensors.js', 'io/model.js']) {
      assert.ok(files.includes(f), `${f} reached`);
    }
    for (const f of ['backend/wasm/node.js', 'io/atomic.js', 'io/model-file.js', 'train/file-callbacks.js']) assert.ok(!files.includes(f), `${f} not reached`);
  });

  test('the checker catches Node imports: dist/src/index.js reaches node:fs', () => {
    const { problems } = walkImports([new URL('index.js', SRC)], SRC);
    assert.ok(problems.some((p) => p.specifier === 'node:fs'), 'index.js (the Node entry) should reach node:fs');
    assert.ok(problems.every((p) => p.why === 'Node built-in'), show(problems));
  });

  test('moduleImports sees import/export forms and import(), and ignores strings and comments', () => {
    const src = [
      "import './a.js';",
      "import x, { y } from 'node:fs';",
      'export {\n  p,\n  q,\n} from "../b.js";',
      "export * as ns from './c.js';",
      "const s = \"import z from 'node:os'\";",
      "async function f() { await import('node:path'); }",
      "// import y from 'node:zlib';",
      'const g = (name) => import(name);',
    ].join('\n');
    assert.deepEqual(moduleImports(src, 'x.js'), ['./a.js', 'node:fs', '../b.js', './c.js', 'node:path', '<computed>']);
  });

  test("package.json: the 'browser' condition (and myelin/browser) resolve to the browser entry", () => {
    const root = new URL('../../../', import.meta.url);
    const dist = new URL('dist/src/', root).href;
    const resolve = (conditions: string[]): string[] => execFileSync(process.execPath, [
      ...conditions.flatMap((c) => ['-C', c]), '--input-type=module', '-e',
      "console.log(import.meta.resolve('myelin')); console.log(import.meta.resolve('myelin/browser'))",
    ], { cwd: fileURLToPath(root), encoding: 'utf8' }).trim().split('\n').map((u) => u.startsWith(dist) ? u.slice(dist.length) : u);
    assert.deepEqual(resolve([]), ['index.js', 'browser.js']);
    assert.deepEqual(resolve(['browser']), ['browser.js', 'browser.js']);
    const pkg = JSON.parse(fs.readFileSync(new URL('package.json', root), 'utf8')) as { exports: Record<string, Record<string, unknown>> };
    assert.deepEqual(pkg.exports['.'].browser, { types: './dist/src/browser.d.ts', default: './dist/src/browser.js' });
  });

  test('the Node entry exports everything the browser entry does, plus the Node-only parts', async () => {
    const browser = await import('../../src/browser.js');
    const node = await import('../../src/index.js');
    const nodeKeys = new Set(Object.keys(node));
    for (const k of Object.keys(browser)) {
      assert.ok(nodeKeys.has(k), `index.js lacks ${k}`);
      if (k !== 'data') assert.equal((node as Record<string, unknown>)[k], (browser as Record<string, unknown>)[k], k);
    }
    const nodeOnly = ['datasets', 'loadCsv', 'save', 'load', 'saveModel', 'loadModel', 'loadModelWithMetadata',
      'saveSafetensors', 'loadSafetensors', 'writeFileAtomic', 'ModelCheckpoint', 'JsonLogger'];
    for (const k of nodeOnly) {
      assert.ok(nodeKeys.has(k), `index.js exports ${k}`);
      assert.ok(!(k in browser), `browser.js should not export ${k}`);
    }
    for (const k of Object.keys(browser.data)) assert.ok(k in node.data, `data.${k}`);
    assert.ok('mnist' in node.data && !('mnist' in browser.data));
  });
});
