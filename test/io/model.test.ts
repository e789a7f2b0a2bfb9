import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manualSeed, noGrad, ones, randn, tensor, Tensor } from '../../src/index.js';
import {
  BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, Module, Parameter, ReLU, Sequential, registerModule,
  type ModuleConfig,
} from '../../src/nn/index.js';
import {
  CONFIG_KEY, MAX_HEADER_BYTES, decodeSafetensors, encodeSafetensors, loadModel, loadModelWithMetadata, modelFromBytes,
  modelToBytes, readSafetensorsHeader, saveModel,
} from '../../src/io/index.js';
import { assertClose } from '../helpers/gradcheck.js';

// ------------------------------------------------------------------ helpers

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'myelin-model-'));
}

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(model: Module, x: Tensor): Float32Array | Float64Array {
  return noGrad(() => (model.forward(x) as Tensor).data()) as Float32Array;
}

function mlp(): Sequential {
  return new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 3));
}

function cnn(): Sequential {
  return new Sequential(
    new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Dropout(0.5), new Flatten(),
    new Linear(4 * 4 * 4, 3),
  );
}

/** Every tensor of both state dicts, bitwise (names, dtypes, shapes, values). */
function assertSameState(actual: Module, expected: Module): void {
  const a = actual.stateDict();
  const e = expected.stateDict();
  assert.deepEqual([...a.keys()], [...e.keys()], 'state dict keys');
  for (const [k, t] of e) {
    const u = a.get(k)!;
    assert.equal(u.dtype, t.dtype, `${k} dtype`);
    assert.deepEqual([...u.shape], [...t.shape], `${k} shape`);
    assert.deepEqual(Array.from(u.data()), Array.from(t.data()), `${k} values`);
  }
}

/** Tensor data of a model file built by hand: a header object and little-endian float32 values. */
function rawFile(header: unknown, floats: number[] = [], n?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + floats.length * 4);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, n ?? BigInt(json.length), true);
  out.set(json, 8);
  floats.forEach((v, i) => dv.setFloat32(8 + json.length + 4 * i, v, true));
  return out;
}

function fixture(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'test', 'fixtures', name);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error(`test/fixtures/${name} not found`);
}

// ------------------------------------------------------------------ round trips

test('MLP: saveModel -> loadModel rebuilds the architecture from the file and gives identical outputs', async () => {
  manualSeed(11);
  const model = mlp();
  const x = randn([5, 4]);
  const before = run(model, x);
  await withDir(async (dir) => {
    const path = join(dir, 'mlp.safetensors');
    await saveModel(model, path, { metadata: { epoch: '7', note: 'ünïcode 🙂' } });
    // The file is exactly modelToBytes' output: deterministic, nothing else written.
    assert.deepEqual(new Uint8Array(readFileSync(path)), modelToBytes(model, { metadata: { epoch: '7', note: 'ünïcode 🙂' } }));
    assert.deepEqual(readdirSync(dir), ['mlp.safetensors']);

    const loaded = await loadModel(path);
    assert.ok(loaded instanceof Sequential);
    assert.notEqual(loaded, model);
    assert.deepEqual(loaded.config(), model.config());
    assertSameState(loaded, model);
    assert.deepEqual(Array.from(run(loaded, x)), Array.from(before), 'outputs are bitwise identical');
    assert.equal(loaded.training, false);

    const { model: again, metadata } = await loadModelWithMetadata(path);
    assert.equal(metadata.epoch, '7');
    assert.equal(metadata.note, 'ünïcode 🙂');
    assert.equal(metadata.format, 'myelin');
    assert.deepEqual(JSON.parse(metadata[CONFIG_KEY]), model.config());
    assertSameState(again, model);
  });
});

test('CNN (Conv2d, BatchNorm2d, MaxPool2d, Dropout, Flatten, Linear): buffers survive and the loaded model is in eval mode', async () => {
  manualSeed(12);
  const model = cnn();
  const bn = model.at(1) as BatchNorm2d;
  // Training-mode passes move BatchNorm's running statistics away from their initial values.
  noGrad(() => {
    for (let i = 0; i < 3; i++) model.forward(randn([6, 1, 8, 8]).mul(2).add(0.5));
  });
  assert.equal(bn.numBatchesTracked!.item(), 3);
  assert.ok(Math.abs(bn.runningMean!.data()[0]) > 1e-3, 'running mean has moved');
  const x = randn([2, 1, 8, 8]);
  model.eval();
  const expected = run(model, x);
  model.train(); // saved in training mode: loading still gives an eval-mode model
  await withDir(async (dir) => {
    const path = join(dir, 'cnn.safetensors');
    await saveModel(model, path);
    const header = readSafetensorsHeader(new Uint8Array(readFileSync(path)));
    const byName = Object.fromEntries(header.entries.map((e) => [e.name, e]));
    assert.deepEqual(Object.keys(byName).sort(), [...model.stateDict().keys()].sort());
    assert.equal(byName['1.num_batches_tracked'].dtype, 'I32');
    assert.deepEqual(byName['1.running_var'].shape, [4]);

    const loaded = (await loadModel(path)) as Sequential;
    for (const m of loaded.modules()) assert.equal(m.training, false, `${m.constructor.name} is in eval mode`);
    const lbn = loaded.at(1) as BatchNorm2d;
    assert.deepEqual(Array.from(lbn.runningMean!.data()), Array.from(bn.runningMean!.data()));
    assert.deepEqual(Array.from(lbn.runningVar!.data()), Array.from(bn.runningVar!.data()));
    assert.equal(lbn.numBatchesTracked!.item(), 3);
    assert.equal(lbn.numBatchesTracked!.dtype, 'int32');
    assertSameState(loaded, model);
    const got = run(loaded, x);
    assert.deepEqual(Array.from(got), Array.from(expected), 'eval outputs are bitwise identical');
    assert.deepEqual(Array.from(run(loaded, x)), Array.from(got), 'Dropout is off: a second call gives the same output');
    // Parameters of the loaded model are trainable leaves again.
    for (const p of loaded.parameters()) assert.ok(p.requiresGrad && p.isLeaf);
  });
});

test('modelToBytes / modelFromBytes round trip in memory', () => {
  manualSeed(13);
  const model = cnn().eval();
  const x = randn([3, 1, 8, 8]);
  const bytes = modelToBytes(model, { metadata: { purpose: 'browser' } });
  assert.ok(bytes instanceof Uint8Array);
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(Object.keys(tensors).sort(), [...model.stateDict().keys()].sort());
  assert.equal(metadata.purpose, 'browser');
  const { model: loaded, metadata: meta2 } = modelFromBytes(bytes);
  assert.deepEqual(meta2, metadata);
  assert.equal(loaded.training, false);
  assertSameState(loaded, model);
  assert.deepEqual(Array.from(run(loaded, x)), Array.from(run(model, x)));
  // Bytes inside a larger buffer (a Node Buffer at an odd offset) load too.
  const inside = Buffer.alloc(bytes.length + 5);
  inside.set(bytes, 5);
  assertSameState(modelFromBytes(inside.subarray(5)).model, model);
});

test('loading into an existing model with { into }, strict and not', async () => {
  manualSeed(14);
  const source = mlp();
  const x = randn([4, 4]);
  await withDir(async (dir) => {
    const path = join(dir, 'm.safetensors');
    await saveModel(source, path);
    const target = mlp(); // same architecture, other weights
    assert.notDeepEqual(Array.from(run(target, x)), Array.from(run(source, x)));
    // typed as what was passed in: a Sequential's own members need no cast
    const returned: Sequential = await loadModel(path, { into: target });
    assert.equal(returned, target, 'the given model is filled in and returned');
    assert.equal(returned.length, 3);
    assert.equal(target.training, false);
    assert.deepEqual(Array.from(run(target, x)), Array.from(run(source, x)));

    // A different architecture: shapes are always checked, names when strict.
    await assert.rejects(loadModel(path, { into: new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3)) }),
      /^Error: loadModel: '.*m\.safetensors': the weights do not fit the model: loadStateDict: .*size mismatch for 0\.weight: expected \[8,4\], got \[16,4\]/);
    const firstOnly = new Sequential(new Linear(4, 16));
    await assert.rejects(loadModel(path, { into: firstOnly }), /unexpected keys: (2\.weight, 2\.bias|2\.bias, 2\.weight)/);
    await loadModel(path, { into: firstOnly, strict: false });
    assert.deepEqual(Array.from(firstOnly.stateDict().get('0.weight')!.data()), Array.from(source.stateDict().get('0.weight')!.data()));
    await assert.rejects(loadModel(path, { into: {} as Module }), /loadModel: .*options\.into must be a Module, got an object/);
  });
});

class TwoBranch extends Module {
  a = new Linear(3, 4);
  b = new Linear(3, 4);
  gain = new Parameter(ones([4]).mul(1.5));
  forward(x: Tensor): Tensor {
    return this.a.forward(x).relu().add(this.b.forward(x)).mul(this.gain);
  }
}

test('a custom unregistered module: its weights are saved, and loading needs { into }', async () => {
  manualSeed(15);
  const model = new TwoBranch();
  const x = randn([2, 3]);
  await withDir(async (dir) => {
    const path = join(dir, 'custom.safetensors');
    await saveModel(model, path);
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path)));
    assert.deepEqual(Object.keys(tensors).sort(), ['a.bias', 'a.weight', 'b.bias', 'b.weight', 'gain']);
    assert.equal(metadata[CONFIG_KEY], undefined);
    await assert.rejects(loadModel(path), (e: Error) => {
      assert.match(e.message, /^loadModel: '.*custom\.safetensors': the file holds weights but no Myelin architecture config/);
      assert.match(e.message, /pass it as \{ into: model \}/);
      return true;
    });
    const fresh = new TwoBranch();
    await loadModel(path, { into: fresh });
    assert.deepEqual(Array.from(run(fresh, x)), Array.from(run(model, x)));
    // A built-in container holding a custom module cannot describe itself either.
    const wrapped = new Sequential(new TwoBranch(), new ReLU());
    assert.throws(() => modelFromBytes(modelToBytes(wrapped)), /^Error: modelFromBytes: the file holds weights but no Myelin architecture config/);
  });
});

class Scale extends Module {
  factor: Parameter;
  constructor(readonly n: number) {
    super();
    this.factor = new Parameter(ones([n]));
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.factor);
  }
  override config(): ModuleConfig {
    return { type: 'TestScale', args: { n: this.n } };
  }
}
registerModule('TestScale', (c) => new Scale(c.args!.n as number));

test('a custom module registered with registerModule and describing itself loads without { into }', () => {
  manualSeed(16);
  const model = new Sequential(new Linear(2, 3), new Scale(3));
  noGrad(() => (model.at(1) as Scale).factor.copy_(tensor([2, -1, 0.5])));
  const x = randn([4, 2]);
  const loaded = modelFromBytes(modelToBytes(model)).model as Sequential;
  assert.ok(loaded.at(1) instanceof Scale);
  assert.deepEqual(Array.from(run(loaded, x)), Array.from(run(model, x)));
});

// ------------------------------------------------------------------ atomic saves

test('a save that fails leaves the previous file intact and no temp files behind', async () => {
  manualSeed(17);
  const oldModel = mlp();
  const newModel = cnn();
  await withDir(async (dir) => {
    const path = join(dir, 'model.safetensors');
    await saveModel(oldModel, path);
    chmodSync(path, 0o640);
    const original = readFileSync(path);
    const intact = (what: string) => {
      assert.deepEqual(readFileSync(path), original, `${what}: the old file is unchanged`);
      assert.deepEqual(readdirSync(dir), ['model.safetensors'], `${what}: no temp file left`);
    };

    // 1. Refused while encoding (a metadata value that is not a string): nothing is written.
    await assert.rejects(saveModel(newModel, path, { metadata: { epoch: 3 as unknown as string } }), /safetensors: metadata value for key "epoch" must be a string/);
    intact('encoding failure');

    // 2. The disk fails in the middle of writing the data, or when flushing it.
    const probe = await openFile(path, 'r');
    const proto = Object.getPrototypeOf(probe) as Record<string, unknown>;
    await probe.close();
    for (const method of ['writeFile', 'sync'] as const) {
      const original = proto[method] as (this: unknown, ...args: unknown[]) => Promise<unknown>;
      proto[method] = async function patched(this: unknown, ...args: unknown[]): Promise<unknown> {
        if (method === 'writeFile') {
          const data = args[0] as Uint8Array;
          await original.call(this, data.subarray(0, data.length >> 1)); // half the bytes reach the temp file
        }
        throw Object.assign(new Error(`simulated ENOSPC in ${method}`), { code: 'ENOSPC' });
      };
      try {
        await assert.rejects(saveModel(newModel, path), new RegExp(`simulated ENOSPC in ${method}`));
      } finally {
        proto[method] = original;
      }
      intact(`failure in ${method}`);
    }

    // 3. The final rename fails: the target is now a directory (the old file is elsewhere, untouched).
    const sub = join(dir, 'sub');
    mkdirSync(join(sub, 'model.safetensors'), { recursive: true });
    await assert.rejects(saveModel(newModel, join(sub, 'model.safetensors')), /EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    assert.deepEqual(readdirSync(sub), ['model.safetensors']);
    assert.ok(statSync(join(sub, 'model.safetensors')).isDirectory());
    rmSync(sub, { recursive: true });

    // 4. The directory does not exist (or vanished): an error, and nothing created.
    await assert.rejects(saveModel(newModel, join(dir, 'gone', 'model.safetensors')), /ENOENT/);
    intact('missing directory');

    // A save that succeeds replaces the file completely and keeps its permissions.
    await saveModel(newModel, path);
    assert.deepEqual(new Uint8Array(readFileSync(path)), modelToBytes(newModel));
    assert.equal(statSync(path).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(dir), ['model.safetensors']);
    assertSameState(await loadModel(path), newModel);
  });
});

// ------------------------------------------------------------------ hostile model files

test('hostile and malformed model files are rejected with clear messages', async () => {
  manualSeed(18);
  const good = modelToBytes(new Sequential(new Linear(2, 2)));
  const goodHeader = readSafetensorsHeader(good);
  const config = (c: unknown, tensors: Record<string, Tensor> = {}) => encodeSafetensors(tensors, { [CONFIG_KEY]: typeof c === 'string' ? c : JSON.stringify(c) });
  const weights = Object.fromEntries(new Sequential(new Linear(2, 2)).stateDict());
  const withLength = (n: bigint) => {
    const b = good.slice();
    new DataView(b.buffer).setBigUint64(0, n, true);
    return b;
  };
  const f32 = (shape: number[], offsets: number[]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated in the data', good.subarray(0, good.length - 3), /safetensors: tensor "[^"]+": data_offsets \[\d+, \d+\] lie outside the \d+-byte data buffer/],
    ['truncated in the header', good.subarray(0, 40), /safetensors: header length \d+ is larger than the 32 bytes that follow it/],
    ['truncated to 5 bytes', good.subarray(0, 5), /safetensors: file is 5 bytes long/],
    ['header length beyond the file', withLength(BigInt(good.length)), /safetensors: header length \d+ is larger than the \d+ bytes that follow it/],
    ['absurd header length 2^60', withLength(2n ** 60n), /safetensors: header length 1152921504606846976 exceeds the limit of 100000000 bytes/],
    ['header length just over the cap', withLength(BigInt(MAX_HEADER_BYTES + 1)), /safetensors: header length 100000001 exceeds the limit of 100000000 bytes/],
    ['garbage JSON', (() => {
      const b = good.slice();
      b.fill(0x78, 9, goodHeader.dataStart); // '{xxxx...'
      return b;
    })(), /safetensors: header is not valid JSON/],
    ['offsets out of range', rawFile({ '0.weight': f32([2, 2], [0, 16]), '0.bias': f32([2], [16, 24]) }, [1, 2, 3, 4, 5]), /safetensors: tensor "0.bias": data_offsets \[16, 24\] lie outside the 20-byte data buffer/],
    ['overlapping tensors', rawFile({ '0.weight': f32([2, 2], [0, 16]), '0.bias': f32([2], [8, 16]) }, [1, 2, 3, 4]), /safetensors: tensor "0.bias" \[8, 16\] overlaps tensor "0.weight" \[0, 16\]/],
    ['unknown dtype', rawFile({ '0.weight': { dtype: 'Q8', shape: [4], data_offsets: [0, 4] } }, [1]), /safetensors: tensor "0.weight": unknown dtype "Q8"/],
    ['shape and size disagree', rawFile({ '0.weight': f32([3, 2], [0, 16]) }, [1, 2, 3, 4]), /safetensors: tensor "0.weight": shape \[3,2\] of F32 \(4 bytes per element\) does not match its 16-byte data range/],
    ['config naming an unknown module type', config({ type: 'Transformer9000', args: {} }), /modelFromBytes: cannot rebuild the model from its architecture config: moduleFromConfig: unknown module type 'Transformer9000'/],
    ['unknown type deep inside', config({ type: 'Sequential', children: [{ type: 'ReLU' }, { type: 'Nope' }] }), /unknown module type 'Nope'/],
    ['config JSON is an array', config([1, 2]), /modelFromBytes: invalid architecture config: the root module must be an object \{type, args\?, children\?\}, got an array/],
    ['config JSON is a string', config('"Linear"'), /the root module must be an object .*got the string "Linear"/],
    ['config JSON is null', config('null'), /the root module must be an object .*got null/],
    ['config JSON is a number', config('42'), /got number 42/],
    ['config is not JSON', config('{"type": "Sequential", '), /modelFromBytes: unreadable architecture config: /],
    ['config without a type', config({ args: {} }), /the root module needs a "type" naming a module .* got nothing/],
    ['type name of a megabyte', config({ type: 'x'.repeat(1 << 20) }), /needs a "type" naming a module \(a string of 1 to 200 characters\), got the string "x+\.\.\."/],
    ['args not an object', config({ type: 'Linear', args: [2, 2] }), /the root module \(Linear\): "args" must be an object, got an array/],
    ['children of the wrong kind', config({ type: 'Sequential', children: { a: { type: 'ReLU' } } }), /\(Sequential\): "children" must be an array, got an object/],
    ['child not an object', config({ type: 'Sequential', children: [{ type: 'ReLU' }, 5] }), /module '1' must be an object .*got number 5/],
    ['modules nested 10000 deep', config(`${'{"type":"Sequential","children":['.repeat(10000)}{"type":"ReLU"}${']}'.repeat(10000)}`), /modules are nested more than 64 levels deep/],
    ['100001 modules', config({ type: 'Sequential', children: Array(100_001).fill({ type: 'ReLU' }) }), /describes more than 100000 modules/],
    ['a config asking for a huge layer', config({ type: 'Sequential', children: [{ type: 'Linear', args: { inFeatures: 1e6, outFeatures: 1e6 } }] }, weights),
      /modelFromBytes: the architecture config describes layers with at least 1,000,000,000,000 parameter values, but the file holds only 6/],
    ['a huge convolution', config({ type: 'Conv2d', args: { inChannels: 4096, outChannels: 4096, kernelSize: [64, 64] } }), /at least 68,719,476,736 parameter values, but the file holds only 0/],
    ['a layer rejecting its args', config({ type: 'Linear', args: { inFeatures: -1, outFeatures: 2 } }), /cannot rebuild the model from its architecture config: Linear: inFeatures must be a positive integer, got -1/],
    ['a layer without its args', config({ type: 'Sequential', children: [{ type: 'Conv2d' }] }), /modelFromBytes: invalid architecture config: module '0' \(Conv2d\) has no "args"/],
    ['weights of the wrong shape', config({ type: 'Sequential', children: [{ type: 'Linear', args: { inFeatures: 1, outFeatures: 2 } }] }, weights),
      /modelFromBytes: the weights do not fit the model: loadStateDict: size mismatch for 0\.weight: expected \[2,1\], got \[2,2\]/],
    ['missing weights', config({ type: 'Sequential', children: [{ type: 'Linear', args: { inFeatures: 2, outFeatures: 2 } }, { type: 'Linear', args: { inFeatures: 2, outFeatures: 1 } }] }, weights),
      /the weights do not fit the model: loadStateDict: missing keys: 1\.weight, 1\.bias/],
  ];
  await withDir(async (dir) => {
    for (const [what, bytes, re] of cases) {
      // A malformed safetensors part gives the decoder's own error; a bad config or weights that do not fit give
      // errors naming the function (and, for files, the file).
      const decoder = re.source.startsWith('safetensors: ');
      assert.throws(() => modelFromBytes(bytes), (e: unknown) => {
        assert.ok(e instanceof Error, `${what}: an Error`);
        assert.match(e.message, decoder ? /^safetensors: / : /^modelFromBytes: /, what);
        assert.match(e.message, re, what);
        assert.ok(e.message.length < 1000, `${what}: a short message (${e.message.length} chars)`);
        return true;
      }, what);
      // From a file: the same (the slowest case, which only repeats the bytes path, is left out).
      if (what === '100001 modules') continue;
      const path = join(dir, 'hostile.safetensors');
      writeFileSync(path, bytes);
      await assert.rejects(loadModel(path), (e: Error) => {
        if (decoder) assert.match(e.message, re, what);
        else {
          assert.match(e.message, /^loadModel: '.*hostile\.safetensors': /, what);
          assert.match(e.message.replace(/^loadModel: '[^']*'/, 'modelFromBytes'), re, what);
        }
        return true;
      }, what);
    }
    // With strict: false a config may ask for somewhat more than the file holds (missing weights stay as initialised).
    const partial = config({ type: 'Sequential', children: [{ type: 'Linear', args: { inFeatures: 2, outFeatures: 2 } }, { type: 'Linear', args: { inFeatures: 2, outFeatures: 1 } }] }, weights);
    const { model } = modelFromBytes(partial, { strict: false });
    assert.deepEqual(Array.from(model.stateDict().get('0.weight')!.data()), Array.from(weights['0.weight'].data()));
    // Files that are not model files at all.
    await assert.rejects(loadModel(join(dir, 'missing.safetensors')), (e: Error & { code?: string }) => /^safetensors: cannot open '.*missing\.safetensors'/.test(e.message) && e.code === 'ENOENT');
    mkdirSync(join(dir, 'adir'));
    await assert.rejects(loadModel(join(dir, 'adir')), /^Error: safetensors: '.*adir' is not a regular file/);
    await assert.rejects(loadModel(join(dir, 'hostile.safetensors'), { maxFileBytes: 10 }), /larger than the limit of 10 bytes/);
  });
});

// ------------------------------------------------------------------ PyTorch interop

interface TorchModelFixture {
  architecture: string;
  state_dict_keys: string[];
  tensors: Record<string, { dtype: string; shape: number[]; data: number[] }>;
  input: { shape: number[]; data: number[] };
  output: { shape: number[]; data: number[] };
}

const TORCH_MODELS: [string, () => Sequential][] = [
  ['mlp', () => new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3))],
  ['cnn', () => new Sequential(new Conv2d(1, 4, 3), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Dropout(0.25), new Flatten(), new Linear(36, 3))],
];

test('weights saved by PyTorch load into the same architecture built in Myelin and give PyTorch\'s predictions', async () => {
  for (const [name, build] of TORCH_MODELS) {
    const fx = JSON.parse(readFileSync(fixture(`torch_${name}.json`), 'utf8')) as TorchModelFixture;
    const path = fixture(`torch_${name}.safetensors`);
    const model = build();
    const returned = await loadModel(path, { into: model });
    assert.equal(returned, model);
    assert.equal(model.training, false, `${name}: eval mode`);
    // Every tensor arrives with PyTorch's values (float32 exactly; int64 counters as int32).
    const sd = model.stateDict();
    for (const [key, want] of Object.entries(fx.tensors)) {
      const t = sd.get(key);
      assert.ok(t, `${name}: ${key} present`);
      assert.deepEqual([...t.shape], want.shape, `${name}: ${key} shape`);
      assert.equal(t.dtype, want.dtype === 'I64' ? 'int32' : 'float32', `${name}: ${key} dtype`);
      assert.deepEqual(Array.from(t.data()), want.data, `${name}: ${key} values`);
    }
    const x = tensor(fx.input.data, { shape: fx.input.shape });
    const y = noGrad(() => model.forward(x) as Tensor);
    assert.deepEqual([...y.shape], fx.output.shape, `${name}: output shape`);
    assertClose(y.data(), fx.output.data, 1e-5, 1e-4, `${name} (${fx.architecture}) output`);
    // A PyTorch file has no Myelin config: loading it without { into } says so.
    await assert.rejects(loadModel(path), /holds weights but no Myelin architecture config/);
  }
});

test('a Myelin-saved file names its tensors exactly as PyTorch\'s state_dict does for the same architecture', () => {
  for (const [name, build] of TORCH_MODELS) {
    const fx = JSON.parse(readFileSync(fixture(`torch_${name}.json`), 'utf8')) as TorchModelFixture;
    const model = build();
    assert.deepEqual([...model.stateDict().keys()], fx.state_dict_keys, `${name}: stateDict keys in PyTorch's order`);
    const header = readSafetensorsHeader(modelToBytes(model));
    assert.deepEqual(header.entries.map((e) => e.name).sort(), [...fx.state_dict_keys].sort(), `${name}: tensor names in the file`);
    for (const e of header.entries) {
      const want = fx.tensors[e.name];
      assert.deepEqual(e.shape, want.shape, `${name}: ${e.name} shape`);
      // Myelin's integer dtype is int32: BatchNorm's step counter is I32 where PyTorch writes I64 (PyTorch reads either).
      assert.equal(e.dtype, want.dtype === 'I64' ? 'I32' : want.dtype, `${name}: ${e.name} dtype`);
    }
  }
});
