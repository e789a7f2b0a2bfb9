/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian u64 header length N,
 * N bytes of UTF-8 JSON `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`, then
 * the byte buffer (offsets relative to its start, little-endian, row-major).
 *
 * encodeSafetensors / decodeSafetensors are pure (no Node APIs) and work in browsers. Decoding treats the bytes as
 * hostile: every inconsistency is an Error whose message starts with "safetensors:", nothing is allocated beyond
 * what the input's own size justifies, and the checks are those of the reference reader (the tensors must cover
 * the buffer exactly, contiguously, without gaps or overlaps).
 *
 * The file helpers (saveSafetensors, loadSafetensors) are in safetensors-file.ts, for Node.
 */
import { getBackend } from '../backend/backend.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';

/** The dtype names of the format (those Myelin can read). */
export type SafetensorsDType =
  | 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

/** The reference implementation's cap on the header length (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;
/** Default cap on the size of a file that loadSafetensors reads (2 GiB). */
export const DEFAULT_MAX_FILE_BYTES = 2 ** 31;

interface DTypeInfo {
  /** Bytes per element. */
  size: number;
  /** The Myelin dtype it is read into. */
  into: DType;
  /** Position in the reference's dtype order (writers lay out higher ranks first, which keeps data aligned). */
  rank: number;
}

const DTYPE_INFO: Record<SafetensorsDType, DTypeInfo> = {
  BOOL: { size: 1, into: 'bool', rank: 0 },
  U8: { size: 1, into: 'int32', rank: 1 },
  I8: { size: 1, into: 'int32', rank: 2 },
  I16: { size: 2, into: 'int32', rank: 5 },
  U16: { size: 2, into: 'int32', rank: 6 },
  F16: { size: 2, into: 'float32', rank: 7 },
  BF16: { size: 2, into: 'float32', rank: 8 },
  I32: { size: 4, into: 'int32', rank: 9 },
  U32: { size: 4, into: 'int32', rank: 10 },
  F32: { size: 4, into: 'float32', rank: 11 },
  F64: { size: 8, into: 'float64', rank: 12 },
  I64: { size: 8, into: 'int32', rank: 13 },
  U64: { size: 8, into: 'int32', rank: 14 },
};
const KNOWN_UNSUPPORTED = ['F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64'];

const WRITE_DTYPE: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A validated header entry. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** [begin, end) in bytes, relative to the start of the data buffer. */
  dataOffsets: [number, number];
}

/** The validated header of a safetensors file. */
export interface SafetensorsHeader {
  /** Tensor entries in the order of their data. */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data buffer in the file (8 + header length). */
  dataStart: number;
}

export interface DecodeOptions {
  /** Largest header length accepted, in bytes (default and maximum sensible value: 100 MB, as the reference). */
  maxHeaderBytes?: number;
}

export interface LoadOptions extends DecodeOptions {
  /** Files larger than this many bytes are refused before anything is read (default 2 GiB). */
  maxFileBytes?: number;
}

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Throws the Error every safetensors problem is reported with. */
export function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

/**
 * A short printable form (JSON-like, at most 80 characters) of a possibly huge or deeply nested hostile value. It
 * stops walking as soon as the budget is spent, so its cost and recursion depth are bounded whatever the value.
 */
function show(value: unknown): string {
  const LIMIT = 80;
  let out = '';
  const emit = (s: string): boolean => {
    out += s;
    return out.length <= LIMIT;
  };
  const walk = (v: unknown): boolean => {
    if (typeof v === 'string') return emit(JSON.stringify(v.length > LIMIT ? v.slice(0, LIMIT) : v));
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return emit(JSON.stringify(v));
    if (Array.isArray(v)) {
      if (!emit('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !emit(',')) || !walk(v[i])) return false;
      return emit(']');
    }
    if (typeof v === 'object') {
      if (!emit('{')) return false;
      let first = true;
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        if ((!first && !emit(',')) || !walk(k) || !emit(':') || !walk((v as Record<string, unknown>)[k])) return false;
        first = false;
      }
      return emit('}');
    }
    return emit(String(v));
  };
  walk(value);
  return out.length > LIMIT ? `${out.slice(0, LIMIT - 3)}...` : out;
}

function quote(name: string): string {
  return show(name.length > 80 ? name.slice(0, 80) : name);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sets an own enumerable property, also for names such as "__proto__". */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const utf8Encoder = new TextEncoder();

/** Orders strings by their UTF-8 bytes (as the reference, written in Rust, does). */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const ea = utf8Encoder.encode(a);
  const eb = utf8Encoder.encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) if (ea[i] !== eb[i]) return ea[i] - eb[i];
  return ea.length - eb.length;
}

// ---------------------------------------------------------------- writing

function bytesOf(arr: TypedArray, itemSize: number): Uint8Array {
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  if (!LITTLE_ENDIAN && itemSize > 1) swapBytes(bytes, itemSize);
  return bytes;
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let i = 0; i + itemSize <= bytes.length; i += itemSize) {
    for (let a = i, b = i + itemSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

function checkMetadataForWrite(metadata: unknown): [string, string][] {
  if (metadata === undefined || metadata === null) return [];
  if (!isPlainObject(metadata)) fail(`metadata must be an object of strings, got ${show(metadata)}`);
  const entries = Object.keys(metadata).map((k): [string, string] => {
    const v = metadata[k];
    if (typeof v !== 'string') fail(`metadata value for key ${quote(k)} must be a string, got ${typeof v}`);
    if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) fail(`metadata key or value ${quote(k)} is not valid Unicode (lone surrogate)`);
    return [k, v];
  });
  return entries.sort((a, b) => compareUtf8(a[0], b[0]));
}

/**
 * Serialises tensors (float32 -> F32, float64 -> F64, int32 -> I32, bool -> BOOL) and string metadata to the
 * safetensors format. Layout as the reference writer: tensors ordered by dtype (widest first, which keeps every
 * tensor's data aligned) then by name, contiguous; header padded with spaces to a multiple of 8 bytes.
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (!isPlainObject(tensors)) fail(`tensors must be an object mapping names to Tensors, got ${show(tensors)}`);
  const meta = checkMetadataForWrite(metadata);
  const items = Object.keys(tensors).map((name) => {
    const t = tensors[name];
    if (!(t instanceof Tensor)) fail(`value for ${quote(name)} is not a Tensor (got ${t === null ? 'null' : typeof t})`);
    if (name === '__metadata__') fail('"__metadata__" is reserved for the metadata and cannot name a tensor');
    if (LONE_SURROGATE.test(name)) fail(`tensor name ${quote(name)} is not valid Unicode (lone surrogate)`);
    const dtype = WRITE_DTYPE[t.dtype];
    if (!dtype) fail(`tensor ${quote(name)} has dtype ${String(t.dtype)}, which cannot be written`);
    return { name, tensor: t, dtype };
  });
  items.sort((a, b) => DTYPE_INFO[b.dtype].rank - DTYPE_INFO[a.dtype].rank || compareUtf8(a.name, b.name));

  const parts: string[] = [];
  if (meta.length > 0) {
    parts.push(`"__metadata__":{${meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }
  const datas: Uint8Array[] = [];
  let offset = 0;
  for (const { name, tensor, dtype } of items) {
    const data = bytesOf(tensor.data(), DTYPE_INFO[dtype].size);
    const begin = offset;
    offset += data.length;
    datas.push(data);
    // Built by hand so the key order is exactly the data order (a JS object would move integer-like names first).
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":[${tensor.shape.join(',')}],"data_offsets":[${begin},${offset}]}`);
  }
  const json = utf8Encoder.encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLen % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLen / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const d of datas) {
    out.set(d, pos);
    pos += d.length;
  }
  return out;
}

// ---------------------------------------------------------------- reading

function checkIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseEntry(name: string, raw: unknown, bufferLen: number): SafetensorsEntry {
  const what = `tensor ${quote(name)}`;
  if (!isPlainObject(raw)) fail(`${what}: header entry must be an object with dtype, shape and data_offsets, got ${show(raw)}`);
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!Object.prototype.hasOwnProperty.call(raw, field)) fail(`${what}: header entry is missing "${field}"`);
  }
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string') fail(`${what}: dtype must be a string, got ${show(dtype)}`);
  if (!Object.prototype.hasOwnProperty.call(DTYPE_INFO, dtype)) {
    const kind = KNOWN_UNSUPPORTED.includes(dtype) ? 'unsupported' : 'unknown';
    fail(`${what}: ${kind} dtype ${show(dtype)} (Myelin reads ${Object.keys(DTYPE_INFO).join(', ')})`);
  }
  const info = DTYPE_INFO[dtype as SafetensorsDType];
  if (!Array.isArray(shape) || !shape.every(checkIndex)) {
    fail(`${what}: shape must be a list of non-negative integers, got ${show(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !checkIndex(offsets[0]) || !checkIndex(offsets[1])) {
    fail(`${what}: data_offsets must be two non-negative integers [begin, end], got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${what}: data_offsets [${begin}, ${end}] has begin > end`);
  if (end > bufferLen) fail(`${what}: data_offsets [${begin}, ${end}] lie outside the ${bufferLen}-byte data buffer`);
  // Element count, compared with the byte range as it grows so nothing overflows or is allocated for absurd shapes.
  const byteLen = end - begin;
  const dims = (shape as number[]).map((d) => d + 0); // + 0 turns -0 into 0
  let fits = true;
  if (!dims.includes(0)) {
    let count = 1;
    for (const d of dims) {
      count *= d;
      if (count * info.size > byteLen) {
        fits = false;
        break;
      }
    }
    if (fits && count * info.size !== byteLen) fits = false;
  } else if (byteLen !== 0) {
    fits = false;
  }
  if (!fits) {
    fail(`${what}: shape ${show(dims)} of ${dtype} (${info.size} bytes per element) does not match its ${byteLen}-byte data range [${begin}, ${end}]`);
  }
  return { name, dtype: dtype as SafetensorsDType, shape: dims, dataOffsets: [begin, end] };
}

/** serde_json's nesting limit: the reference rejects JSON nested deeper than this (even inside ignored fields). */
export const MAX_JSON_DEPTH = 127;

const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * What the reference's JSON parser (serde_json) refuses but JSON.parse would accept: nesting deeper than
 * MAX_JSON_DEPTH and string escapes that make a lone UTF-16 surrogate (names like that could not even be written
 * back). One linear pass over the text, before JSON.parse, so nothing later meets a deeply nested value.
 */
function checkHeaderText(text: string): void {
  let depth = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i++);
    if (c === 0x22) {
      // inside a string: skip to the closing quote, checking \u escapes
      while (i < n) {
        const d = text.charCodeAt(i++);
        if (d === 0x22) break;
        if (d !== 0x5c) continue;
        if (text.charCodeAt(i) !== 0x75) {
          i++;
          continue;
        }
        const hex = text.slice(i + 1, i + 5);
        if (!HEX4.test(hex)) continue; // malformed: JSON.parse reports it
        const u = parseInt(hex, 16);
        i += 5;
        if (u >= 0xdc00 && u <= 0xdfff) fail(`header is not valid JSON (lone trailing surrogate \\u${hex} in a string)`);
        if (u >= 0xd800 && u <= 0xdbff) {
          const next = text.slice(i + 2, i + 6);
          const low = text.charCodeAt(i) === 0x5c && text.charCodeAt(i + 1) === 0x75 && HEX4.test(next) ? parseInt(next, 16) : -1;
          if (low < 0xdc00 || low > 0xdfff) fail(`header is not valid JSON (lone leading surrogate \\u${hex} in a string)`);
          i += 6;
        }
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) fail(`header JSON is nested more than ${MAX_JSON_DEPTH} levels deep (the reference parser's limit)`);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

/**
 * Parses and validates the header of a safetensors file held in `bytes` (the whole file: the checks need the
 * data buffer's length). Throws "safetensors: ..." errors for anything malformed.
 */
export function readSafetensorsHeader(bytes: Uint8Array, options: DecodeOptions = {}): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) fail(`expected the file's bytes as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  const cap = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes long, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo; // approximate above 2^53, which is far beyond every limit below anyway
  if (n > cap) fail(`header length ${hi > 0 ? ((BigInt(hi) << 32n) | BigInt(lo)).toString() : n} exceeds the limit of ${cap} bytes`);
  if (n > bytes.length - 8) fail(`header length ${n} is larger than the ${bytes.length - 8} bytes that follow it`);

  let text: string;
  let headerBytes = bytes.subarray(8, 8 + n);
  // Browsers' TextDecoder refuses views of shared memory; decode a private copy then.
  if (typeof SharedArrayBuffer !== 'undefined' && headerBytes.buffer instanceof SharedArrayBuffer) headerBytes = new Uint8Array(headerBytes);
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    fail('header is not valid UTF-8');
  }
  checkHeaderText(text);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${e instanceof Error ? e.message.slice(0, 120) : 'parse error'})`);
  }
  if (!isPlainObject(header)) fail(`header must be a JSON object, got ${Array.isArray(header) ? 'an array' : show(header)}`);

  const bufferLen = bytes.length - 8 - n;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const key of Object.keys(header)) {
    const value = header[key];
    if (key === '__metadata__') {
      if (value === null) continue;
      if (!isPlainObject(value)) fail(`__metadata__ must be an object of strings, got ${show(value)}`);
      for (const mk of Object.keys(value)) {
        const mv = value[mk];
        if (typeof mv !== 'string') fail(`__metadata__ value for key ${quote(mk)} must be a string, got ${show(mv)}`);
        setOwn(metadata, mk, mv);
      }
      continue;
    }
    entries.push(parseEntry(key, value, bufferLen));
  }

  // The data must be covered exactly: sorted by offsets, each tensor starts where the previous one ended.
  entries.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let pos = 0;
  let prev: SafetensorsEntry | null = null;
  for (const e of entries) {
    const [begin, end] = e.dataOffsets;
    if (begin < pos) {
      fail(`tensor ${quote(e.name)} [${begin}, ${end}] overlaps tensor ${quote(prev!.name)} [${prev!.dataOffsets[0]}, ${prev!.dataOffsets[1]}]`);
    }
    if (begin > pos) fail(`bytes [${pos}, ${begin}) of the data buffer belong to no tensor (gap before tensor ${quote(e.name)})`);
    pos = end;
    prev = e;
  }
  if (pos !== bufferLen) fail(`bytes [${pos}, ${bufferLen}) at the end of the data buffer belong to no tensor`);
  return { entries, metadata, dataStart: 8 + n };
}

/**
 * The bytes [begin, end) as a fresh, aligned, little-endian-corrected copy that a typed array can view. Always a real
 * copy: the data may start at any byte offset (the reference accepts headers of any length, so tensor data need not
 * be aligned), and `bytes` may be a Node Buffer, whose slice() would share (and, unaligned, not fit) its memory.
 */
function aligned(bytes: Uint8Array, begin: number, end: number, itemSize: number): ArrayBuffer {
  const copy = new Uint8Array(end - begin);
  copy.set(bytes.subarray(begin, end));
  if (!LITTLE_ENDIAN && itemSize > 1) swapBytes(copy, itemSize);
  return copy.buffer;
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function halfToFloat(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) {
    const v = mant * 2 ** -24; // zero or subnormal, exact in float32
    return sign ? -v : v;
  }
  u32Scratch[0] = exp === 0x1f ? (sign | 0x7f800000 | (mant << 13)) >>> 0 : (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  return f32Scratch[0];
}

function convert(entry: SafetensorsEntry, bytes: Uint8Array, dataStart: number): TypedArray {
  const info = DTYPE_INFO[entry.dtype];
  const begin = dataStart + entry.dataOffsets[0];
  const end = dataStart + entry.dataOffsets[1];
  const n = (end - begin) / info.size;
  const buf = aligned(bytes, begin, end, info.size);
  switch (entry.dtype) {
    case 'F32': return new Float32Array(buf);
    case 'F64': return new Float64Array(buf);
    case 'I32': return new Int32Array(buf);
    case 'BOOL': {
      const out = new Uint8Array(buf);
      for (let i = 0; i < n; i++) if (out[i] !== 0) out[i] = 1;
      return out;
    }
    case 'U8': return Int32Array.from(new Uint8Array(buf));
    case 'I8': return Int32Array.from(new Int8Array(buf));
    case 'I16': return Int32Array.from(new Int16Array(buf));
    case 'U16': return Int32Array.from(new Uint16Array(buf));
    case 'F16': {
      const src = new Uint16Array(buf);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(src[i]);
      return out;
    }
    case 'BF16': {
      const src = new Uint16Array(buf);
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'U32': {
      const src = new Uint32Array(buf);
      for (let i = 0; i < n; i++) if (src[i] > 0x7fffffff) outOfRange(entry, i, BigInt(src[i]));
      return new Int32Array(buf);
    }
    case 'I64':
    case 'U64': {
      // little-endian words: the value fits in int32 when the high word is the sign extension of the low one
      const words = new Int32Array(buf);
      const out = new Int32Array(n);
      const signed = entry.dtype === 'I64';
      for (let i = 0; i < n; i++) {
        const low = words[2 * i];
        const high = words[2 * i + 1];
        if (high !== (signed ? low >> 31 : 0) || (!signed && low < 0)) {
          const big = (BigInt(high) << 32n) | BigInt(low >>> 0);
          outOfRange(entry, i, signed ? BigInt.asIntN(64, big) : BigInt.asUintN(64, big));
        }
        out[i] = low;
      }
      return out;
    }
  }
}

function outOfRange(entry: SafetensorsEntry, index: number, value: bigint): never {
  fail(`tensor ${quote(entry.name)} (${entry.dtype}) holds ${value} at flat index ${index}, which does not fit in int32 (Myelin's integer dtype)`);
}

/**
 * Reads a safetensors file from its bytes. F32/F64/I32/BOOL keep their type; F16 and BF16 become float32;
 * U8/I8/I16/U16 become int32; I64/U32/U64 become int32 when every value fits (an error names the first that does not).
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): SafetensorsContents {
  const header = readSafetensorsHeader(bytes, options);
  const backend = getBackend();
  const tensors: Record<string, Tensor> = {};
  for (const entry of header.entries) {
    const data = convert(entry, bytes, header.dataStart);
    const into = DTYPE_INFO[entry.dtype].into;
    setOwn(tensors, entry.name, new Tensor(backend.fromTypedArray(data, into), entry.shape));
  }
  return { tensors, metadata: header.metadata };
}
