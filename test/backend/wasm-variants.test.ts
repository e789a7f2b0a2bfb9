/**
 * The builds of the kernels the test process does not load by default: the private-memory build (browsers without
 * cross-origin isolation, no threads) and the SIMD128 shared build (engines without relaxed SIMD, or
 * MYELIN_RELAXED_SIMD=0), each checked against the js backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { View } from '../../src/backend/backend.js';
import { WasmDevice } from '../../src/backend/wasm/device.js';
import { WasmHeap } from '../../src/backend/wasm/heap.js';
import type { KernelExports } from '../../src/backend/wasm/abi.js';
import { relaxedSimdSupported } from '../../src/backend/wasm/loader.js';
import { loadModule } from '../../src/backend/wasm/node-module.js';
import { Rng, assertSame, js, pair, wasm } from './helpers.js';

test('the private-memory build runs the kernels (no SharedArrayBuffer needed)', async () => {
  const loaded = await loadModule({ shared: false, relaxed: false });
  assert.equal(loaded.variant, 'myelin-simd');
  const memory = new WebAssembly.Memory({ initial: 16 });
  const inst = new WebAssembly.Instance(loaded.module, { env: { memory } });
  const k = inst.exports as unknown as KernelExports;
  const backend = new WasmDevice({ exports: k, heap: new WasmHeap(memory, k.heapBase(), false, 65536), variant: loaded.variant });
  const rng = new Rng(5);
  const a = pair([37, 45], 'float32', 'transposed', rng), b = pair([45, 29], 'float32', 'strided', rng);
  const on = (v: View): View => ({ ...v, storage: backend.fromTypedArray(js.readSync!({ ...v, shape: [v.storage.length], strides: [1], offset: 0 }), 'float32') });
  const aw = on(a.js), bw = on(b.js);
  const mm = backend.kernels.matmul(aw, bw, []);
  const expected = js.kernels.matmul(a.js, b.js, []);
  // assertSame wants results of the registered wasm backend: compare values directly
  const got = backend.readSync!({ storage: mm, shape: [mm.length], strides: [1], offset: 0 });
  const want = js.readSync!({ storage: expected, shape: [expected.length], strides: [1], offset: 0 });
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4, `matmul[${i}]: ${got[i]} vs ${want[i]}`);
  // growing a private memory detaches old views: storage must still read back right
  const big = backend.zeros('float32', 4 << 20);
  assert.equal(big.length, 4 << 20);
  const again = backend.readSync!({ storage: mm, shape: [mm.length], strides: [1], offset: 0 });
  assert.deepEqual(Array.from(again), Array.from(got));
  assert.equal(typeof relaxedSimdSupported(), 'boolean');
  const sm = pair([4, 9], 'float32', 'contig', rng);
  assertSame(sm.wasm.storage.backend.kernels.softmax(sm.wasm, 1, true), js.kernels.softmax(sm.js, 1, true), 'registered backend still fine');
});

/** V8 11.3 (Node 20): relaxed SIMD is behind a flag, which the loader sets unless told not to. */
const flagVersion = /^11\.3\./.test(process.versions.v8);

/** Runs a script in a child Node with extra arguments and environment; returns the loaded variant and whether relaxed SIMD validates. */
function probeChild(args: string[], env: NodeJS.ProcessEnv): string {
  const helpers = new URL('./helpers.js', import.meta.url).href;
  const loader = new URL('../../src/backend/wasm/loader.js', import.meta.url).href;
  const script = `
    const { wasm } = await import(${JSON.stringify(helpers)});
    const { relaxedSimdSupported } = await import(${JSON.stringify(loader)});
    console.log(wasm.variant, relaxedSimdSupported());
  `;
  const r = spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** This process's environment without node:test's marker (a child `node --test` that sees it runs no files and passes). */
function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _marker, ...rest } = process.env;
  return { ...rest, ...extra };
}

test('Node loads the relaxed-SIMD build (turned on in Node 20) unless MYELIN_RELAXED_SIMD=0', () => {
  const expected = process.env.MYELIN_RELAXED_SIMD === '0' ? 'myelin-simd-mt' : 'myelin-relaxed-mt';
  assert.equal((wasm as WasmDevice).variant, expected);
  if (expected === 'myelin-relaxed-mt') assert.equal(relaxedSimdSupported(), true);
});

test('a command line that turns relaxed SIMD off is obeyed: the SIMD128 build loads', () => {
  assert.equal(probeChild(['--no-experimental-wasm-relaxed-simd'], childEnv({})), 'myelin-simd-mt false');
});

test('frozen V8 flags are left alone (setting one would abort the process)', { skip: !flagVersion && 'relaxed SIMD needs no flag on this Node' }, () => {
  assert.equal(probeChild(['--freeze-flags-after-init'], childEnv({})), 'myelin-simd-mt false');
});

test('the SIMD128 build agrees with the js backend: a child with MYELIN_RELAXED_SIMD=0 reruns the kernel tests', () => {
  const env = childEnv({ MYELIN_RELAXED_SIMD: '0' });
  // the plain build; on Node 20 the V8 flag is also left alone (on Node 21+ relaxed SIMD validates anyway)
  const [variant, relaxed] = probeChild([], env).split(' ');
  assert.equal(variant, 'myelin-simd-mt');
  if (flagVersion) assert.equal(relaxed, 'false');
  const files = ['wasm-kernels.test.js', 'wasm-linear.test.js'].map((f) => fileURLToPath(new URL(`./${f}`, import.meta.url)));
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...files], { encoding: 'utf8', env, timeout: 120000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  // the files ran: an empty run would pass too
  const passed = Number(/^# pass (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
  assert.ok(passed >= 20, `expected the kernel tests to run in the child, got ${passed} passing:\n${r.stdout.slice(-500)}`);
  assert.match(r.stdout, /^# fail 0$/m);
});

test('where WebAssembly cannot load, the library warns once, naming the reason, and runs on the js backend', () => {
  const entry = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const script = `delete globalThis.WebAssembly; const M = await import(${JSON.stringify(entry)}); await import(${JSON.stringify(entry)});
    console.log('backend=' + M.getBackend().name + ' sum=' + M.tensor([1, 2, 3]).sum().item());`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: childEnv({}) });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /backend=js sum=6/);
  const warnings = child.stderr.split('\n').filter((l) => l.startsWith('myelin:'));
  assert.deepEqual(warnings, ['myelin: the wasm backend could not load (WebAssembly is not defined); running on the js backend, which is several times slower']);
});

test('the wasm backend loads when the first tensor needs it: a process that stays on js never compiles it nor sets a V8 flag', () => {
  const entry = JSON.stringify(fileURLToPath(new URL('../../src/index.js', import.meta.url)));
  const loader = JSON.stringify(fileURLToPath(new URL('../../src/backend/wasm/loader.js', import.meta.url)));
  const script = `const M = await import(${entry}); const { relaxedSimdSupported } = await import(${loader});
    const before = relaxedSimdSupported();
    M.setBackend('js');
    const y = M.nn.F.relu(M.tensor([[1, -2], [3, 4]]).matmul(M.ones([2, 2]))).sum().item();
    const onJs = relaxedSimdSupported();
    M.setBackend('wasm');
    const z = M.tensor([1, 2, 3]).sum().item();
    console.log([before, y, onJs, M.getBackend().name, z, relaxedSimdSupported()].join(' '));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: childEnv({}) });
  assert.equal(child.status, 0, child.stderr);
  const [before, y, onJs, name, z, after] = child.stdout.trim().split(' ');
  assert.equal(y, '14');
  assert.equal(name, 'wasm');
  assert.equal(z, '6');
  if (flagVersion) {
    // Node 20: the flag is set at the first wasm tensor, not at import nor while on js
    assert.deepEqual([before, onJs, after], ['false', 'false', 'true']);
  } else {
    assert.equal(after, 'true');
  }
});

test('require(esm): CommonJS code can require the package root (Node 20.19+ has no top-level await to refuse)', () => {
  const entry = JSON.stringify(fileURLToPath(new URL('../../src/index.js', import.meta.url)));
  const script = `const m = require(${entry}); console.log(m.getBackend().name, m.tensor([[1, 2], [3, 4]]).matmul(m.eye(2)).sum().item());`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: childEnv({}) });
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major === 20 && minor < 19) return; // require(esm) arrived in 20.19 (and 22.12)
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), 'wasm 10');
  assert.doesNotMatch(child.stderr, /Warning/);
});
