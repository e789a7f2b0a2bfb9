/**
 * A tiny static file server for the browser test (node:http, 127.0.0.1, a random port). It serves the repository
 * root under two prefixes:
 *   /coi/...    with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp, so the
 *               page is cross-origin isolated (SharedArrayBuffer, shared WebAssembly memory, worker threads);
 *   /plain/...  without them (no SharedArrayBuffer: the wasm backend runs on one thread).
 * `/<prefix>/page.html` is a generated page that imports dist/test/browser/page.js, runs it, and POSTs the report (or
 * the error) to `/result/<prefix>`; `result(prefix)` resolves with that report.
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

export interface TestServer {
  /** e.g. http://127.0.0.1:34567 */
  origin: string;
  /** Resolves with the first post of the page under this prefix since the last call. */
  result(variant: Variant): Promise<PagePost>;
  /** Paths requested that were not found (a missing module shows up here). */
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

export async function startServer(root: string): Promise<TestServer> {
  const waiting = new Map<Variant, (p: PagePost) => void>();
  const arrived = new Map<Variant, PagePost>();
  const notFound: string[] = [];
  const deliver = (v: Variant, p: PagePost): void => {
    const w = waiting.get(v);
    if (w) {
      waiting.delete(v);
      w(p);
    } else arrived.set(v, p);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/');
    // ['', variant, ...rest]
    if (req.method === 'POST' && parts[1] === 'result' && (VARIANTS as readonly string[]).includes(parts[2])) {
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
        deliver(parts[2] as Variant, p);
      });
      return;
    }
    const variant = parts[1] as Variant;
    if (!(VARIANTS as readonly string[]).includes(variant) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (variant === 'coi') {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    const rel = decodeURIComponent(parts.slice(2).join('/'));
    if (rel === 'page.html') {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html'] }).end(page(variant));
      return;
    }
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) {
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
    result(v: Variant): Promise<PagePost> {
      const p = arrived.get(v);
      if (p) {
        arrived.delete(v);
        return Promise.resolve(p);
      }
      return new Promise((resolve) => waiting.set(v, resolve));
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
