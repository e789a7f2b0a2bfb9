import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EarlyStopping, JsonLogger, LambdaCallback, ModelCheckpoint, fit, loadModel, loadModelWithMetadata, modelFromBytes,
  type Callback, type Logs, type Metric, type TrainingContext,
} from '../../src/index.js';
import { Linear } from '../../src/nn/index.js';
import { blobs, classifier, weights } from './data.js';

const quiet = { verbose: false } as const;

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-train-'));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A metric whose value is scripted per epoch (the epoch number comes from a callback), to drive monitors exactly. */
function scripted(name: string, values: number[]): { metric: Metric; clock: Callback } {
  let epoch = 0;
  return {
    metric: { name, reset() {}, update() {}, result: () => values[epoch - 1] },
    clock: new LambdaCallback({ onEpochBegin: (e) => { epoch = e; } }),
  };
}

/** Records the weights at the end of every epoch. */
function weightLog(): { cb: Callback; at: Record<string, number[]>[] } {
  const at: Record<string, number[]>[] = [];
  return { at, cb: new LambdaCallback({ onEpochEnd: (_e, _l, ctx) => { at.push(weights(ctx.model)); } }) };
}

function fakeCtx(): TrainingContext {
  return { model: new Linear(1, 1), epochs: 100, stopTraining: false };
}

test('callbacks are called in order: train begin, per epoch begin/batches/end, train end; async ones are awaited', async () => {
  const [x, y] = blobs(20);
  const events: string[] = [];
  const delay = () => new Promise((r) => setTimeout(r, 2));
  const first: Callback = {
    async onTrainBegin(ctx) { await delay(); events.push(`trainBegin epochs=${ctx.epochs}`); },
    async onEpochBegin(e) { await delay(); events.push(`epochBegin ${e}`); },
    async onBatchEnd(s, logs) { await delay(); events.push(`batch ${s} ${Number.isFinite(logs.loss) && 'accuracy' in logs}`); },
    async onEpochEnd(e, logs) { await delay(); events.push(`epochEnd ${e} ${'valLoss' in logs && 'lr' in logs}`); },
    async onTrainEnd(logs) { await delay(); events.push(`trainEnd ${'loss' in logs}`); },
  };
  // a second, synchronous callback: it must always come right after the first one's (awaited) entry
  const second = new LambdaCallback({
    onTrainBegin: () => { events.push('2:trainBegin'); },
    onEpochBegin: (e) => { events.push(`2:epochBegin ${e}`); },
    onBatchEnd: (s) => { events.push(`2:batch ${s}`); },
    onEpochEnd: (e) => { events.push(`2:epochEnd ${e}`); },
    onTrainEnd: () => { events.push('2:trainEnd'); },
  });
  await fit(classifier(0), [x, y], { ...quiet, epochs: 2, batchSize: 8, metrics: ['accuracy'], validationData: [x, y], callbacks: [first, second] });
  const expected = ['trainBegin epochs=2', '2:trainBegin'];
  for (const e of [1, 2]) {
    expected.push(`epochBegin ${e}`, `2:epochBegin ${e}`);
    for (const s of [1, 2, 3]) expected.push(`batch ${s} true`, `2:batch ${s}`);
    expected.push(`epochEnd ${e} true`, `2:epochEnd ${e}`);
  }
  expected.push('trainEnd true', '2:trainEnd');
  assert.deepEqual(events, expected);
});

test('ctx.stopTraining stops after the current epoch', async () => {
  const [x, y] = blobs(16);
  const batches: string[] = [];
  const stopper = new LambdaCallback({
    onBatchEnd: (s, _l, ctx) => { batches.push(`${s}`); if (s === 1) ctx.stopTraining = true; },
  });
  const h = await fit(classifier(1), [x, y], { ...quiet, epochs: 5, batchSize: 4, callbacks: [stopper] });
  assert.deepEqual(h.epoch, [1]);
  assert.deepEqual(batches, ['1', '2', '3', '4']);
  const atEpoch3 = new LambdaCallback({ onEpochEnd: (e, _l, ctx) => { if (e === 3) ctx.stopTraining = true; } });
  const h2 = await fit(classifier(1), [x, y], { ...quiet, epochs: 10, batchSize: 4, callbacks: [atEpoch3] });
  assert.deepEqual(h2.epoch, [1, 2, 3]);
});

test('EarlyStopping: patience counts epochs without improvement', () => {
  const run = (values: number[], options: ConstructorParameters<typeof EarlyStopping>[0]) => {
    const es = new EarlyStopping(options);
    const ctx = fakeCtx();
    es.onTrainBegin();
    let e = 0;
    for (const v of values) {
      e++;
      es.onEpochEnd(e, { valLoss: v, valAccuracy: v, score: v }, ctx);
      if (ctx.stopTraining) break;
    }
    return { stopped: es.stoppedEpoch, best: es.bestEpoch, ran: e };
  };
  // min (valLoss by default): improvements at 1, 2, 4; with patience 2, epochs 5 and 6 are bad -> stop at 6
  assert.deepEqual(run([5, 4, 4.5, 3, 3.5, 3.2, 1], { patience: 2 }), { stopped: 6, best: 4, ran: 6 });
  // patience 0 (the default): the first bad epoch stops
  assert.deepEqual(run([5, 4, 4.5, 3], {}), { stopped: 3, best: 2, ran: 3 });
  // minDelta: only a fall of more than 0.6 below the best counts (4 -> 3.5 does not, 4 -> 3.39 does, 3.39 -> 2.8 not)
  assert.deepEqual(run([4, 3.5, 3.39, 2.8, 2.7, 2.6, 2.5], { patience: 2, minDelta: 0.6 }), { stopped: 7, best: 5, ran: 7 });
  assert.deepEqual(run([4, 3.5, 3.39, 2.8, 2.7, 2.6, 2.5], { patience: 2 }), { stopped: 0, best: 7, ran: 7 });
  // minDelta's sign does not matter
  assert.deepEqual(run([4, 3.5, 3.39, 2.8, 2.7, 2.6, 2.5], { patience: 2, minDelta: -0.6 }), { stopped: 7, best: 5, ran: 7 });
  // mode max, explicit or inferred (auto) from an accuracy-like key; auto on a loss-like key is min
  assert.deepEqual(run([0.5, 0.7, 0.6, 0.65, 0.9], { patience: 2, mode: 'max', monitor: 'score' }), { stopped: 4, best: 2, ran: 4 });
  assert.deepEqual(run([0.5, 0.7, 0.6, 0.65, 0.9], { patience: 2, monitor: 'valAccuracy' }), { stopped: 4, best: 2, ran: 4 });
  assert.deepEqual(run([0.5, 0.7, 0.6, 0.65, 0.9], { patience: 2, mode: 'auto', monitor: 'score' }), { stopped: 3, best: 1, ran: 3 });
  assert.deepEqual(run([0.5, 0.4, 0.6, 0.3, 0.35], { patience: 1, mode: 'min', monitor: 'valAccuracy' }), { stopped: 3, best: 2, ran: 3 });
  // a quantity that is not logged is an error naming what is
  const es = new EarlyStopping({ monitor: 'valF1' });
  assert.throws(() => es.onEpochEnd(1, { loss: 1, valLoss: 2 }, fakeCtx()), /monitored quantity 'valF1' is not in the logs \(available: loss, valLoss\)/);
});

test('EarlyStopping in fit stops training and restoreBestWeights puts back the best epoch\'s weights', async () => {
  const [x, y] = blobs(32);
  const { metric, clock } = scripted('score', [3, 2, 2.5, 1.5, 1.8, 1.7, 1.6, 0.1]);
  const log = weightLog();
  const es = new EarlyStopping({ monitor: 'score', patience: 3, restoreBestWeights: true });
  const model = classifier(2);
  const h = await fit(model, [x, y], { ...quiet, epochs: 8, batchSize: 8, lr: 0.05, metrics: [metric], callbacks: [clock, log.cb, es] });
  assert.deepEqual(h.epoch, [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(h.history.score, [3, 2, 2.5, 1.5, 1.8, 1.7, 1.6]);
  assert.equal(es.bestEpoch, 4);
  assert.equal(es.stoppedEpoch, 7);
  assert.deepEqual(weights(model), log.at[3]);
  assert.notDeepEqual(log.at[6], log.at[3]);

  // without restoreBestWeights the last epoch's weights stay
  const { metric: m2, clock: c2 } = scripted('score', [3, 2, 2.5, 1.5, 1.8, 1.7, 1.6, 0.1]);
  const log2 = weightLog();
  const model2 = classifier(2);
  await fit(model2, [x, y], { ...quiet, epochs: 8, batchSize: 8, lr: 0.05, metrics: [m2], callbacks: [c2, log2.cb, new EarlyStopping({ monitor: 'score', patience: 3 })] });
  assert.deepEqual(weights(model2), log2.at[6]);

  // the same callback reused for a second fit starts afresh (its best value is not carried over)
  const model3 = classifier(3);
  const { metric: m3, clock: c3 } = scripted('score', [5, 4, 3]);
  const h3 = await fit(model3, [x, y], { ...quiet, epochs: 3, batchSize: 8, metrics: [m3], callbacks: [c3, es] });
  assert.deepEqual(h3.epoch, [1, 2, 3]);
  assert.equal(es.bestEpoch, 3);
  assert.equal(es.stoppedEpoch, 0);
});

test('ModelCheckpoint every epoch: {epoch} in the path, files load with loadModel, epoch in the metadata', async () => {
  await withDir(async (dir) => {
    const [x, y] = blobs(24);
    const log = weightLog();
    const ck = new ModelCheckpoint({ path: join(dir, 'ck-{epoch}', 'model-{epoch}.safetensors'), saveBestOnly: false });
    // the folder for each file must exist: make it from a callback that runs first
    const mk = new LambdaCallback({
      onEpochEnd: async (e) => {
        const { mkdir } = await import('node:fs/promises');
        await mkdir(join(dir, `ck-${e}`));
      },
    });
    const model = classifier(4);
    const h = await fit(model, [x, y], { ...quiet, epochs: 3, batchSize: 8, metrics: ['accuracy'], callbacks: [log.cb, mk, ck] });
    assert.deepEqual(ck.saved, [1, 2, 3].map((e) => join(dir, `ck-${e}`, `model-${e}.safetensors`)));
    for (const e of [1, 2, 3]) {
      const { model: loaded, metadata } = await loadModelWithMetadata(ck.saved[e - 1]);
      assert.equal(metadata.epoch, String(e));
      const logs = JSON.parse(metadata.logs) as Logs;
      assert.equal(logs.loss, h.history.loss[e - 1]);
      assert.equal(logs.accuracy, h.history.accuracy[e - 1]);
      assert.deepEqual(weights(loaded), log.at[e - 1]);
      assert.equal(loaded.training, false);
    }
    const plain = await loadModel(ck.saved[2]);
    assert.deepEqual(weights(plain), weights(model));
    for (const e of [1, 2, 3]) assert.deepEqual(readdirSync(join(dir, `ck-${e}`)), [`model-${e}.safetensors`]);
  });
});

test('ModelCheckpoint best-only writes when the monitored value improves, replacing the file atomically', async () => {
  await withDir(async (dir) => {
    const [x, y] = blobs(24);
    const path = join(dir, 'best.safetensors');
    const { metric, clock } = scripted('acc', [0.5, 0.75, 0.7, 0.9, 0.9]);
    const log = weightLog();
    const ck = new ModelCheckpoint({ path, monitor: 'acc', mode: 'max' });
    // hold the file written at epoch 1 open: an atomic replacement (temp file + rename) leaves what it reads intact
    let held: Awaited<ReturnType<typeof open>> | undefined;
    const holder = new LambdaCallback({ onEpochBegin: async (e) => { if (e === 2) held = await open(path, 'r'); } });
    try {
      await fit(classifier(5), [x, y], { ...quiet, epochs: 5, batchSize: 8, metrics: [metric], callbacks: [clock, log.cb, ck, holder] });
      assert.deepEqual(ck.saved, [path, path, path]);
      const { model, metadata } = await loadModelWithMetadata(path);
      assert.equal(metadata.epoch, '4');
      assert.deepEqual(weights(model), log.at[3]);
      const old = modelFromBytes(new Uint8Array(await held!.readFile()));
      assert.equal(old.metadata.epoch, '1');
      assert.deepEqual(weights(old.model), log.at[0]);
    } finally {
      await held?.close();
    }
    assert.deepEqual(readdirSync(dir), ['best.safetensors']);
    // the default monitor is valLoss, which needs validation data
    const ck2 = new ModelCheckpoint({ path: join(dir, 'v.safetensors') });
    await assert.rejects(fit(classifier(5), [x, y], { ...quiet, epochs: 1, batchSize: 8, callbacks: [ck2] }), /monitored quantity 'valLoss' is not in the logs/);
    await fit(classifier(5), [x, y], { ...quiet, epochs: 2, batchSize: 8, validationData: [x, y], callbacks: [ck2] });
    assert.ok(ck2.saved.length >= 1);
  });
});

test('JsonLogger writes one JSON line per epoch, creating its folder', async () => {
  await withDir(async (dir) => {
    const [x, y] = blobs(24);
    const path = join(dir, 'logs', 'deeper', 'train.jsonl');
    const logger = new JsonLogger(path);
    assert.deepEqual(readdirSync(dir), [], 'the constructor does no I/O');
    const h = await fit(classifier(6), [x, y], { ...quiet, epochs: 3, batchSize: 8, metrics: ['accuracy'], validationData: [x, y], callbacks: [logger] });
    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 3);
    lines.forEach((line, i) => {
      const rec = JSON.parse(line) as Record<string, number>;
      assert.equal(rec.epoch, i + 1);
      for (const k of Object.keys(h.history)) assert.equal(rec[k], h.history[k][i], k);
      assert.deepEqual(Object.keys(rec), ['epoch', ...Object.keys(h.history)]);
    });
    // a second run appends
    await fit(classifier(6), [x, y], { ...quiet, epochs: 1, batchSize: 8, callbacks: [logger] });
    assert.equal(readFileSync(path, 'utf8').split('\n').length, 5);
  });
});

test('LambdaCallback calls the hooks it is given and no others', async () => {
  const [x, y] = blobs(8);
  const seen: string[] = [];
  const cb = new LambdaCallback({ onEpochEnd: (e, logs) => { seen.push(`${e}:${typeof logs.loss}`); } });
  assert.equal((cb as Callback).onBatchEnd, undefined);
  await fit(classifier(7), [x, y], { ...quiet, epochs: 2, batchSize: 4, callbacks: [cb] });
  assert.deepEqual(seen, ['1:number', '2:number']);
});
