/**
 * A tiny static file server for the browser tests (node:http, 127.0.0.1, a random port). It serves directories under
 * URL prefixes ('' for the server root), each with or without Cross-Origin-Opener-Policy: same-origin and
 * Cross-Origin-Embedder-Policy: require-corp (with them the page is cross-origin isolated: SharedArrayBuffer, shared
 * WebAssembly memory, worker threads). A page reports by POSTing JSON ({ report } or { error }) to `/result/<key>`;
 * `result(key)` resolves with that post. Every path requested and not found is kept in `notFound`.
 *
 * startServer(root) is the dist page test's server (chromium.test.ts): the repository root under two prefixes,
 *   /coi/...    isolated,
 *   /plain/...  not (no SharedArrayBuffer: the wasm backend runs on one thread),
 * where `/<prefix>/page.html` is a generated page that imports dist/test/browser/page.js, runs it, and posts the
 * report (or the error) to `/result/<prefix>`.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export const VARIANTS = ['coi', 'plain'] as const;
export type Variant = (typeof VARIANTS)[number];

/** What the page posts back: the page's report, or an error that stopped it. */
export interface PagePost {
  report?: unknown;
  error?: string;
}

/** A directory served under a URL prefix. */
export interface Site {
  /** the first path segment ('coi'), or '' for the server root (then it serves every path no other site claims) */
  prefix: string;
  /** an absolute directory */
  root: string;
  /** send COOP/COEP, so that pages from here are cross-origin isolated */
  isolated: boolean;
  /** generated HTML pages, by path relative to the prefix ('page.html') */
  pages?: Record<string, string>;
  /** served for a path ending in '/' (default 'index.html') */
  index?: string;
}

export interface TestServer {
  /** e.g. http://127.0.0.1:34567 */
  origin: string;
  /** Resolves with the first post to /result/<key> since the last call. */
  result(key: string): Promise<PagePost>;
  /** Paths requested that were not found (a missing module or binary shows up here). */
  notFound: string[];
  close(): Promise<void>;
}

function page(variant: Variant): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>myelin browser test (${variant})</title></head>
<body><pre id="out">running</pre>
<script type="module">
let posted = false;
const post = (body) => {
  if (posted) return;
  posted = true;
  document.getElementById('out').textContent = JSON.stringify(body, null, 2);
  fetch('/result/${variant}', { method: 'POST', body: JSON.stringify(body) });
};
addEventListener('error', (e) => post({ error: 'uncaught: ' + e.message + ' at ' + e.filename + ':' + e.lineno }));
addEventListener('unhandledrejection', (e) => post({ error: 'unhandled rejection: ' + (e.reason && e.reason.stack || e.reason) }));
try {
  const m = await import('/${variant}/dist/test/browser/page.js');
  post({ report: await m.run() });
} catch (e) {
  post({ error: String(e && e.stack || e) });
}
</script></body></html>
`;
}

/** The dist page test's server: `root` (the repository) under /coi (isolated) and /plain, each with page.html. */
export function startServer(root: string): Promise<TestServer> {
  return serveSites(VARIANTS.map((v) => ({ prefix: v, root, isolated: v === 'coi', pages: { 'page.html': page(v) } })));
}

export async function serveSites(sites: readonly Site[]): Promise<TestServer> {
  const waiting = new Map<string, (p: PagePost) => void>();
  const arrived = new Map<string, PagePost>();
  const notFound: string[] = [];
  const deliver = (key: string, p: PagePost): void => {
    const w = waiting.get(key);
    if (w) {
      waiting.delete(key);
      w(p);
    } else arrived.set(key, p);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/');
    // ['', 'result', key]
    if (req.method === 'POST' && parts[1] === 'result' && parts.length === 3 && parts[2] !== '') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        let p: PagePost;
        try {
          p = JSON.parse(body) as PagePost;
        } catch {
          p = { error: `unreadable result: ${body.slice(0, 200)}` };
        }
        res.writeHead(204).end();
        deliver(parts[2], p);
      });
      return;
    }
    // ['', prefix, ...rest] for a prefixed site; the root site takes every other path whole
    const prefixed = sites.find((s) => s.prefix !== '' && s.prefix === parts[1]);
    const site = prefixed ?? sites.find((s) => s.prefix === '');
    if (!site || (req.method !== 'GET' && req.method !== 'HEAD')) {
      if (req.method === 'GET' || req.method === 'HEAD') notFound.push(url.pathname);
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (site.isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    let rel = decodeURIComponent(parts.slice(prefixed ? 2 : 1).join('/'));
    if (rel === '' || rel.endsWith('/')) rel += site.index ?? 'index.html';
    const generated = site.pages?.[rel];
    if (generated !== undefined) {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html'] }).end(generated);
      return;
    }
    const file = path.resolve(site.root, rel);
    if (!file.startsWith(site.root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        notFound.push(url.pathname);
        res.writeHead(404, headers).end();
        return;
      }
      const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
      res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': data.length }).end(req.method === 'HEAD' ? undefined : data);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    notFound,
    result(key: string): Promise<PagePost> {
      const p = arrived.get(key);
      if (p) {
        arrived.delete(key);
        return Promise.resolve(p);
      }
      return new Promise((resolve) => waiting.set(key, resolve));
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
