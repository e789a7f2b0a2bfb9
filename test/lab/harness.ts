/**
 * The Lab in headless Chromium, driven by playwright-core (Debian's chromium; nothing downloads a browser). A test
 * builds the Lab once into a temporary folder (`vite build lab`, the static site a user deploys) or starts the dev
 * server, serves it cross-origin isolated, and opens pages with `openLab`, which collects console errors and uncaught
 * exceptions. Pages are read through `window.lab.state()` (lab/README.md). Screenshots go to
 * test-artifacts/lab/<name>.png. Importing this module starts nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium as chromiumPath, skipWithoutChromium } from '../browser/chromium.js';
import { serveSites, type TestServer } from '../browser/server.js';

export { skipWithoutChromium };

// this file runs from dist/test/lab/: the repository root is three levels up
export const ROOT = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const VITE = path.join(ROOT, 'node_modules/vite/bin/vite.js');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts/lab');

export type Lang = 'en' | 'nl';
export const LANGS: readonly Lang[] = ['en', 'nl'];

/** What window.lab.state() returns: the page, the language, and the page's own fields. */
export type LabState = { page: string | null; lang: Lang } & Record<string, unknown>;

export interface LabSite {
  /** e.g. http://127.0.0.1:34567/ (ends with a slash) */
  url: string;
  close(): Promise<void>;
}

/** Writes the data the Lab bundles (lab/scripts/make-data.mjs: only what is missing or stale). */
export function makeData(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'lab/scripts/make-data.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`lab/scripts/make-data.mjs failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`);
}

/** Builds the static Lab into a temporary folder and serves it cross-origin isolated. */
export async function buildAndServe(): Promise<LabSite> {
  makeData();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-lab-'));
  const r = spawnSync(process.execPath, [VITE, 'build', path.join(ROOT, 'lab'), '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`vite build lab failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`);
  const server: TestServer = await serveSites([{ prefix: '', root: out, isolated: true }]);
  return {
    url: `${server.origin}/`,
    async close() {
      await server.close();
      fs.rmSync(out, { recursive: true, force: true });
    },
  };
}

/** Starts the dev server (`vite lab`, as `npm run lab` does) on a free port. */
export async function startDevServer(): Promise<LabSite> {
  makeData();
  const child: ChildProcess = spawn(process.execPath, [VITE, path.join(ROOT, 'lab'), '--port', '0', '--strictPort', 'false', '--host', '127.0.0.1'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vite dev did not print its URL in 30 s:\n${output}`)), 30_000);
    const onData = (d: Buffer): void => {
      output += d.toString();
      // eslint-disable-next-line no-control-regex
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(output.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`vite dev exited (${code}):\n${output}`)));
  });
  return {
    url,
    async close() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    },
  };
}

/** The parts of playwright-core the tests use (typed here so that the tests need no DOM lib). */
export interface Page {
  goto(url: string, options?: { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' }): Promise<unknown>;
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  click(selector: string, options?: object): Promise<void>;
  fill(selector: string, value: string): Promise<void>;
  selectOption(selector: string, value: string): Promise<unknown>;
  locator(selector: string): { count(): Promise<number>; first(): { boundingBox(): Promise<{ x: number; y: number; width: number; height: number } | null> } };
  waitForSelector(selector: string, options?: { timeout?: number }): Promise<unknown>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  addScriptTag(options: { path?: string; content?: string }): Promise<unknown>;
  mouse: { move(x: number, y: number, o?: { steps?: number }): Promise<void>; down(): Promise<void>; up(): Promise<void> };
  keyboard: { press(key: string): Promise<void> };
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', fn: (e: Error) => void): void;
}

export interface OpenedLab {
  page: Page;
  /** console errors and uncaught exceptions so far */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Opens `<site>#<hash>` in a fresh headless Chromium with the language set (the Lab picks it from the browser's
 * language), and waits until window.lab reports the page.
 */
export async function openLab(site: LabSite, hash: string, lang: Lang, viewport = { width: 1280, height: 900 }): Promise<OpenedLab> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath!,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ locale: lang === 'nl' ? 'nl-NL' : 'en-GB', viewport });
  const page = (await context.newPage()) as unknown as Page;
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  try {
    await page.goto(`${site.url}#${hash}`, { waitUntil: 'load' });
    // an empty hash shows the first page, whichever it is
    await waitForState(page, (s) => s.page !== null && (hash === '' || hash.startsWith(String(s.page))), 30_000);
  } catch (e) {
    await browser.close(); // a browser left open keeps the test process alive
    throw e;
  }
  return { page, errors, close: () => browser.close() };
}

/** Polls window.lab.state() until `ok` holds; returns that state, or throws with the last one seen. */
export async function waitForState(page: Page, ok: (s: LabState) => boolean, timeoutMs: number): Promise<LabState> {
  const t0 = Date.now();
  let last: LabState | null = null;
  for (;;) {
    last = await page.evaluate(() => {
      const lab = (globalThis as { lab?: { state(): unknown } }).lab;
      return (lab ? lab.state() : null) as LabState | null;
    });
    if (last && ok(last)) return last;
    if (Date.now() - t0 > timeoutMs) throw new Error(`the Lab did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Saves a screenshot as test-artifacts/lab/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core on the page; returns the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: path.join(ROOT, 'node_modules/axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Draws a stroke through `points` (fractions 0..1 of the element's box) with mouse events, as a hand would. */
export async function drawStroke(page: Page, selector: string, points: readonly [number, number][]): Promise<void> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`${selector} is not visible`);
  const at = ([fx, fy]: [number, number]): [number, number] => [box.x + fx * box.width, box.y + fy * box.height];
  const [x0, y0] = at(points[0]);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const p of points.slice(1)) {
    const [x, y] = at(p);
    await page.mouse.move(x, y, { steps: 8 });
  }
  await page.mouse.up();
}
