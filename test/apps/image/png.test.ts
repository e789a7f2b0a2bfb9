import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { crc32, decodePng, encodePng, pngChunk, pngFile, readPngHeader, type RasterImage } from '../../../src/apps/image/png.js';

const FIXTURES = new URL('../../../../test/fixtures/png/', import.meta.url);

interface ManifestEntry {
  file: string;
  width: number;
  height: number;
  channels: number;
  colorType?: number;
  bitDepth?: number;
  interlace?: number;
  trns?: boolean;
  encoder: string;
  pixels: string;
}

const manifest: ManifestEntry[] = JSON.parse(readFileSync(new URL('manifest.json', FIXTURES), 'utf8'));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

/** Small deterministic PRNG (mulberry32) for the fuzz and round-trip tests. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ihdr(width: number, height: number, bitDepth: number, colorType: number, interlace = 0, compression = 0, filter = 0): Uint8Array {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  d.set([bitDepth, colorType, compression, filter, interlace], 8);
  return d;
}

/** A PNG from an IHDR and raw (already filtered) scanline bytes, plus optional extra chunks before IDAT. */
function buildPng(header: Uint8Array, raw: Uint8Array, before: Uint8Array[] = []): Uint8Array {
  return pngFile([pngChunk('IHDR', header), ...before, pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array(0))]);
}

/** Every chunk of a (valid) file: [offset, length, type]. */
function chunks(png: Uint8Array): Array<[number, number, string]> {
  const out: Array<[number, number, string]> = [];
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let p = 8; p < png.length;) {
    const len = v.getUint32(p);
    out.push([p, len, String.fromCharCode(...png.subarray(p + 4, p + 8))]);
    p += 12 + len;
  }
  return out;
}

function assertPngError(f: () => unknown, pattern: RegExp, what: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof Error, `${what}: threw a non-Error`);
    assert.match(e.message, /^png: /, `${what}: message should start with "png: ", got: ${e.message}`);
    assert.match(e.message, pattern, `${what}: unexpected message: ${e.message}`);
    return true;
  }, what);
}

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('decodes every colour type, bit depth, tRNS variant and Adam7 fixture to the expected 8-bit pixels', () => {
  const seen = new Set<string>();
  for (const e of manifest) {
    const img = decodePng(fixture(e.file));
    assert.equal(img.width, e.width, e.file);
    assert.equal(img.height, e.height, e.file);
    assert.equal(img.channels, e.channels, e.file);
    const want = Buffer.from(e.pixels, 'base64');
    assert.equal(img.data.length, want.length, e.file);
    for (let i = 0; i < want.length; i++) {
      if (img.data[i] !== want[i]) assert.fail(`${e.file}: byte ${i} is ${img.data[i]}, expected ${want[i]}`);
    }
    if (e.encoder === 'script') seen.add(`${e.colorType}/${e.bitDepth}/${e.interlace}`);
  }
  // The fixture set covers every legal (colour type, bit depth) pair, each plain and interlaced.
  const legal: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  for (const [ct, depths] of Object.entries(legal)) {
    for (const d of depths) for (const il of [0, 1]) assert.ok(seen.has(`${ct}/${d}/${il}`), `no fixture for colour type ${ct}, depth ${d}, interlace ${il}`);
  }
  assert.ok(manifest.some((e) => e.encoder === 'pillow'), 'fixtures from an independent encoder are present');
});

test('output channels: grey 1, grey+alpha 2, RGB and palette 3, RGBA 4, one more with tRNS', () => {
  const byName = new Map(manifest.map((e) => [e.file, e]));
  const channels = (f: string) => decodePng(fixture(f)).channels;
  assert.equal(channels('c0_d8_11x9.png'), 1);
  assert.equal(channels('c0_d8_trns_11x9.png'), 2);
  assert.equal(channels('c4_d8_11x9.png'), 2);
  assert.equal(channels('c2_d8_11x9.png'), 3);
  assert.equal(channels('c3_d4_11x9.png'), 3);
  assert.equal(channels('c2_d16_trns_11x9.png'), 4);
  assert.equal(channels('c3_d8_trns_11x9.png'), 4);
  assert.equal(channels('c6_d16_11x9.png'), 4);
  assert.ok(byName.has('c0_d1_i_1x1.png'));
});

test('16-bit samples round to the nearest 8-bit value; 1/2/4-bit grey scales to the full range', () => {
  // One row of 16-bit grey: 0, 128 (rounds down), 129 (rounds up to 1), 32896 (= 128 * 257), 65535.
  const vals = [0, 128, 129, 32896, 65535];
  const raw = new Uint8Array(1 + 2 * vals.length);
  vals.forEach((v, i) => { raw[1 + 2 * i] = v >> 8; raw[2 + 2 * i] = v & 255; });
  assert.deepEqual([...decodePng(buildPng(ihdr(5, 1, 16, 0), raw)).data], [0, 0, 1, 128, 255]);
  // 2-bit grey 0,1,2,3 -> 0,85,170,255 ; 4-bit 15 -> 255, 1 -> 17 ; 1-bit 1 -> 255
  assert.deepEqual([...decodePng(buildPng(ihdr(4, 1, 2, 0), Uint8Array.of(0, 0b00011011))).data], [0, 85, 170, 255]);
  assert.deepEqual([...decodePng(buildPng(ihdr(3, 1, 4, 0), Uint8Array.of(0, 0xf1, 0x00))).data], [255, 17, 0]);
  assert.deepEqual([...decodePng(buildPng(ihdr(9, 1, 1, 0), Uint8Array.of(0, 0b10100000, 0b10000000))).data], [255, 0, 255, 0, 0, 0, 0, 0, 255]);
});

test('all five row filters decode to the same pixels as unfiltered rows', () => {
  // A 2-row RGB image; each filter applied on the encode side by hand for row 2 (row 1 uses None).
  const w = 3, bpp = 3;
  const rng = prng(7);
  const rows = [Array.from({ length: w * bpp }, () => Math.floor(rng() * 256)), Array.from({ length: w * bpp }, () => Math.floor(rng() * 256))];
  const paeth = (a: number, b: number, c: number) => {
    const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  };
  for (let f = 0; f <= 4; f++) {
    const raw = new Uint8Array(2 * (1 + w * bpp));
    raw.set(rows[0], 1);
    raw[1 + w * bpp] = f;
    for (let i = 0; i < w * bpp; i++) {
      const x = rows[1][i], a = i >= bpp ? rows[1][i - bpp] : 0, b = rows[0][i], c = i >= bpp ? rows[0][i - bpp] : 0;
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f];
      raw[2 + w * bpp + i] = (x - pred) & 255;
    }
    const img = decodePng(buildPng(ihdr(w, 2, 8, 2), raw));
    assert.deepEqual([...img.data], [...rows[0], ...rows[1]], `filter ${f}`);
  }
});

test('encodePng round-trips 1 to 4 channels at assorted sizes', () => {
  const rng = prng(42);
  for (const channels of [1, 2, 3, 4] as const) {
    for (const [width, height] of [[1, 1], [1, 17], [23, 1], [31, 19], [64, 48]]) {
      const data = new Uint8Array(width * height * channels);
      for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng() * 256);
      const png = encodePng({ width, height, channels, data });
      const back = decodePng(png);
      assert.deepEqual({ ...back, data: [...back.data] }, { width, height, channels, data: [...data] }, `${width}x${height}x${channels}`);
      const h = readPngHeader(png);
      assert.deepEqual(h, { width, height, bitDepth: 8, colorType: [0, 4, 2, 6][channels - 1], interlace: 0 });
    }
  }
});

test('encodePng refuses malformed images', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ width: 2, height: 2, channels: 1, data: new Uint8Array(3) }, /needs 4 bytes, got 3/],
    [{ width: 0, height: 2, channels: 1, data: new Uint8Array(0) }, /positive integers/],
    [{ width: 2, height: 2, channels: 5, data: new Uint8Array(20) }, /channels must be 1, 2, 3 or 4/],
    [{ width: 1, height: 1, channels: 1, data: [0] }, /Uint8Array/],
  ];
  for (const [img, re] of bad) assert.throws(() => encodePng(img as RasterImage), (e: Error) => /^encodePng: /.test(e.message) && re.test(e.message));
});

test('corrupt files: signature, CRC, truncation', () => {
  const good = fixture('c2_d8_11x9.png');
  assertPngError(() => decodePng(new Uint8Array(0)), /not a PNG file/, 'empty');
  assertPngError(() => decodePng(good.subarray(0, 7)), /not a PNG file/, '7 bytes');
  const sig = good.slice();
  sig[1] = 0x51; // 'Q'
  assertPngError(() => decodePng(sig), /bad signature/, 'signature');
  const crlf = good.slice();
  crlf[4] = 0x0a; // a text-mode transfer turning \r\n into \n
  assertPngError(() => decodePng(crlf), /bad signature/, 'signature CRLF');

  for (const [off, len, type] of chunks(good)) {
    const inData = good.slice();
    if (len > 0) {
      inData[off + 8 + (len >> 1)] ^= 0x40;
      assertPngError(() => decodePng(inData), new RegExp(`CRC mismatch in chunk '${type}'`), `flipped bit in ${type} data`);
    }
    const inCrc = good.slice();
    inCrc[off + 8 + len + 3] ^= 1;
    assertPngError(() => decodePng(inCrc), new RegExp(`CRC mismatch in chunk '${type}'`), `flipped bit in ${type} CRC`);
  }
  // Every truncation point gives a png: error (never a crash, a hang or a partial image).
  for (let n = 0; n < good.length; n++) {
    assertPngError(() => decodePng(good.subarray(0, n)), /not a PNG|truncated|without an IEND|IEND/, `truncated to ${n} bytes`);
  }
  // Trailing bytes after IEND are ignored, as other decoders do.
  const trailing = new Uint8Array(good.length + 5);
  trailing.set(good);
  assert.equal(decodePng(trailing).width, 11);
});

test('bad IHDR fields are refused with a message naming the field', () => {
  const raw = new Uint8Array(2);
  const cases: Array<[Uint8Array, RegExp]> = [
    [ihdr(0, 1, 8, 0), /invalid image size 0x1/],
    [ihdr(1, 0, 8, 0), /invalid image size 1x0/],
    [ihdr(0x80000000, 1, 8, 0), /invalid image size/],
    [ihdr(1, 1, 3, 0), /bit depth 3 is not allowed for colour type 0/],
    [ihdr(1, 1, 4, 2), /bit depth 4 is not allowed for colour type 2 \(RGB\)/],
    [ihdr(1, 1, 16, 3), /bit depth 16 is not allowed for colour type 3/],
    [ihdr(1, 1, 1, 6), /bit depth 1 is not allowed for colour type 6/],
    [ihdr(1, 1, 8, 5), /invalid colour type 5/],
    [ihdr(1, 1, 8, 1), /invalid colour type 1/],
    [ihdr(1, 1, 8, 0, 0, 1), /compression method 1/],
    [ihdr(1, 1, 8, 0, 0, 0, 1), /filter method 1/],
    [ihdr(1, 1, 8, 0, 2), /interlace method 2/],
    [ihdr(1, 1, 8, 0).subarray(0, 12), /IHDR chunk must be 13 bytes long, got 12/],
  ];
  for (const [h, re] of cases) {
    assertPngError(() => decodePng(buildPng(h, raw)), re, re.source);
    assertPngError(() => readPngHeader(buildPng(h, raw)), re, `readPngHeader ${re.source}`);
  }
});

test('absurd dimensions are refused before any allocation', () => {
  // IHDR only, no image data at all: the size check must come first.
  const headerOnly = (w: number, h: number) => pngFile([pngChunk('IHDR', ihdr(w, h, 8, 6))]);
  assertPngError(() => decodePng(headerOnly(100000, 1)), /100000x1, larger than the 16384 pixels per side/, 'wide');
  assertPngError(() => decodePng(headerOnly(1, 0x7fffffff)), /larger than the 16384 pixels per side/, 'tall');
  assertPngError(() => decodePng(headerOnly(16384, 16384)), /268435456 pixels, more than the 67108864/, 'too many pixels');
  // Limits can be tightened by the caller.
  assertPngError(() => decodePng(fixture('c2_d8_11x9.png'), { maxSide: 10 }), /larger than the 10 pixels per side/, 'maxSide');
  assertPngError(() => decodePng(fixture('c2_d8_11x9.png'), { maxPixels: 98 }), /99 pixels, more than the 98/, 'maxPixels');
  assert.equal(decodePng(fixture('c2_d8_11x9.png'), { maxSide: 11, maxPixels: 99 }).width, 11);
});

test('chunk structure errors: missing IDAT/IEND/PLTE, order, unknown critical chunks, lengths', () => {
  const h = pngChunk('IHDR', ihdr(2, 1, 8, 0));
  const idat = pngChunk('IDAT', deflateSync(Uint8Array.of(0, 10, 20)));
  const iend = pngChunk('IEND', new Uint8Array(0));
  assert.deepEqual([...decodePng(pngFile([h, idat, iend])).data], [10, 20]);
  assertPngError(() => decodePng(pngFile([h, iend])), /no IDAT chunk/, 'no IDAT');
  // The stream may be cut into any number of IDAT chunks, empty ones included.
  const z = deflateSync(Uint8Array.of(0, 10, 20));
  const pieces = [pngChunk('IDAT', new Uint8Array(0)), ...Array.from(z, (b) => pngChunk('IDAT', Uint8Array.of(b))), pngChunk('IDAT', new Uint8Array(0))];
  assert.deepEqual([...decodePng(pngFile([h, ...pieces, iend])).data], [10, 20]);
  assertPngError(() => decodePng(pngFile([h, pngChunk('IDAT', new Uint8Array(0)), iend])), /corrupt image data/, 'empty IDAT');
  assertPngError(() => decodePng(pngFile([h, idat])), /without an IEND/, 'no IEND');
  assertPngError(() => decodePng(pngFile([idat, h, iend])), /first chunk must be IHDR, found 'IDAT'/, 'IDAT first');
  assertPngError(() => decodePng(pngFile([h, h, idat, iend])), /more than one IHDR/, 'two IHDR');
  assertPngError(() => decodePng(pngFile([h, idat, pngChunk('tEXt', new Uint8Array(3)), idat, iend])), /not consecutive/, 'split IDAT');
  assertPngError(() => decodePng(pngFile([h, pngChunk('ZZZZ', new Uint8Array(1)), idat, iend])), /unsupported critical chunk 'ZZZZ'/, 'critical');
  assert.deepEqual([...decodePng(pngFile([h, pngChunk('zzZz', new Uint8Array(9)), idat, iend])).data], [10, 20], 'ancillary chunk skipped');
  assertPngError(() => decodePng(pngFile([h, idat, pngChunk('IEND', new Uint8Array(1))])), /IEND chunk must be empty/, 'IEND data');
  assertPngError(() => decodePng(pngFile([h, pngChunk('PLTE', new Uint8Array(3)), idat, iend])), /PLTE chunk is not allowed in a greyscale image/, 'PLTE in grey');
  assertPngError(() => decodePng(pngFile([h, pngChunk('tRNS', new Uint8Array(6)), idat, iend])), /must be 2 bytes, got 6/, 'tRNS length');
  assertPngError(
    () => decodePng(pngFile([pngChunk('IHDR', ihdr(1, 1, 8, 6)), pngChunk('tRNS', new Uint8Array(2)), idat, iend])),
    /tRNS chunk is not allowed in a RGBA image/, 'tRNS with alpha');
  // A chunk type with a non-letter byte, and a length running past the end of the file.
  const badType = pngFile([h, pngChunk('ID4T', new Uint8Array(1)), idat, iend]);
  assertPngError(() => decodePng(badType), /invalid chunk type 'ID4T'/, 'chunk type');
  const longChunk = pngFile([h, idat, iend]);
  new DataView(longChunk.buffer).setUint32(8 + 25, 1000);
  assertPngError(() => decodePng(longChunk), /chunk 'IDAT' at byte 33 claims 1000 data bytes but the file ends first/, 'length past end');
  new DataView(longChunk.buffer).setUint32(8 + 25, 0x80000000);
  assertPngError(() => decodePng(longChunk), /invalid length 2147483648/, 'length over 2^31-1');

  // Palette images.
  const ph = pngChunk('IHDR', ihdr(3, 1, 2, 3));
  const pidat = pngChunk('IDAT', deflateSync(Uint8Array.of(0, 0b00010000)));
  const plte = pngChunk('PLTE', Uint8Array.of(255, 0, 0, 0, 255, 0));
  assertPngError(() => decodePng(pngFile([ph, pidat, iend])), /palette image has no PLTE chunk/, 'no PLTE');
  assertPngError(() => decodePng(pngFile([ph, plte, pngChunk('IDAT', deflateSync(Uint8Array.of(0, 0b00011011))), iend])),
    /palette index 2 out of range \(the palette has 2 entries\)/, 'index out of range');
  assert.deepEqual([...decodePng(pngFile([ph, plte, pidat, iend])).data], [255, 0, 0, 0, 255, 0, 255, 0, 0]);
  assertPngError(() => decodePng(pngFile([ph, pngChunk('PLTE', new Uint8Array(15)), pidat, iend])), /PLTE has 5 entries, more than a 2-bit palette/, 'big PLTE');
  assertPngError(() => decodePng(pngFile([ph, pngChunk('PLTE', new Uint8Array(4)), pidat, iend])), /PLTE chunk length 4 is invalid/, 'PLTE length');
  assertPngError(() => decodePng(pngFile([ph, pngChunk('tRNS', new Uint8Array(1)), plte, pidat, iend])), /tRNS chunk before PLTE/, 'tRNS first');
  assertPngError(() => decodePng(pngFile([ph, plte, pngChunk('tRNS', new Uint8Array(3)), pidat, iend])), /tRNS has 3 entries but the palette only 2/, 'tRNS long');
  assertPngError(() => decodePng(pngFile([ph, plte, pidat, plte, iend])), /more than one PLTE/, 'PLTE twice');
});

test('image data errors: size mismatch, decompression bombs, bad filters, bad zlib streams', () => {
  const h = ihdr(4, 3, 8, 0); // needs 3 * (1 + 4) = 15 bytes
  assertPngError(() => decodePng(buildPng(h, new Uint8Array(14))), /decompresses to 14 bytes, but a 4x3 8-bit greyscale image needs exactly 15/, 'short');
  assertPngError(() => decodePng(buildPng(h, new Uint8Array(16))), /decompresses to more than 15 bytes/, 'long');
  // 16 MiB of zeros squeezed into a 16 KiB stream, declared as a 1x1 image: refused without inflating it all.
  const bomb = buildPng(ihdr(1, 1, 8, 0), new Uint8Array(16 << 20));
  assert.ok(bomb.length < 20000);
  const t0 = performance.now();
  assertPngError(() => decodePng(bomb), /decompresses to more than the 2 bytes a 1x1 image needs/, 'bomb');
  assert.ok(performance.now() - t0 < 2000, 'the bomb is refused quickly');

  const badFilter = new Uint8Array(15);
  badFilter[5] = 5;
  assertPngError(() => decodePng(buildPng(h, badFilter)), /invalid filter type 5 on row 1/, 'filter 5');
  const garbage = pngFile([pngChunk('IHDR', h), pngChunk('IDAT', Uint8Array.of(1, 2, 3, 4, 5, 6)), pngChunk('IEND', new Uint8Array(0))]);
  assertPngError(() => decodePng(garbage), /corrupt image data \(zlib: /, 'garbage stream');
  const z = deflateSync(new Uint8Array(15));
  const cut = pngFile([pngChunk('IHDR', h), pngChunk('IDAT', z.subarray(0, z.length - 3)), pngChunk('IEND', new Uint8Array(0))]);
  assertPngError(() => decodePng(cut), /corrupt image data|decompresses to/, 'cut stream');
  // An interlaced image whose stream holds the plain (non-interlaced) amount of data.
  assertPngError(() => decodePng(buildPng(ihdr(4, 3, 8, 0, 1), new Uint8Array(15))), /interlaced image needs exactly 18/, 'interlace size');
});

test('fuzz: random corruption never crashes or hangs, only png: errors', () => {
  const rng = prng(2024);
  const seeds = ['c0_d1_i_11x9.png', 'c2_d16_trns_i_3x2.png', 'c3_d2_trns_11x9.png', 'c6_d8_i_11x9.png', 'pil_rgba.png'].map(fixture);
  let decoded = 0, refused = 0;
  for (let iter = 0; iter < 3000; iter++) {
    const src = seeds[iter % seeds.length];
    const png = src.slice();
    const edits = 1 + Math.floor(rng() * 4);
    for (let k = 0; k < edits; k++) png[Math.floor(rng() * png.length)] = Math.floor(rng() * 256);
    // Half the time, fix the CRCs so that the mutation reaches the parsers behind the CRC check.
    if (iter % 2 === 0) {
      const v = new DataView(png.buffer);
      for (let p = 8; p + 12 <= png.length;) {
        const len = v.getUint32(p);
        if (p + 12 + len > png.length) break;
        v.setUint32(p + 8 + len, crc32(png, p + 4, p + 8 + len));
        p += 12 + len;
      }
    }
    try {
      const img = decodePng(png);
      assert.equal(img.data.length, img.width * img.height * img.channels);
      decoded++;
    } catch (e) {
      assert.ok(e instanceof Error && e.message.startsWith('png: '), `iteration ${iter}: ${String(e)}`);
      refused++;
    }
  }
  assert.ok(refused > 1000 && decoded > 0, `refused ${refused}, decoded ${decoded}`);
});

test('non-Uint8Array input is a TypeError', () => {
  assert.throws(() => decodePng('abc' as unknown as Uint8Array), (e: Error) => e instanceof TypeError && /^png: /.test(e.message));
  // A Node Buffer is a Uint8Array and is accepted.
  assert.equal(decodePng(Buffer.from(fixture('c0_d8_11x9.png'))).width, 11);
});
