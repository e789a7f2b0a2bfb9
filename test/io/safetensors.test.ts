import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator, Tensor, arange, tensor, type TypedArray } from '../../src/index.js';
import {
  decodeSafetensors, encodeSafetensors, loadSafetensors, readSafetensorsHeader, saveSafetensors, MAX_HEADER_BYTES,
} from '../../src/io/index.js';

// ------------------------------------------------------------------ helpers

/** A safetensors file from a header object (or raw header text) and data bytes, built without the library. */
function build(header: unknown, data: ArrayLike<number> = [], opts: { pad?: boolean; n?: number | bigint } = {}): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  let json = new TextEncoder().encode(text);
  if (opts.pad !== false && json.length % 8 !== 0) {
    const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(opts.n ?? json.length), true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

function le(kind: 'f32' | 'f64' | 'i32' | 'u16' | 'i64' | 'u32' | 'u64', values: (number | bigint)[]): number[] {
  const size = { f32: 4, f64: 8, i32: 4, u16: 2, i64: 8, u32: 4, u64: 8 }[kind];
  const dv = new DataView(new ArrayBuffer(size * values.length));
  values.forEach((v, i) => {
    const o = i * size;
    if (kind === 'f32') dv.setFloat32(o, Number(v), true);
    else if (kind === 'f64') dv.setFloat64(o, Number(v), true);
    else if (kind === 'i32') dv.setInt32(o, Number(v), true);
    else if (kind === 'u32') dv.setUint32(o, Number(v), true);
    else if (kind === 'u16') dv.setUint16(o, Number(v), true);
    else if (kind === 'i64') dv.setBigInt64(o, BigInt(v), true);
    else dv.setBigUint64(o, BigInt(v), true);
  });
  return Array.from(new Uint8Array(dv.buffer));
}

/** Bitwise equality of element values (so NaN, -0 and infinities count). */
function assertSameData(actual: TypedArray, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

function assertSameTensor(actual: Tensor, expected: Tensor, what: string): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assertSameData(actual.data(), expected.data(), what);
}

/** Asserts decoding fails cleanly with a "safetensors:" error matching `pattern`. */
function assertRejects(bytes: Uint8Array, pattern: RegExp, what: string): void {
  assert.throws(
    () => decodeSafetensors(bytes),
    (e: unknown) => {
      assert.ok(e instanceof Error, `${what}: threw a non-Error ${String(e)}`);
      assert.match(e.message, /^safetensors: /, `${what}: message ${e.message}`);
      assert.match(e.message, pattern, `${what}: message ${e.message}`);
      return true;
    },
    what,
  );
}

function fixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'test', 'fixtures', 'torch_linear.safetensors'))) return join(dir, 'test', 'fixtures');
    dir = dirname(dir);
  }
  throw new Error('test/fixtures/torch_linear.safetensors not found');
}

// ------------------------------------------------------------------ round trips

test('round trip of every writable dtype, 0-d, empty and non-contiguous tensors, with metadata', () => {
  const base = arange(24, { dtype: 'float32' }).reshape(2, 3, 4);
  const tensors: Record<string, Tensor> = {
    f32: tensor([1.5, -0, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1e-45], { dtype: 'float32' }),
    f64: tensor([[0.1, -1e300], [5e-324, NaN]], { dtype: 'float64' }),
    i32: tensor([0, -1, 2147483647, -2147483648], { dtype: 'int32' }),
    bool: tensor([[true, false, true], [false, false, true]]),
    scalar: tensor(7.25),
    scalarInt: tensor(-3, { dtype: 'int32' }),
    empty: tensor(new Float32Array(0), { shape: [0, 3] }),
    emptyMid: tensor(new Int32Array(0), { shape: [2, 0, 4], dtype: 'int32' }),
    transposed: base.transpose(0, 2),
    sliced: base.slice(2, 1, 4, 2),
    expanded: tensor([1, 2, 3], { dtype: 'float64' }).unsqueeze(0).expand(4, 3),
    '': tensor([42], { dtype: 'int32' }),
    'naïve.émoji🙂': tensor([1]),
  };
  assert.equal(tensors.transposed.isContiguous(), false);
  assert.equal(tensors.sliced.isContiguous(), false);
  const metadata = { format: 'pt', 'config.json': '{"hidden": [1, 2]}', ünïcode: '🙂 \n "quoted"', empty: '' };
  const bytes = encodeSafetensors(tensors, metadata);
  const decoded = decodeSafetensors(bytes);
  assert.deepEqual(Object.keys(decoded.tensors).sort(), Object.keys(tensors).sort());
  for (const name of Object.keys(tensors)) assertSameTensor(decoded.tensors[name], tensors[name], name);
  assert.deepEqual(decoded.metadata, metadata);
  assert.ok(decoded.tensors.f32.isContiguous() && !decoded.tensors.f32.requiresGrad);
  // A second encode of the decoded tensors gives the same bytes (deterministic layout).
  assert.deepEqual(encodeSafetensors(decoded.tensors, decoded.metadata), bytes);
});

test('an empty dict, and metadata omitted or empty, round trip', () => {
  for (const meta of [undefined, {}]) {
    const d = decodeSafetensors(encodeSafetensors({}, meta));
    assert.deepEqual(d.tensors, {});
    assert.deepEqual(d.metadata, {});
  }
});

test('the data buffer is laid out by dtype (widest first), then by UTF-8 name order, and every tensor is aligned', () => {
  const bytes = encodeSafetensors({
    b: tensor([true]), '10': tensor([1], { dtype: 'int32' }), '2': tensor([2], { dtype: 'int32' }),
    z: tensor([1], { dtype: 'float64' }), a: tensor([1, 2, 3]), 'é': tensor([1]), 'ｚ': tensor([1]),
  });
  const header = readSafetensorsHeader(bytes);
  assert.deepEqual(header.entries.map((e) => e.name), ['z', 'a', 'é', 'ｚ', '10', '2', 'b']);
  for (const e of header.entries) {
    const size = { F64: 8, F32: 4, I32: 4, BOOL: 1 }[e.dtype as 'F64'];
    assert.equal((header.dataStart + e.dataOffsets[0]) % size, 0, `${e.name} aligned`);
  }
  // The JSON header lists the entries in that same order (integer-like names are not moved first).
  const text = new TextDecoder().decode(bytes.subarray(8, header.dataStart));
  const order = ['"z"', '"a"', '"é"', '"ｚ"', '"10"', '"2"', '"b"'].map((k) => text.indexOf(`${k}:`));
  assert.deepEqual([...order].sort((x, y) => x - y), order);
});

// ------------------------------------------------------------------ exact bytes

test('byte-exact layout of a tiny file, computed independently', () => {
  const bytes = encodeSafetensors(
    { w: tensor([[1, 2], [3, 4]], { dtype: 'float32' }).t(), m: tensor([true, false, true]), n: tensor([-2], { dtype: 'int32' }) },
    { k: 'v' },
  );
  const json =
    '{"__metadata__":{"k":"v"},' +
    '"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
    '"n":{"dtype":"I32","shape":[1],"data_offsets":[16,20]},' +
    '"m":{"dtype":"BOOL","shape":[3],"data_offsets":[20,23]}}';
  const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
  const expected = [
    ...le('u64', [padded.length]),
    ...Array.from(padded, (c) => c.charCodeAt(0)),
    ...le('f32', [1, 3, 2, 4]), // the transpose, made contiguous
    ...le('i32', [-2]),
    1, 0, 1,
  ];
  assert.equal(padded.length % 8, 0);
  assert.deepEqual(Array.from(bytes), expected);
});

test('matches the byte vectors published in the reference implementation\'s tests', () => {
  // safetensors/src/tensor.rs, test_serialization: {"attn.0": F32 [1,2,3] = 0..5}
  const attn = encodeSafetensors({ 'attn.0': tensor([0, 1, 2, 3, 4, 5], { shape: [1, 2, 3] }) });
  assert.deepEqual(Array.from(attn), [
    64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
    116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
    58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
    101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
    0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
  ]);
  // test_empty: no tensors, then metadata {"framework": "pt"}
  assert.deepEqual(Array.from(encodeSafetensors({})), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual(Array.from(encodeSafetensors({}, { framework: 'pt' })), [
    40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
    95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
    116, 34, 125, 125, 32, 32, 32, 32, 32,
  ]);
  // test_serialization_forced_alignement: a shorter name, so 7 spaces of padding
  const attn0 = encodeSafetensors({ attn0: tensor([0, 1, 2, 3, 4, 5], { shape: [1, 1, 2, 3] }) });
  assert.equal(attn0[0], 72);
  assert.deepEqual(Array.from(attn0.subarray(8 + 65, 8 + 72)), [32, 32, 32, 32, 32, 32, 32]);
});

test('encoding refuses what the format cannot hold', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => encodeSafetensors({ a: [1, 2] as unknown as Tensor }), /value for "a" is not a Tensor/],
    [() => encodeSafetensors({ __metadata__: tensor([1]) }), /reserved/],
    [() => encodeSafetensors({ a: tensor([1]) }, { k: 1 as unknown as string }), /metadata value for key "k" must be a string/],
    [() => encodeSafetensors({ a: tensor([1]) }, ['x'] as unknown as Record<string, string>), /metadata must be an object/],
    [() => encodeSafetensors(null as unknown as Record<string, Tensor>), /tensors must be an object/],
    [() => encodeSafetensors({ ['\ud800']: tensor([1]) }), /not valid Unicode/],
  ];
  for (const [f, re] of bad) assert.throws(f, (e: unknown) => e instanceof Error && /^safetensors: /.test(e.message) && re.test(e.message));
});

// ------------------------------------------------------------------ reading other dtypes

test('reads F16 and BF16 (to float32), including subnormals, signed zero, infinities and NaN', () => {
  const halves = [0x3c00, 0xc000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555];
  const expectedHalf = [1, -2, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, -0, Infinity, -Infinity, NaN, Math.fround(0.333251953125)];
  const bf = [0x3f80, 0xc049, 0x7f7f, 0x0001, 0x8000, 0xff80, 0x7fc0];
  const f32 = new Float32Array(new Uint32Array(bf.map((b) => b << 16)).buffer);
  const bytes = build(
    {
      h: { dtype: 'F16', shape: [halves.length], data_offsets: [0, 22] },
      b: { dtype: 'BF16', shape: [7], data_offsets: [22, 36] },
    },
    [...le('u16', halves), ...le('u16', bf)],
  );
  const { tensors } = decodeSafetensors(bytes);
  assert.equal(tensors.h.dtype, 'float32');
  assertSameData(tensors.h.data(), expectedHalf, 'F16');
  assert.equal(tensors.b.dtype, 'float32');
  assertSameData(tensors.b.data(), f32, 'BF16');
  assert.equal(tensors.b.data()[0], 1);
  assert.equal(tensors.b.data()[1], -3.140625);
});

test('reads the integer dtypes into int32, and names the first 64/32-bit value that does not fit', () => {
  const ok = build(
    {
      i64: { dtype: 'I64', shape: [2, 2], data_offsets: [0, 32] },
      u64: { dtype: 'U64', shape: [1], data_offsets: [32, 40] },
      u32: { dtype: 'U32', shape: [2], data_offsets: [40, 48] },
      i16: { dtype: 'I16', shape: [2], data_offsets: [48, 52] },
      u16: { dtype: 'U16', shape: [1], data_offsets: [52, 54] },
      i8: { dtype: 'I8', shape: [2], data_offsets: [54, 56] },
      u8: { dtype: 'U8', shape: [2], data_offsets: [56, 58] },
      bool: { dtype: 'BOOL', shape: [3], data_offsets: [58, 61] },
    },
    [
      ...le('i64', [0n, -1n, 2147483647n, -2147483648n]), ...le('u64', [2147483647n]), ...le('u32', [0, 2147483647]),
      ...le('u16', [0x8000, 0x7fff]), ...le('u16', [65535]), 0x80, 0x7f, 0xff, 3, 0, 1, 2,
    ],
  );
  const t = decodeSafetensors(ok).tensors;
  assert.deepEqual(t.i64.toArray(), [[0, -1], [2147483647, -2147483648]]);
  assert.equal(t.i64.dtype, 'int32');
  assert.deepEqual(t.u64.toArray(), [2147483647]);
  assert.deepEqual(t.u32.toArray(), [0, 2147483647]);
  assert.deepEqual(t.i16.toArray(), [-32768, 32767]);
  assert.deepEqual(t.u16.toArray(), [65535]);
  assert.deepEqual(t.i8.toArray(), [-128, 127]);
  assert.deepEqual(t.u8.toArray(), [255, 3]);
  assert.deepEqual(t.bool.toArray(), [false, true, true]); // any non-zero byte is true
  assert.equal(t.bool.dtype, 'bool');

  const tooBig: [string, number[], RegExp][] = [
    ['I64', le('i64', [1n, 2147483648n]), /"x" \(I64\) holds 2147483648 at flat index 1, which does not fit in int32/],
    ['I64', le('i64', [-2147483649n, 0n]), /holds -2147483649 at flat index 0/],
    ['I64', le('i64', [0n, -(2n ** 63n)]), /holds -9223372036854775808 at flat index 1/],
    ['U64', le('u64', [2n ** 64n - 1n, 0n]), /holds 18446744073709551615 at flat index 0/],
    ['U64', le('u64', [0n, 2147483648n]), /holds 2147483648 at flat index 1/],
    ['U32', le('u32', [4294967295, 0]), /\(U32\) holds 4294967295 at flat index 0/],
  ];
  for (const [dtype, data, re] of tooBig) {
    assertRejects(build({ x: { dtype, shape: [2], data_offsets: [0, data.length] } }, data), re, dtype);
  }
});

test('decoding tolerates what the reference tolerates: unpadded or whitespace-padded headers, null metadata, extra fields, any order', () => {
  const data = [...le('f32', [1, 2]), ...le('i32', [3])];
  const header = {
    b: { dtype: 'I32', shape: [1], data_offsets: [8, 12], extra: 'ignored' },
    __metadata__: null,
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
  };
  for (const bytes of [build(header, data, { pad: false }), build(header, data), build(` \n\t${JSON.stringify(header)}\r\n `, data, { pad: false })]) {
    const { tensors, metadata } = decodeSafetensors(bytes);
    assert.deepEqual(tensors.a.toArray(), [1, 2]);
    assert.deepEqual(tensors.b.toArray(), [3]);
    assert.deepEqual(metadata, {});
  }
  // Duplicate keys: JSON.parse keeps the last one.
  const dup = build('{"a":{"dtype":"F32","shape":[9],"data_offsets":[0,36]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', le('f32', [5, 6]));
  assert.deepEqual(decodeSafetensors(dup).tensors.a.toArray(), [5, 6]);
  // A Buffer (a Uint8Array subclass) at an odd offset inside a larger ArrayBuffer works too.
  const file = build(header, data);
  const big = Buffer.alloc(file.length + 3);
  big.set(file, 3);
  assert.deepEqual(decodeSafetensors(big.subarray(3)).tensors.a.toArray(), [1, 2]);
  // Data at an unaligned file offset (the reference accepts any header length): each tensor is copied, not viewed.
  const unaligned = build(header, data, { pad: false });
  const { dataStart } = readSafetensorsHeader(unaligned);
  assert.notEqual(dataStart % 4, 0, 'the test really has unaligned data');
  for (const bytes of [unaligned, Buffer.from(unaligned), Buffer.concat([Buffer.alloc(1), unaligned]).subarray(1)]) {
    const decoded = decodeSafetensors(bytes);
    assert.deepEqual(decoded.tensors.a.toArray(), [1, 2]);
    assert.deepEqual(decoded.tensors.b.toArray(), [3]);
    bytes.fill(0, dataStart); // the tensors own their data: changing the input afterwards changes nothing
    assert.deepEqual(decoded.tensors.a.toArray(), [1, 2]);
  }
  // Zero-size tensors may share an offset (the reference only asks that each begins where the previous one ended).
  const empties = decodeSafetensors(build({
    e1: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, e2: { dtype: 'I32', shape: [2, 0], data_offsets: [0, 0] },
    x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, e3: { dtype: 'F64', shape: [0, 7], data_offsets: [4, 4] },
  }, le('f32', [9])));
  assert.deepEqual([...empties.tensors.e2.shape], [2, 0]);
  assert.deepEqual(empties.tensors.x.toArray(), [9]);
  assert.deepEqual([...empties.tensors.e3.shape], [0, 7]);
  // Nesting up to serde_json's limit inside an ignored field, and escaped surrogate pairs, are accepted.
  const deepExtra = `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":${'['.repeat(125)}${']'.repeat(125)}}}`;
  assert.deepEqual(decodeSafetensors(build(deepExtra, le('f32', [4]))).tensors.a.toArray(), [4]);
  const pair = decodeSafetensors(build('{"\\ud83d\\ude42":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}', le('f32', [1])));
  assert.deepEqual(Object.keys(pair.tensors), ['🙂']);
});

test('"__proto__" and other Object.prototype names are ordinary tensor names and metadata keys', () => {
  // Header text written by hand: in an object literal, __proto__ would set the prototype instead of a key.
  const text =
    '{"__metadata__":{"__proto__":"meta","constructor":"c"},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
    '"toString":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
  const { tensors, metadata } = decodeSafetensors(build(text, le('f32', [1, 2])));
  assert.deepEqual(Object.keys(tensors).sort(), ['__proto__', 'toString']);
  assert.ok(Object.getPrototypeOf(tensors) === Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(tensors, '__proto__'));
  assert.deepEqual(tensors['__proto__'].toArray(), [1]);
  assert.deepEqual(tensors['toString'].toArray(), [2]);
  assert.equal(metadata['__proto__'], 'meta');
  assert.equal(metadata.constructor, 'c');
  assert.equal(({} as Record<string, unknown>).toString, Object.prototype.toString); // nothing polluted
  // And they round trip through the encoder.
  const again = decodeSafetensors(encodeSafetensors(tensors, metadata));
  assert.deepEqual(again.tensors['__proto__'].toArray(), [1]);
  assert.equal(again.metadata['__proto__'], 'meta');
});

// ------------------------------------------------------------------ the PyTorch fixture

interface FixtureJson {
  metadata: Record<string, string>;
  input: number[][];
  output: number[][];
  tensors: Record<string, { dtype: string; shape: number[]; values: unknown }>;
}

test('a file written from PyTorch (nn.Linear(3, 2) plus every readable dtype) loads with the right values', async () => {
  const dir = fixturesDir();
  const expected = JSON.parse(readFileSync(join(dir, 'torch_linear.json'), 'utf8')) as FixtureJson;
  const { tensors, metadata } = await loadSafetensors(join(dir, 'torch_linear.safetensors'));
  assert.deepEqual(metadata, expected.metadata);
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(expected.tensors).sort());
  const into: Record<string, string> = { F32: 'float32', F16: 'float32', BF16: 'float32', F64: 'float64', BOOL: 'bool' };
  const toNumber = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(toNumber) : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : v;
  for (const [name, want] of Object.entries(expected.tensors)) {
    const t = tensors[name];
    assert.deepEqual([...t.shape], want.shape, `${name} shape`);
    assert.equal(t.dtype, into[want.dtype] ?? 'int32', `${name} dtype`);
    const flat = [toNumber(want.values)].flat(Infinity) as (number | boolean)[];
    assertSameData(t.data(), flat.map(Number), name);
  }
  // The Linear's output on the fixed input, computed by Myelin from the loaded weights.
  const x = tensor(expected.input);
  const y = x.matmul(tensors.weight.t()).add(tensors.bias);
  const got = y.data();
  const want = expected.output.flat();
  assert.deepEqual([...y.shape], [expected.output.length, 2]);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-6 * (1 + Math.abs(want[i])), `output[${i}]: ${got[i]} vs ${want[i]}`);
});

// ------------------------------------------------------------------ hostile files

test('hostile and malformed files give clean "safetensors:" errors', () => {
  const f32 = (shape: unknown, offsets: unknown) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const four = le('f32', [1]);
  const eight = le('f32', [1, 2]);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /0 bytes long, shorter than the 8-byte header length/],
    ['7-byte file', new Uint8Array(7), /7 bytes long/],
    ['header length past the end', build({}, [], { n: 100 }), /header length 100 is larger than the 8 bytes/],
    ['header length above the 100 MB cap', build({}, [], { n: MAX_HEADER_BYTES + 1 }), /header length 100000001 exceeds the limit of 100000000/],
    ['header length 2^40', build({}, [], { n: 2n ** 40n }), /header length 1099511627776 exceeds the limit/],
    ['header length 2^64-1', build({}, [], { n: 2n ** 64n - 1n }), /header length 18446744073709551615 exceeds the limit/],
    ['header length 0', build({}, [], { n: 0 }), /not valid JSON/],
    ['invalid UTF-8', build('{"\xff":1}'.replace('\xff', 'X'), []).map((b, i) => (i === 10 ? 0xff : b)), /not valid UTF-8/],
    ['truncated UTF-8 sequence', (() => { const b = build('{"é":1}', [], { pad: false }); return b.subarray(0, 8 + 3).map((v, i) => (i === 0 ? 3 : v)); })(), /not valid UTF-8/],
    ['byte order mark', build('\ufeff{}', []), /not valid JSON/],
    ['not JSON', build('{"a":', []), /not valid JSON/],
    ['NUL padding', build('{}\0\0\0\0\0\0', [], { pad: false }), /not valid JSON/],
    ['header is an array', build([], []), /must be a JSON object, got an array/],
    ['header is null', build('null', []), /must be a JSON object, got null/],
    ['header is a number', build('42', []), /must be a JSON object, got 42/],
    ['header is a string', build('"x"', []), /must be a JSON object/],
    ['entry is a number', build({ a: 5 }, []), /tensor "a": header entry must be an object/],
    ['entry is null', build({ a: null }, []), /tensor "a": header entry must be an object/],
    ['entry is an array', build({ a: ['F32', [1], [0, 4]] }, four), /header entry must be an object/],
    ['missing dtype', build({ a: { shape: [1], data_offsets: [0, 4] } }, four), /missing "dtype"/],
    ['missing shape', build({ a: { dtype: 'F32', data_offsets: [0, 4] } }, four), /missing "shape"/],
    ['missing data_offsets', build({ a: { dtype: 'F32', shape: [1] } }, four), /missing "data_offsets"/],
    ['dtype not a string', build({ a: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, four), /dtype must be a string, got 4/],
    ['unknown dtype', build({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 4] } }, four), /unknown dtype "F128"/],
    ['lower-case dtype', build({ a: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, four), /unknown dtype "f32"/],
    ['FP8 dtype', build({ a: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, four), /unsupported dtype "F8_E4M3"/],
    ['dtype "toString"', build({ a: { dtype: 'toString', shape: [1], data_offsets: [0, 4] } }, four), /unknown dtype "toString"/],
    ['shape not a list', build({ a: f32('1', [0, 4]) }, four), /shape must be a list of non-negative integers, got "1"/],
    ['shape is an object', build({ a: f32({ length: 1, 0: 1 }, [0, 4]) }, four), /shape must be a list/],
    ['negative dim', build({ a: f32([-1], [0, 4]) }, four), /shape must be a list of non-negative integers, got \[-1\]/],
    ['fractional dim', build({ a: f32([1.5], [0, 4]) }, four), /got \[1.5\]/],
    ['string dim', build({ a: f32(['1'], [0, 4]) }, four), /shape must be a list/],
    ['nested dim', build({ a: f32([[1]], [0, 4]) }, four), /shape must be a list/],
    ['null dim', build({ a: f32([null], [0, 4]) }, four), /shape must be a list/],
    ['dim above 2^53', build('{"a":{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,4]}}', four), /shape must be a list/],
    ['dim 1e400 (Infinity)', build('{"a":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}', four), /shape must be a list/],
    ['offsets not a list', build({ a: f32([1], '0-4') }, four), /data_offsets must be two non-negative integers/],
    ['one offset', build({ a: f32([1], [4]) }, four), /data_offsets must be two/],
    ['three offsets', build({ a: f32([1], [0, 4, 8]) }, four), /data_offsets must be two/],
    ['negative offset', build({ a: f32([1], [-4, 0]) }, four), /data_offsets must be two non-negative integers/],
    ['fractional offset', build({ a: f32([1], [0, 3.5]) }, four), /data_offsets must be two/],
    ['string offsets', build({ a: f32([1], ['0', '4']) }, four), /data_offsets must be two/],
    ['offset 1e300', build({ a: f32([1], [0, 1e300]) }, four), /data_offsets must be two/],
    ['begin > end', build({ a: f32([0], [4, 0]) }, four), /data_offsets \[4, 0\] has begin > end/],
    ['end past the buffer', build({ a: f32([2], [0, 8]) }, four), /data_offsets \[0, 8\] lie outside the 4-byte data buffer/],
    ['begin and end past the buffer', build({ a: f32([0], [100, 100]) }, four), /lie outside/],
    ['huge offsets, no data', build({ a: f32([2 ** 50], [0, 2 ** 52]) }, []), /lie outside the 0-byte data buffer/],
    ['size too small for the shape', build({ a: f32([2], [0, 4]) }, four), /shape \[2\] of F32 \(4 bytes per element\) does not match its 4-byte data range/],
    ['size too large for the shape', build({ a: f32([1], [0, 8]) }, eight), /shape \[1\] of F32 .* 8-byte data range/],
    ['not a whole element', build({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 4] } }, four), /F64 \(8 bytes per element\)/],
    ['empty shape with data', build({ a: f32([0, 5], [0, 4]) }, four), /shape \[0,5\] of F32/],
    ['absurd shape product', build({ a: f32([2 ** 52, 2 ** 52, 2 ** 52, 2 ** 52], [0, 8]) }, eight), /does not match its 8-byte data range/],
    ['product overflowing to Infinity', build({ a: f32(Array(40).fill(2 ** 50), [0, 4]) }, four), /does not match/],
    ['overlapping tensors', build({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, [...eight, ...four]), /tensor "b" \[4, 12\] overlaps tensor "a" \[0, 8\]/],
    ['two tensors on the same bytes', build({ a: f32([1], [0, 4]), b: f32([1], [0, 4]) }, four), /overlaps/],
    ['a tensor inside another', build({ a: f32([3], [0, 12]), b: f32([1], [4, 8]) }, [...eight, ...four]), /overlaps/],
    ['gap between tensors', build({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, [...eight, ...four]), /bytes \[4, 8\) of the data buffer belong to no tensor \(gap before tensor "b"\)/],
    ['gap at the start', build({ a: f32([1], [4, 8]) }, eight), /bytes \[0, 4\) of the data buffer belong to no tensor \(gap before tensor "a"\)/],
    ['trailing bytes', build({ a: f32([1], [0, 4]) }, eight), /bytes \[4, 8\) at the end of the data buffer belong to no tensor/],
    ['data but no tensors', build({}, four), /bytes \[0, 4\) at the end/],
    ['metadata is a string', build({ __metadata__: 'x' }, []), /__metadata__ must be an object of strings, got "x"/],
    ['metadata is an array', build({ __metadata__: ['x'] }, []), /__metadata__ must be an object/],
    ['metadata value is a number', build({ __metadata__: { k: 1 } }, []), /__metadata__ value for key "k" must be a string, got 1/],
    ['metadata value is null', build({ __metadata__: { k: null } }, []), /value for key "k" must be a string, got null/],
    ['metadata value is an object', build({ __metadata__: { k: { a: 'b' } } }, []), /must be a string/],
    ['nesting one level past the reference limit', build(`{"a":${'['.repeat(127)}${']'.repeat(127)}}`, []), /nested more than 127 levels deep/],
    ['200000-deep entry', build(`{"a":${'['.repeat(200000)}${']'.repeat(200000)}}`, []), /nested more than 127 levels/],
    ['200000-deep shape', build(`{"a":{"dtype":"F32","shape":${'['.repeat(200000)}${']'.repeat(200000)},"data_offsets":[0,0]}}`, []), /nested/],
    ['200000-deep metadata value', build(`{"__metadata__":{"k":${'{"x":'.repeat(200000)}1${'}'.repeat(200000)}}}`, []), /nested/],
    ['deep but unbalanced', build(`{"a":${'['.repeat(200000)}`, []), /nested/],
    ['brackets inside strings do not count', build(`{"${'['.repeat(500)}":1}`, []), /tensor "\[{10,}.*header entry must be an object/],
    ['lone leading surrogate escape', build('{"\\ud800":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}', []), /lone leading surrogate \\ud800/],
    ['leading surrogate before a non-surrogate escape', build('{"\\uD83D\\u0041":1}', []), /lone leading surrogate \\uD83D/],
    ['lone trailing surrogate escape', build('{"__metadata__":{"k":"x\\udc00"}}', []), /lone trailing surrogate \\udc00/],
    ['long hostile name is shortened in the message', build({ ['n'.repeat(100000)]: 5 }, []), /tensor "n{80}"\.\.\.|tensor "n{70,}/],
  ];
  for (const [what, bytes, re] of cases) assertRejects(bytes, re, what);
  // Error messages stay short even for huge hostile values.
  try {
    decodeSafetensors(build({ ['x'.repeat(1 << 20)]: { dtype: 'F32', shape: Array(100000).fill(-1), data_offsets: [0, 0] } }, []));
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof Error && e.message.length < 400, `message of ${(e as Error).message.length} chars`);
  }
});

test('inputs that are not bytes, and a lower header cap, are refused', () => {
  for (const x of [new ArrayBuffer(16), 'abc', null, [1, 2, 3], new Int8Array(16)]) {
    assert.throws(() => decodeSafetensors(x as unknown as Uint8Array), /^Error: safetensors: expected the file's bytes as a Uint8Array/);
  }
  const bytes = encodeSafetensors({ a: tensor([1]) });
  assert.throws(() => decodeSafetensors(bytes, { maxHeaderBytes: 16 }), /safetensors: header length \d+ exceeds the limit of 16 bytes/);
});

test('random corruption of a valid file never causes anything but a clean error or a consistent decode', () => {
  const valid = encodeSafetensors(
    {
      w: arange(12, { dtype: 'float32' }).reshape(3, 4), b: tensor([1, 2, 3], { dtype: 'float64' }),
      i: tensor([[1, 2]], { dtype: 'int32' }), m: tensor([true, false]), s: tensor(3), e: tensor(new Float32Array(0), { shape: [0] }),
    },
    { format: 'pt', note: 'fuzz' },
  );
  const headerEnd = readSafetensorsHeader(valid).dataStart;
  const gen = new Generator(1234);
  const rnd = (n: number) => Math.floor(gen.random() * n);
  const interesting = [0x00, 0x20, 0x22, 0x2c, 0x2d, 0x30, 0x31, 0x39, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x65, 0x2e, 0x5c, 0xff, 0xc3, 0x80];
  let ok = 0;
  let rejected = 0;
  const start = Date.now();
  for (let iter = 0; iter < 400; iter++) {
    let bytes = valid.slice();
    const kind = iter % 5;
    if (kind === 0) {
      for (let k = 1 + rnd(4); k > 0; k--) bytes[rnd(bytes.length)] = rnd(256); // anywhere
    } else if (kind === 1) {
      for (let k = 1 + rnd(3); k > 0; k--) bytes[8 + rnd(headerEnd - 8)] = interesting[rnd(interesting.length)]; // header syntax
    } else if (kind === 2) {
      bytes = bytes.slice(0, rnd(bytes.length)); // truncation
    } else if (kind === 3) {
      const at = 8 + rnd(headerEnd - 8); // insert or delete header bytes, keeping or fixing up the length
      const ins = rnd(2) === 0;
      const next = new Uint8Array(bytes.length + (ins ? 1 : -1));
      next.set(bytes.subarray(0, at));
      if (ins) {
        next[at] = interesting[rnd(interesting.length)];
        next.set(bytes.subarray(at), at + 1);
      } else next.set(bytes.subarray(at + 1), at);
      bytes = next;
      if (rnd(2) === 0) new DataView(bytes.buffer).setUint32(0, headerEnd - 8 + (ins ? 1 : -1), true);
    } else {
      // an edited digit inside the header: plausible-looking but wrong shapes and offsets
      const digits: number[] = [];
      for (let i = 8; i < headerEnd; i++) if (bytes[i] >= 0x30 && bytes[i] <= 0x39) digits.push(i);
      for (let k = 1 + rnd(2); k > 0; k--) bytes[digits[rnd(digits.length)]] = 0x30 + rnd(10);
    }
    try {
      const { tensors, metadata } = decodeSafetensors(bytes);
      ok++;
      for (const [name, t] of Object.entries(tensors)) {
        assert.ok(t instanceof Tensor, name);
        assert.equal(t.data().length, t.shape.reduce((a, d) => a * d, 1), `${name} consistent`);
      }
      for (const v of Object.values(metadata)) assert.equal(typeof v, 'string');
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('safetensors: ')) {
        throw new Error(`iteration ${iter} (kind ${kind}) threw a non-clean error: ${String(e)}`);
      }
      rejected++;
    }
  }
  assert.equal(ok + rejected, 400);
  assert.ok(rejected > 200, `most corruptions are detected (${rejected})`);
  assert.ok(ok > 0, 'some corruptions (in data bytes or metadata text) still decode');
  assert.ok(Date.now() - start < 5000);
});

// ------------------------------------------------------------------ files

test('saveSafetensors / loadSafetensors round trip through a file, and loading refuses oversized or odd files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-st-'));
  try {
    const path = join(dir, 'model.safetensors');
    const tensors = { w: arange(6, { dtype: 'float32' }).reshape(2, 3).t(), n: tensor([1, 2], { dtype: 'int32' }) };
    await saveSafetensors(path, tensors, { arch: 'mlp' });
    assert.deepEqual(new Uint8Array(readFileSync(path)), encodeSafetensors(tensors, { arch: 'mlp' }));
    const loaded = await loadSafetensors(path);
    assertSameTensor(loaded.tensors.w, tensors.w, 'w');
    assertSameTensor(loaded.tensors.n, tensors.n, 'n');
    assert.deepEqual(loaded.metadata, { arch: 'mlp' });

    const size = readFileSync(path).length;
    await assert.rejects(loadSafetensors(path, { maxFileBytes: size - 1 }), new RegExp(`^Error: safetensors: '.*model.safetensors' is ${size} bytes, larger than the limit of ${size - 1} bytes`));
    assert.ok(await loadSafetensors(path, { maxFileBytes: size }));

    // A 64 GiB sparse file is refused from its size alone (nothing is read or allocated).
    const huge = join(dir, 'huge.safetensors');
    const fd = openSync(huge, 'w');
    ftruncateSync(fd, 64 * 2 ** 30);
    closeSync(fd);
    await assert.rejects(loadSafetensors(huge), /safetensors: .* is 68719476736 bytes, larger than the limit of 2147483648 bytes/);

    mkdirSync(join(dir, 'sub'));
    await assert.rejects(loadSafetensors(join(dir, 'sub')), /safetensors: '.*sub' is not a regular file/);
    await assert.rejects(loadSafetensors(join(dir, 'missing.safetensors')), (e: Error & { code?: string }) => /^safetensors: cannot open/.test(e.message) && e.code === 'ENOENT');
    writeFileSync(join(dir, 'bad.safetensors'), new Uint8Array([1, 2, 3]));
    await assert.rejects(loadSafetensors(join(dir, 'bad.safetensors')), /safetensors: file is 3 bytes long/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
