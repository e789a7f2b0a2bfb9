/**
 * The browser entry in a real browser: headless Chromium loads dist/src/browser.js as ES modules (no bundler) from a
 * local server, once from a cross-origin isolated page (COOP/COEP: shared memory, worker threads) and once from a
 * plain one (one thread), and runs page.ts there. Skipped when no Chromium is installed (CI installs Debian's
 * `chromium`; set CHROMIUM_PATH to use another executable).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPage as openPage, skipWithoutChromium as skip } from './chromium.js';
import { startServer, type PagePost, type TestServer, type Variant } from './server.js';
import type { PageReport } from './page.js';

// this file runs from dist/test/browser/: the repository root is three levels up
const ROOT = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** Opens the page in a fresh headless Chromium and resolves with what the page posted back. */
function runPage(server: TestServer, variant: Variant): Promise<PagePost> {
  return openPage(server, `${server.origin}/${variant}/page.html`, variant);
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
