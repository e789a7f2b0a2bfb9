/**
 * The on-disk cache for dataset loaders: one binary file per dataset, so that a second load reads a few megabytes
 * instead of parsing the source package again.
 *
 * File layout (all integers little-endian):
 *   bytes 0..7   magic "MYELCACH"
 *   bytes 8..11  format version (uint32, currently 1)
 *   bytes 12..15 header length H (uint32)
 *   H bytes      header, UTF-8 JSON: { kind, key, sections: [{ name, bytes }], sha256 }
 *   padding      zeros up to a multiple of 8
 *   sections     each section's bytes, each padded with zeros to a multiple of 8 (so typed-array views are aligned)
 * `key` fingerprints the source (package version and file sizes): a different key means the cache is stale.
 * `sha256` covers everything after the header padding. A file with the wrong magic, version, kind, key, size or
 * checksum is ignored and rebuilt; writes go to a temporary file that is renamed into place, so readers never see a
 * half-written cache, and a failed write (read-only disk) only costs the speed-up.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAGIC = 'MYELCACH';
const FORMAT_VERSION = 1;

export interface CacheOptions {
  /** Directory for cache files. Defaults to $MYELIN_CACHE_DIR, else node_modules/.cache/myelin, else the OS temp dir. */
  cacheDir?: string;
  /** false: neither read nor write the cache (always parse the source). Default true. */
  cache?: boolean;
}

/** Where a loader's data came from. */
export interface CacheInfo {
  /** The cache file used or written, or null when caching was off or impossible. */
  path: string | null;
  /** true when the data was read from a valid cache file. */
  hit: boolean;
}

export interface CacheSection {
  name: string;
  data: Uint8Array;
}

const pad8 = (n: number): number => (n + 7) & ~7;

function findPackageRoot(start: string): string | null {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function usableDir(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The directory dataset caches go to: `explicit`, else $MYELIN_CACHE_DIR, else `node_modules/.cache/myelin` (the
 * node_modules that holds myelin when it is installed as a dependency, the package's own one in a checkout), else
 * `<os temp dir>/myelin-cache`. Returns null when none of them can be created and written.
 */
export function resolveCacheDir(explicit?: string): string | null {
  if (explicit !== undefined) return usableDir(explicit) ? path.resolve(explicit) : null;
  const candidates: string[] = [];
  const env = process.env.MYELIN_CACHE_DIR;
  if (env) candidates.push(env);
  const root = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
  if (root) {
    const parent = path.dirname(root);
    const nodeModules = path.basename(parent) === 'node_modules' ? parent
      : path.basename(path.dirname(parent)) === 'node_modules' && path.basename(parent).startsWith('@') ? path.dirname(parent)
        : path.join(root, 'node_modules');
    candidates.push(path.join(nodeModules, '.cache', 'myelin'));
  }
  candidates.push(path.join(os.tmpdir(), 'myelin-cache'));
  for (const dir of candidates) if (usableDir(dir)) return path.resolve(dir);
  return null;
}

/** The cache file path for `fileName`, or null when caching is off or no directory is usable. */
export function cacheFilePath(fileName: string, options: CacheOptions): string | null {
  if (options.cache === false) return null;
  const dir = resolveCacheDir(options.cacheDir);
  return dir === null ? null : path.join(dir, fileName);
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes a cache file atomically. Returns false (and leaves no file behind) when it cannot be written. */
export function writeCache(file: string, kind: string, key: string, sections: readonly CacheSection[]): boolean {
  let payloadBytes = 0;
  for (const s of sections) payloadBytes += pad8(s.data.byteLength);
  const payload = new Uint8Array(payloadBytes);
  let at = 0;
  for (const s of sections) {
    payload.set(s.data, at);
    at += pad8(s.data.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({
    kind,
    key,
    sections: sections.map((s) => ({ name: s.name, bytes: s.data.byteLength })),
    sha256: sha256(payload),
  }));
  const headerEnd = pad8(16 + header.byteLength);
  const out = Buffer.alloc(headerEnd + payloadBytes);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(FORMAT_VERSION, 8);
  out.writeUInt32LE(header.byteLength, 12);
  out.set(header, 16);
  out.set(payload, headerEnd);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, out);
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing to clean up
    }
    return false;
  }
}

/**
 * Reads a cache file written by writeCache. Returns its sections by name (views onto one buffer, 8-byte aligned), or
 * null when the file is missing, of another kind or key, truncated, padded, or fails its checksum.
 */
export function readCache(file: string, kind: string, key: string): Map<string, Uint8Array> | null {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return null;
  }
  if (buf.byteLength < 16 || buf.toString('latin1', 0, 8) !== MAGIC || buf.readUInt32LE(8) !== FORMAT_VERSION) return null;
  const headerLength = buf.readUInt32LE(12);
  if (16 + headerLength > buf.byteLength) return null;
  let header: { kind?: unknown; key?: unknown; sections?: unknown; sha256?: unknown };
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + headerLength));
  } catch {
    return null;
  }
  if (header.kind !== kind || header.key !== key || !Array.isArray(header.sections) || typeof header.sha256 !== 'string') return null;
  const sections = header.sections as { name: unknown; bytes: unknown }[];
  if (!sections.every((s) => typeof s.name === 'string' && Number.isInteger(s.bytes) && (s.bytes as number) >= 0)) return null;
  const headerEnd = pad8(16 + headerLength);
  const payloadBytes = sections.reduce((acc, s) => acc + pad8(s.bytes as number), 0);
  if (headerEnd + payloadBytes !== buf.byteLength) return null;
  // copy into a fresh, 8-byte aligned buffer (a Buffer from readFileSync may sit at any offset of a shared pool)
  const payload = new Uint8Array(payloadBytes);
  payload.set(buf.subarray(headerEnd));
  if (sha256(payload) !== header.sha256) return null;
  const out = new Map<string, Uint8Array>();
  let at = 0;
  for (const s of sections) {
    out.set(s.name as string, payload.subarray(at, at + (s.bytes as number)));
    at += pad8(s.bytes as number);
  }
  return out;
}
