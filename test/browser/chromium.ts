/**
 * Headless Chromium for the browser tests: finds the executable (CHROMIUM_PATH, then Debian's /usr/bin/chromium and
 * the usual other places), opens one page in a fresh browser with a temporary profile and waits for what the page
 * POSTs to the test server (server.ts). The browser runs in its own process group, ended with the page. Importing
 * this module starts nothing (node --test also loads it as part of dist/test/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PagePost, TestServer } from './server.js';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
];

export function findChromium(): string | null {
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

/** The Chromium executable, or null. */
export const chromium = findChromium();

/** For describe/test's `skip`: false with a Chromium, else the reason. */
export const skipWithoutChromium: string | false = chromium
  ? false
  : 'no Chromium executable found (looked at CHROMIUM_PATH and /usr/bin/chromium ...): apt-get install -y chromium';

export const PAGE_TIMEOUT_MS = 45_000;

/**
 * Opens `url` in a fresh headless Chromium and resolves with the first post to `/result/<key>` on `server`, or with
 * an error (the browser would not start, exited, or nothing came within timeoutMs).
 */
export async function runPage(server: TestServer, url: string, key: string, timeoutMs = PAGE_TIMEOUT_MS): Promise<PagePost> {
  if (!chromium) return { error: 'no Chromium executable found' };
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'myelin-chromium-'));
  const args = [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--no-default-browser-check', '--disable-extensions', '--disable-background-networking', '--mute-audio',
    `--user-data-dir=${profile}`, url,
  ];
  let output = '';
  // its own process group, so that the browser and every helper process it starts can be ended together
  const child: ChildProcess = spawn(chromium, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<PagePost>((resolve) => {
    child.on('error', (e) => resolve({ error: `cannot start ${chromium}: ${e.message}` }));
    child.on('exit', (code, signal) => resolve({ error: `chromium exited (code ${code}, signal ${signal}) before the page reported:\n${output.slice(-3000)}` }));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<PagePost>((resolve) => {
    timer = setTimeout(() => resolve({
      error: `no report from ${url} within ${timeoutMs / 1000} s; missing files: ${server.notFound.join(', ') || 'none'}; chromium said:\n${output.slice(-3000)}`,
    }), timeoutMs);
  });
  try {
    return await Promise.race([server.result(key), exited, timeout]);
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
