/**
 * The browser entry in a real browser: headless Chromium loads dist/src/browser.js as ES modules (no bundler) from a
 * local server, once from a cross-origin isolated page (COOP/COEP: shared memory, worker threads) and once from a
 * plain one (one thread), and runs page.ts there. Skipped when no Chromium is installed (CI installs Debian's
 * `chromium`; set CHROMIUM_PATH to use another executable).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type PagePost, type TestServer, type Variant } from './server.js';
import type { PageReport } from './page.js';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
];

function findChromium(): string | null {
  for (const p of CANDIDATES) {
    if (!p) continue;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

// this file runs from dist/test/browser/: the repository root is three levels up
const ROOT = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const PAGE_TIMEOUT_MS = 45_000;

const chromium = findChromium();
const skip = chromium ? false : 'no Chromium executable found (looked at CHROMIUM_PATH and /usr/bin/chromium ...): apt-get install -y chromium';

/** Opens the page in a fresh headless Chromium and resolves with what the page posted back. */
async function runPage(server: TestServer, variant: Variant): Promise<PagePost> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-chromium-'));
  const args = [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--no-default-browser-check', '--disable-extensions', '--disable-background-networking', '--mute-audio',
    `--user-data-dir=${profile}`, `${server.origin}/${variant}/page.html`,
  ];
  let output = '';
  // its own process group, so that the browser and every helper process it starts can be ended together
  const child: ChildProcess = spawn(chromium!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<PagePost>((resolve) => {
    child.on('error', (e) => resolve({ error: `cannot start ${chromium}: ${e.message}` }));
    child.on('exit', (code, signal) => resolve({ error: `chromium exited (code ${code}, signal ${signal}) before the page reported:\n${output.slice(-3000)}` }));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PagePost>((resolve) => {
    timer = setTimeout(() => resolve({
      error: `no report from the ${variant} page within ${PAGE_TIMEOUT_MS / 1000} s; missing files: ${server.notFound.join(', ') || 'none'}; chromium said:\n${output.slice(-3000)}`,
    }), PAGE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([server.result(variant), exited, timeout]);
  } finally {
    clearTimeout(timer);
    await stop(child);
    // best effort: a helper process may still be writing into the profile for a moment
    for (let i = 0; i < 10; i++) {
      try {
        fs.rmSync(profile, { recursive: true, force: true });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

/** Ends the browser's process group: SIGTERM (Chromium closes its helpers), SIGKILL after 3 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // the group is gone
    }
  };
  const running = child.exitCode === null && child.signalCode === null;
  const exited = running ? new Promise((r) => child.once('exit', r)) : Promise.resolve();
  signalGroup('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
  clearTimeout(timer);
  signalGroup('SIGKILL'); // helpers that outlived the browser
  await exited;
}

function report(post: PagePost, variant: Variant): PageReport {
  assert.equal(post.error, undefined, `the ${variant} page failed: ${post.error}`);
  return post.report as PageReport;
}

/** Checks both pages make: wasm is the default, agrees with js, and an MLP learns. */
function checkCommon(r: PageReport): void {
  assert.equal(r.wasmLoadError, null);
  assert.equal(r.wasmAvailable, true);
  assert.equal(r.defaultBackend, 'wasm');
  assert.ok(r.smallMatmulMaxDiff <= 1e-4, `37x53 @ 53x29: max |wasm - js| = ${r.smallMatmulMaxDiff}`);
  assert.ok(r.largeMatmulMaxDiff <= 1e-3, `512x512 @ 512x512: max |wasm - js| = ${r.largeMatmulMaxDiff}`);
  assert.ok(Number.isFinite(r.lossFirst) && Number.isFinite(r.lossLast), `losses ${r.lossFirst} -> ${r.lossLast}`);
  assert.ok(r.lossLast < 0.5 * r.lossFirst, `the MLP's loss should fall: ${r.lossFirst} -> ${r.lossLast} in ${r.trainSteps} Adam steps`);
}

describe('in headless Chromium', { skip }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(ROOT);
  });
  after(async () => {
    await server?.close();
  });

  test('cross-origin isolated page: wasm with worker threads', async (t) => {
    const r = report(await runPage(server, 'coi'), 'coi');
    t.diagnostic(JSON.stringify(r));
    assert.equal(r.crossOriginIsolated, true);
    assert.equal(r.sharedArrayBuffer, true);
    assert.match(r.variant ?? '', /-mt$/, 'the shared-memory build loads');
    assert.equal(r.warmUpResult, true, 'warmUpThreads() resolves true');
    assert.ok(r.threadsAfterWarmUp > 1, `getNumThreads() = ${r.threadsAfterWarmUp}`);
    assert.equal(r.poolReady, true, 'all workers started');
    assert.ok(r.poolSgemmCalls >= 4, `the pool ran the large products (${r.poolSgemmCalls} calls)`);
    assert.ok(r.wasmBytesAfter > r.wasmBytesBefore, 'the shared memory grew while the workers were running');
    checkCommon(r);
  });

  test('page without isolation: wasm on one thread', async (t) => {
    const r = report(await runPage(server, 'plain'), 'plain');
    t.diagnostic(JSON.stringify(r));
    assert.equal(r.crossOriginIsolated, false);
    assert.doesNotMatch(r.variant ?? '', /-mt$/, 'the private-memory build loads');
    assert.equal(r.warmUpResult, false);
    assert.equal(r.threadsAfterWarmUp, 1);
    assert.equal(r.poolReady, false);
    assert.equal(r.poolSgemmCalls, 0);
    checkCommon(r);
  });
});
