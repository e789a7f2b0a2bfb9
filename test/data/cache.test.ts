import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheFilePath, readCache, resolveCacheDir, writeCache } from '../../src/data/cache.js';

test('cache: sections round trip, 8-byte aligned; wrong kind, key, size or checksum reads as a miss', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-cache-'));
  try {
    const file = join(dir, 'x.bin');
    const floats = Float64Array.from([1.5, -2, Math.PI]);
    const bytes = Uint8Array.from([1, 2, 3, 4, 5]);
    assert.equal(writeCache(file, 'kind', 'key1', [{ name: 'b', data: bytes }, { name: 'f', data: new Uint8Array(floats.buffer) }]), true);
    assert.deepEqual(readdirSync(dir), ['x.bin']); // no temporary file left behind
    const got = readCache(file, 'kind', 'key1')!;
    assert.deepEqual(Array.from(got.get('b')!), [1, 2, 3, 4, 5]);
    const f = got.get('f')!;
    assert.equal(f.byteOffset % 8, 0);
    assert.deepEqual(Array.from(new Float64Array(f.buffer, f.byteOffset, 3)), Array.from(floats));
    assert.equal(readCache(file, 'other', 'key1'), null);
    assert.equal(readCache(file, 'kind', 'key2'), null);
    assert.equal(readCache(join(dir, 'missing.bin'), 'kind', 'key1'), null);
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 9] ^= 1;
    writeFileSync(file, flipped);
    assert.equal(readCache(file, 'kind', 'key1'), null);
    writeFileSync(file, good.subarray(0, good.length - 8));
    assert.equal(readCache(file, 'kind', 'key1'), null);
    writeFileSync(file, Buffer.concat([good, Buffer.alloc(8)]));
    assert.equal(readCache(file, 'kind', 'key1'), null);
    writeFileSync(file, good);
    assert.notEqual(readCache(file, 'kind', 'key1'), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cache: directory choice and cache: false', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-cache-'));
  try {
    assert.equal(cacheFilePath('a.bin', { cache: false, cacheDir: dir }), null);
    assert.equal(cacheFilePath('a.bin', { cacheDir: join(dir, 'sub') }), join(dir, 'sub', 'a.bin'));
    assert.equal(resolveCacheDir(join(dir, 'sub')), join(dir, 'sub'));
    // a path that cannot be a directory (it is a file) is unusable
    writeFileSync(join(dir, 'file'), '');
    assert.equal(resolveCacheDir(join(dir, 'file')), null);
    assert.equal(writeCache(join(dir, 'file', 'x.bin'), 'k', 'k', []), false);
    assert.notEqual(resolveCacheDir(), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
