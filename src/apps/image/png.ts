/**
 * PNG decoding and encoding (Node only: the zlib stream inside a PNG is inflated with node:zlib).
 *
 * decodePng reads every standard PNG: colour types 0 (grey), 2 (RGB), 3 (palette, with tRNS transparency), 4 (grey +
 * alpha) and 6 (RGBA); every bit depth the specification allows for each (1, 2, 4, 8, 16); all five row filters; Adam7
 * interlacing. The result always has 8 bits per channel: 16-bit samples are rounded to 8 bits, 1/2/4-bit grey is
 * scaled up to the full 0-255 range, palettes are expanded to RGB, and a tRNS chunk adds an alpha channel.
 *
 * The input is treated as untrusted: the signature, every chunk's length and CRC, the IHDR fields, chunk order, palette
 * indices, filter types and the exact size of the decompressed data are all checked, and images larger than
 * `maxSide` per side or `maxPixels` in all are refused before anything is allocated for them. Every failure is an Error
 * whose message starts with "png: ".
 *
 * encodePng writes 8-bit grey, grey+alpha, RGB or RGBA images (filter type 0 on every row, zlib deflate).
 */
import { constants as zlibConstants, deflateSync, inflateSync } from 'node:zlib';
import { checkRaster, type RasterImage } from '../../data/image/raster.js';

export type { RasterImage } from '../../data/image/raster.js';

/** Default limits: at most 16384 pixels per side and 2^26 (67 million) pixels in all. */
export const PNG_MAX_SIDE = 1 << 14;
export const PNG_MAX_PIXELS = 1 << 26;

export interface DecodePngOptions {
  /** Largest width or height accepted (default 16384). */
  maxSide?: number;
  /** Largest width * height accepted (default 2^26). */
  maxPixels?: number;
}

/** The header fields of a PNG (from its IHDR chunk). */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const COLOR_NAMES: Record<number, string> = { 0: 'greyscale', 2: 'RGB', 3: 'palette', 4: 'greyscale+alpha', 6: 'RGBA' };
const ALLOWED_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: [x0, y0, dx, dy]. */
const ADAM7: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

class PngError extends Error {
  constructor(message: string) {
    super(`png: ${message}`);
    this.name = 'PngError';
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// CRC-32 (ISO 3309 / ITU-T V.42, the one PNG and zlib's crc32 use)

let crcTable: Uint32Array | null = null;

function getCrcTable(): Uint32Array {
  if (crcTable) return crcTable;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  crcTable = t;
  return t;
}

/** CRC-32 of bytes[start, end), as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = getCrcTable();
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function readU32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

function writeU32(b: Uint8Array, p: number, v: number): void {
  b[p] = (v >>> 24) & 0xff;
  b[p + 1] = (v >>> 16) & 0xff;
  b[p + 2] = (v >>> 8) & 0xff;
  b[p + 3] = v & 0xff;
}

function chunkTypeName(b: Uint8Array, p: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = b[p + i];
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

// ---------------------------------------------------------------------------------------------------------------------
// Decoding

function parseHeader(d: Uint8Array, opts: Required<DecodePngOptions>): PngHeader {
  if (d.length !== 13) throw new PngError(`IHDR chunk must be 13 bytes long, got ${d.length}`);
  const width = readU32(d, 0);
  const height = readU32(d, 4);
  const bitDepth = d[8];
  const colorType = d[9];
  const compression = d[10];
  const filter = d[11];
  const interlace = d[12];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new PngError(`invalid image size ${width}x${height} in IHDR (each side must be 1 to 2^31-1)`);
  }
  if (width > opts.maxSide || height > opts.maxSide) {
    throw new PngError(`image is ${width}x${height}, larger than the ${opts.maxSide} pixels per side this decoder accepts`);
  }
  if (width * height > opts.maxPixels) {
    throw new PngError(`image is ${width}x${height} = ${width * height} pixels, more than the ${opts.maxPixels} this decoder accepts`);
  }
  const allowed = ALLOWED_DEPTHS[colorType];
  if (!allowed) throw new PngError(`invalid colour type ${colorType} in IHDR (must be 0, 2, 3, 4 or 6)`);
  if (!allowed.includes(bitDepth)) {
    throw new PngError(`bit depth ${bitDepth} is not allowed for colour type ${colorType} (${COLOR_NAMES[colorType]}); allowed: ${allowed.join(', ')}`);
  }
  if (compression !== 0) throw new PngError(`unknown compression method ${compression} in IHDR (must be 0)`);
  if (filter !== 0) throw new PngError(`unknown filter method ${filter} in IHDR (must be 0)`);
  if (interlace > 1) throw new PngError(`unknown interlace method ${interlace} in IHDR (must be 0 or 1)`);
  return { width, height, bitDepth, colorType, interlace };
}

/** The sub-images stored in the data stream: one for a plain image, up to seven (some may be empty) for Adam7. */
function passesOf(h: PngHeader): Array<{ x0: number; y0: number; dx: number; dy: number; w: number; hgt: number }> {
  const list = h.interlace === 1 ? ADAM7 : [[0, 0, 1, 1] as const];
  return list.map(([x0, y0, dx, dy]) => ({
    x0, y0, dx, dy,
    w: h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0,
    hgt: h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0,
  }));
}

function inflate(data: Uint8Array, expected: number, h: PngHeader): Uint8Array {
  let out: Uint8Array;
  try {
    // One byte of slack so that a stream holding too much data is seen as such rather than silently cut.
    out = inflateSync(data, { maxOutputLength: expected + 1 });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PngError(`image data decompresses to more than the ${expected} bytes a ${h.width}x${h.height} image needs`);
    }
    throw new PngError(`corrupt image data (zlib: ${err.message ?? String(e)})`);
  }
  if (out.length !== expected) {
    const got = out.length > expected ? `more than ${expected}` : String(out.length);
    throw new PngError(
      `image data decompresses to ${got} bytes, but a ${h.width}x${h.height} ${h.bitDepth}-bit ${COLOR_NAMES[h.colorType]}` +
      `${h.interlace ? ' interlaced' : ''} image needs exactly ${expected}`,
    );
  }
  return out;
}

/** Undoes the row filters of one (sub-)image in place. `raw` holds rows of 1 filter byte + `rowBytes` data bytes. */
function unfilter(raw: Uint8Array, start: number, rows: number, rowBytes: number, bpp: number): void {
  const stride = rowBytes + 1;
  for (let y = 0; y < rows; y++) {
    const f = raw[start + y * stride];
    const p = start + y * stride + 1; // first data byte of this row
    const q = p - stride; // first data byte of the previous row (only read when y > 0)
    const hasPrev = y > 0;
    switch (f) {
      case 0:
        break;
      case 1: // Sub
        for (let i = bpp; i < rowBytes; i++) raw[p + i] = (raw[p + i] + raw[p + i - bpp]) & 0xff;
        break;
      case 2: // Up
        if (hasPrev) for (let i = 0; i < rowBytes; i++) raw[p + i] = (raw[p + i] + raw[q + i]) & 0xff;
        break;
      case 3: // Average
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? raw[p + i - bpp] : 0;
          const b = hasPrev ? raw[q + i] : 0;
          raw[p + i] = (raw[p + i] + ((a + b) >> 1)) & 0xff;
        }
        break;
      case 4: // Paeth
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? raw[p + i - bpp] : 0;
          const b = hasPrev ? raw[q + i] : 0;
          const c = hasPrev && i >= bpp ? raw[q + i - bpp] : 0;
          const est = a + b - c;
          const pa = Math.abs(est - a);
          const pb = Math.abs(est - b);
          const pc = Math.abs(est - c);
          const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          raw[p + i] = (raw[p + i] + pred) & 0xff;
        }
        break;
      default:
        throw new PngError(`invalid filter type ${f} on row ${y} of the image data (must be 0 to 4)`);
    }
  }
}

interface Transparency {
  /** Grey (type 0) or R,G,B (type 2) key at the file's bit depth. */
  key?: number[];
  /** Alpha per palette entry (type 3). */
  paletteAlpha?: Uint8Array;
}

/**
 * Decodes a PNG file. Throws an Error starting with "png: " for anything that is not a valid PNG within the limits.
 */
export function decodePng(bytes: Uint8Array, options: DecodePngOptions = {}): RasterImage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('png: expected the file contents as a Uint8Array (or Buffer)');
  const opts: Required<DecodePngOptions> = {
    maxSide: options.maxSide ?? PNG_MAX_SIDE,
    maxPixels: options.maxPixels ?? PNG_MAX_PIXELS,
  };
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v)) {
    throw new PngError('not a PNG file (bad signature)');
  }

  let header: PngHeader | null = null;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  // The IDAT data, gathered into one buffer as the chunks come (at most the file's size, however many chunks).
  let idat: Uint8Array | null = null;
  let idatChunks = 0;
  let idatTotal = 0;
  let idatEnded = false; // a non-IDAT chunk followed the IDAT run
  let sawEnd = false;
  let pos = 8;
  while (!sawEnd) {
    if (pos + 8 > bytes.length) {
      throw new PngError(pos === bytes.length ? 'file ends without an IEND chunk (truncated?)' : `file truncated inside a chunk header at byte ${pos}`);
    }
    const start = pos;
    const len = readU32(bytes, pos);
    const name = chunkTypeName(bytes, pos + 4);
    if (len > 0x7fffffff) throw new PngError(`chunk '${name}' at byte ${pos} has an invalid length ${len}`);
    for (let i = 0; i < 4; i++) {
      if (!isLetter(bytes[pos + 4 + i])) throw new PngError(`invalid chunk type '${name}' at byte ${pos}`);
    }
    if (pos + 12 + len > bytes.length) {
      throw new PngError(`chunk '${name}' at byte ${pos} claims ${len} data bytes but the file ends first (truncated?)`);
    }
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    const stored = readU32(bytes, pos + 8 + len);
    if (crc32(bytes, pos + 4, pos + 8 + len) !== stored) throw new PngError(`CRC mismatch in chunk '${name}' at byte ${pos} (file corrupted)`);
    pos += 12 + len;

    if (header === null && name !== 'IHDR') throw new PngError(`first chunk must be IHDR, found '${name}'`);
    if (name !== 'IDAT' && idatChunks > 0) idatEnded = true;
    switch (name) {
      case 'IHDR':
        if (header !== null) throw new PngError('more than one IHDR chunk');
        header = parseHeader(data, opts);
        break;
      case 'PLTE': {
        const h = header!;
        if (palette) throw new PngError('more than one PLTE chunk');
        if (idatChunks > 0) throw new PngError('PLTE chunk after image data');
        if (trns) throw new PngError('PLTE chunk after tRNS');
        if (h.colorType === 0 || h.colorType === 4) throw new PngError(`PLTE chunk is not allowed in a ${COLOR_NAMES[h.colorType]} image`);
        if (len === 0 || len % 3 !== 0 || len > 768) throw new PngError(`PLTE chunk length ${len} is invalid (must be 3 to 768, a multiple of 3)`);
        if (h.colorType === 3 && len / 3 > 1 << h.bitDepth) {
          throw new PngError(`PLTE has ${len / 3} entries, more than a ${h.bitDepth}-bit palette image can index`);
        }
        palette = data;
        break;
      }
      case 'tRNS': {
        const h = header!;
        if (trns) throw new PngError('more than one tRNS chunk');
        if (idatChunks > 0) throw new PngError('tRNS chunk after image data');
        if (h.colorType === 4 || h.colorType === 6) throw new PngError(`tRNS chunk is not allowed in a ${COLOR_NAMES[h.colorType]} image (it already has alpha)`);
        if (h.colorType === 0 && len !== 2) throw new PngError(`tRNS chunk of a greyscale image must be 2 bytes, got ${len}`);
        if (h.colorType === 2 && len !== 6) throw new PngError(`tRNS chunk of an RGB image must be 6 bytes, got ${len}`);
        if (h.colorType === 3) {
          if (!palette) throw new PngError('tRNS chunk before PLTE in a palette image');
          if (len > palette.length / 3) throw new PngError(`tRNS has ${len} entries but the palette only ${palette.length / 3}`);
        }
        trns = data;
        break;
      }
      case 'IDAT':
        if (idatEnded) throw new PngError('IDAT chunks are not consecutive');
        idatChunks++;
        if (len > 0) {
          idat ??= new Uint8Array(bytes.length - pos + len);
          idat.set(data, idatTotal);
          idatTotal += len;
        }
        break;
      case 'IEND':
        if (len !== 0) throw new PngError(`IEND chunk must be empty, has ${len} bytes`);
        sawEnd = true;
        break;
      default:
        // Ancillary chunks (lower-case first letter) may be skipped; unknown critical ones may not.
        if (!(bytes[start + 4] & 0x20)) throw new PngError(`unsupported critical chunk '${name}'`);
    }
  }
  const h = header!;
  if (idatChunks === 0) throw new PngError('no IDAT chunk (the file holds no image data)');
  if (h.colorType === 3 && !palette) throw new PngError('palette image has no PLTE chunk');

  const spp = SAMPLES_PER_PIXEL[h.colorType];
  const bitsPerPixel = spp * h.bitDepth;
  const bpp = Math.max(1, bitsPerPixel >> 3); // filter byte distance
  const passes = passesOf(h);
  let expected = 0;
  for (const ps of passes) if (ps.w > 0 && ps.hgt > 0) expected += ps.hgt * (1 + Math.ceil((ps.w * bitsPerPixel) / 8));

  const compressed = idat ? idat.subarray(0, idatTotal) : new Uint8Array(0);
  const raw = inflate(compressed, expected, h);

  // Transparency information, at the file's bit depth.
  const tr: Transparency = {};
  if (trns) {
    if (h.colorType === 0) tr.key = [(trns[0] << 8) | trns[1]];
    else if (h.colorType === 2) tr.key = [(trns[0] << 8) | trns[1], (trns[2] << 8) | trns[3], (trns[4] << 8) | trns[5]];
    else if (h.colorType === 3) {
      tr.paletteAlpha = new Uint8Array(palette!.length / 3).fill(255);
      tr.paletteAlpha.set(trns);
    }
  }
  const outChannels = (h.colorType === 0 ? 1 : h.colorType === 4 ? 2 : h.colorType === 6 ? 4 : 3) + (trns ? 1 : 0);
  const out = new Uint8Array(h.width * h.height * outChannels);

  // Conversion of one raw sample to 8 bits (grey and colour samples; palette indices are looked up instead).
  const maxv = (1 << h.bitDepth) - 1;
  const scale = h.bitDepth < 8 ? new Uint8Array(maxv + 1).map((_, v) => Math.round((v * 255) / maxv)) : null;
  const to8 = (v: number): number => (h.bitDepth === 16 ? ((v * 255 + 32767) / 65535) | 0 : h.bitDepth === 8 ? v : scale![v]);
  const nPalette = palette ? palette.length / 3 : 0;

  let offset = 0;
  for (const ps of passes) {
    if (ps.w === 0 || ps.hgt === 0) continue;
    const rowBytes = Math.ceil((ps.w * bitsPerPixel) / 8);
    unfilter(raw, offset, ps.hgt, rowBytes, bpp);
    const samples = new Uint16Array(ps.w * spp);
    for (let y = 0; y < ps.hgt; y++) {
      const p = offset + y * (rowBytes + 1) + 1;
      // Unpack the row's samples at the file's bit depth.
      if (h.bitDepth === 8) for (let i = 0; i < samples.length; i++) samples[i] = raw[p + i];
      else if (h.bitDepth === 16) for (let i = 0; i < samples.length; i++) samples[i] = (raw[p + 2 * i] << 8) | raw[p + 2 * i + 1];
      else {
        const d = h.bitDepth;
        for (let i = 0; i < samples.length; i++) {
          const bit = i * d;
          samples[i] = (raw[p + (bit >> 3)] >> (8 - d - (bit & 7))) & maxv;
        }
      }
      const oy = ps.y0 + y * ps.dy;
      for (let x = 0; x < ps.w; x++) {
        const o = ((oy * h.width) + ps.x0 + x * ps.dx) * outChannels;
        const s = x * spp;
        switch (h.colorType) {
          case 0: {
            const v = samples[s];
            out[o] = to8(v);
            if (tr.key) out[o + 1] = v === tr.key[0] ? 0 : 255;
            break;
          }
          case 2: {
            const r = samples[s], g = samples[s + 1], b = samples[s + 2];
            out[o] = to8(r);
            out[o + 1] = to8(g);
            out[o + 2] = to8(b);
            if (tr.key) out[o + 3] = r === tr.key[0] && g === tr.key[1] && b === tr.key[2] ? 0 : 255;
            break;
          }
          case 3: {
            const idx = samples[s];
            if (idx >= nPalette) throw new PngError(`palette index ${idx} out of range (the palette has ${nPalette} entries)`);
            out[o] = palette![3 * idx];
            out[o + 1] = palette![3 * idx + 1];
            out[o + 2] = palette![3 * idx + 2];
            if (tr.paletteAlpha) out[o + 3] = tr.paletteAlpha[idx];
            break;
          }
          case 4:
            out[o] = to8(samples[s]);
            out[o + 1] = to8(samples[s + 1]);
            break;
          default: // 6
            out[o] = to8(samples[s]);
            out[o + 1] = to8(samples[s + 1]);
            out[o + 2] = to8(samples[s + 2]);
            out[o + 3] = to8(samples[s + 3]);
        }
      }
    }
    offset += ps.hgt * (rowBytes + 1);
  }
  return { width: h.width, height: h.height, channels: outChannels as 1 | 2 | 3 | 4, data: out };
}

/** Reads only the IHDR of a PNG (checking the signature and the IHDR's CRC and fields). */
export function readPngHeader(bytes: Uint8Array, options: DecodePngOptions = {}): PngHeader {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('png: expected the file contents as a Uint8Array (or Buffer)');
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v)) throw new PngError('not a PNG file (bad signature)');
  if (bytes.length < 33) throw new PngError('file truncated before the end of the IHDR chunk');
  const name = chunkTypeName(bytes, 12);
  if (name !== 'IHDR') throw new PngError(`first chunk must be IHDR, found '${name}'`);
  if (readU32(bytes, 8) !== 13) throw new PngError(`IHDR chunk must be 13 bytes long, got ${readU32(bytes, 8)}`);
  if (crc32(bytes, 12, 29) !== readU32(bytes, 29)) throw new PngError("CRC mismatch in chunk 'IHDR' at byte 8 (file corrupted)");
  return parseHeader(bytes.subarray(16, 29), {
    maxSide: options.maxSide ?? PNG_MAX_SIDE,
    maxPixels: options.maxPixels ?? PNG_MAX_PIXELS,
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Encoding

/** Builds one chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  if (type.length !== 4) throw new RangeError(`png: chunk type must be 4 letters, got '${type}'`);
  const c = new Uint8Array(12 + data.length);
  writeU32(c, 0, data.length);
  for (let i = 0; i < 4; i++) c[4 + i] = type.charCodeAt(i);
  c.set(data, 8);
  writeU32(c, 8 + data.length, crc32(c, 4, 8 + data.length));
  return c;
}

/** Concatenates the PNG signature and the given chunks into a file. */
export function pngFile(chunks: Uint8Array[]): Uint8Array {
  const total = 8 + chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  out.set(SIGNATURE, 0);
  let o = 8;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Encodes an 8-bit image as a PNG (colour type 0, 4, 2 or 6 for 1, 2, 3 or 4 channels; not interlaced; filter type 0
 * on every row; zlib deflate at the default level).
 */
export function encodePng(image: RasterImage): Uint8Array {
  checkRaster('encodePng', image);
  const { width, height, channels, data } = image;
  if (width > 0x7fffffff || height > 0x7fffffff) throw new RangeError(`encodePng: image ${width}x${height} is too large for PNG`);
  const colorType = channels === 1 ? 0 : channels === 2 ? 4 : channels === 3 ? 2 : 6;
  const ihdr = new Uint8Array(13);
  writeU32(ihdr, 0, width);
  writeU32(ihdr, 4, height);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  // compression 0, filter method 0, no interlace
  const rowBytes = width * channels;
  const raw = new Uint8Array(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (rowBytes + 1)] = 0;
    raw.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  const z = deflateSync(raw, { level: zlibConstants.Z_DEFAULT_COMPRESSION });
  return pngFile([pngChunk('IHDR', ihdr), pngChunk('IDAT', z), pngChunk('IEND', new Uint8Array(0))]);
}
