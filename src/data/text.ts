/**
 * Text features: a tokenizer, a vocabulary, and bag-of-words / TF-IDF vectorisers that follow scikit-learn's
 * CountVectorizer and TfidfVectorizer (same pruning rules, alphabetical feature order, smooth idf, l2 norm).
 * Browser-safe (no Node modules).
 */
import { Tensor } from '../tensor/tensor.js';
import { adoptTyped } from './util.js';

export interface TokenizeOptions {
  /** Lower-case the text first (default true). */
  lowercase?: boolean;
}

// A word: a letter, then letters, marks, digits or underscores, with internal apostrophes ("don't", "o'reilly").
// A number: digits with internal separators ("3.50", "1,000,000", "12:30").
const TOKEN = /\p{L}[\p{L}\p{M}\p{N}_]*(?:['\u2019][\p{L}\p{M}\p{N}_]+)*|\p{N}+(?:[.,:]\p{N}+)*/gu;

/**
 * Splits text into word and number tokens, the rest (punctuation, symbols, white space) being separators.
 * A word starts with a letter and goes on over letters, digits, combining marks, underscores and internal apostrophes
 * ("don't"; a curly apostrophe is written as a straight one). A number is a run of digits with internal '.', ',' or
 * ':' ("3.50", "1,000", "12:30"). So an e-mail address or URL splits into its parts ("www.example.com" -> www, example,
 * com) and "100mg" into 100, mg, which is what a bag-of-words model wants.
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const { lowercase = true } = options;
  const out = (lowercase ? text.toLowerCase() : text).match(TOKEN);
  if (!out) return [];
  for (let i = 0; i < out.length; i++) if (out[i].includes('\u2019')) out[i] = out[i].replace(/\u2019/g, "'");
  return out;
}

export interface VocabularyOptions {
  /** Tokens placed first, in this order (e.g. '<pad>', '<unk>'), whatever their counts. */
  specials?: readonly string[];
  /** The token unknown tokens encode to; must be one of the vocabulary's tokens (usually a special). */
  unknown?: string;
}

export interface BuildVocabularyOptions extends VocabularyOptions {
  /** Keep tokens seen at least this many times (default 1). */
  minFreq?: number;
  /** Keep at most this many tokens, specials included, the most frequent first. */
  maxSize?: number;
}

/** A two-way map between tokens and indices 0..size-1. */
export class Vocabulary {
  private readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  private unknownId = -1;

  constructor(tokens: Iterable<string> = [], options: VocabularyOptions = {}) {
    for (const s of options.specials ?? []) this.add(s);
    for (const t of tokens) this.add(t);
    if (options.unknown !== undefined) this.setUnknown(options.unknown);
  }

  /**
   * A vocabulary of the tokens in `documents` (each a list of tokens): specials first, then tokens by descending
   * count, ties in order of first appearance.
   */
  static build(documents: Iterable<readonly string[]>, options: BuildVocabularyOptions = {}): Vocabulary {
    const { minFreq = 1, maxSize = Infinity } = options;
    const counts = new Map<string, number>();
    for (const doc of documents) for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
    const specials = new Set(options.specials ?? []);
    const ranked = [...counts].filter(([t, c]) => c >= minFreq && !specials.has(t));
    ranked.sort((a, b) => b[1] - a[1]); // stable: ties keep first-appearance order
    const room = Math.max(0, maxSize - specials.size);
    return new Vocabulary(ranked.slice(0, room).map(([t]) => t), options);
  }

  /** Number of tokens. */
  get size(): number {
    return this.list.length;
  }
  get length(): number {
    return this.list.length;
  }
  /** The tokens in index order. */
  get tokens(): readonly string[] {
    return this.list;
  }
  /** The index unknown tokens encode to, or -1 when there is none. */
  get unknownIndex(): number {
    return this.unknownId;
  }

  setUnknown(token: string): void {
    const i = this.index.get(token);
    if (i === undefined) throw new RangeError(`Vocabulary: unknown token '${token}' is not in the vocabulary (add it as a special)`);
    this.unknownId = i;
  }

  /** Adds a token if new; returns its index. */
  add(token: string): number {
    let i = this.index.get(token);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(token);
      this.index.set(token, i);
    }
    return i;
  }

  has(token: string): boolean {
    return this.index.has(token);
  }

  /** The index of `token`; the unknown token's index (or -1 without one) when it is not in the vocabulary. */
  indexOf(token: string): number {
    return this.index.get(token) ?? this.unknownId;
  }

  /** The token at index `i`. */
  token(i: number): string {
    if (!Number.isInteger(i) || i < 0 || i >= this.list.length) throw new RangeError(`Vocabulary.token: index ${i} is out of range for a vocabulary of ${this.list.length} tokens`);
    return this.list[i];
  }

  /** Token indices; tokens not in the vocabulary map to the unknown token, or are dropped when there is none. */
  encode(tokens: readonly string[]): Int32Array {
    const out: number[] = [];
    for (const t of tokens) {
      const i = this.indexOf(t);
      if (i >= 0) out.push(i);
    }
    return Int32Array.from(out);
  }

  decode(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (i) => this.token(i));
  }

  toJSON(): { tokens: string[]; unknown?: string } {
    return this.unknownId >= 0 ? { tokens: this.list.slice(), unknown: this.list[this.unknownId] } : { tokens: this.list.slice() };
  }

  static fromJSON(json: { tokens: readonly string[]; unknown?: string }): Vocabulary {
    return new Vocabulary(json.tokens, { unknown: json.unknown });
  }
}

export interface CountVectorizerOptions {
  /** Lower-case before tokenizing (default true); ignored when a tokenizer is given. */
  lowercase?: boolean;
  /** Replaces `tokenize` (the `lowercase` option is then up to it). */
  tokenizer?: (text: string) => string[];
  /** Use n-grams for n in [min, max] (tokens joined by a space); default [1, 1]. */
  ngramRange?: readonly [number, number];
  /** Tokens to ignore (compared after lower-casing). */
  stopWords?: Iterable<string>;
  /**
   * Drop terms found in fewer documents: a number >= 1 is a document count, one in (0, 1) a fraction of the
   * documents. Default 1.
   */
  minDf?: number;
  /** Drop terms found in more documents: a number <= 1 is a fraction of the documents, one > 1 a count. Default 1. */
  maxDf?: number;
  /** Keep only the `maxFeatures` terms with the highest total count across the corpus (ties alphabetical). */
  maxFeatures?: number;
  /** Count presence (0/1) instead of occurrences. Default false. */
  binary?: boolean;
  /** A fixed vocabulary (in this order); fit then only learns document frequencies. */
  vocabulary?: Iterable<string>;
}

/** A sparse document-term matrix in compressed-row form (the rows' term indices unsorted). */
interface Csr {
  rows: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

/** The options that can be written to JSON (everything but a custom tokenizer). */
type SerializableOptions = Omit<CountVectorizerOptions, 'tokenizer' | 'stopWords' | 'vocabulary'> & { stopWords?: string[] };

/**
 * Counts the terms of each text into a CSR matrix. `lookup` gives a term's column (or -1 to skip it); `columns` is a
 * hint of how many there are (it may grow while counting).
 */
function countRows(texts: readonly string[], analyze: (text: string) => string[], lookup: (term: string) => number, columns: number): Csr {
  const indptr = new Int32Array(texts.length + 1);
  let cap = 1 << 16;
  let indices = new Int32Array(cap);
  let values = new Float64Array(cap);
  let nnz = 0;
  // slot[j]: where column j's count for the current row sits, valid when seenIn[j] is the current row + 1
  let slot = new Int32Array(Math.max(columns, 16));
  let seenIn = new Int32Array(slot.length);
  for (let r = 0; r < texts.length; r++) {
    for (const term of analyze(texts[r])) {
      const j = lookup(term);
      if (j < 0) continue;
      if (j >= slot.length) {
        const grow = (a: Int32Array) => { const b = new Int32Array(Math.max(j + 1, a.length * 2)); b.set(a); return b; };
        slot = grow(slot);
        seenIn = grow(seenIn);
      }
      if (seenIn[j] === r + 1) {
        values[slot[j]] += 1;
        continue;
      }
      if (nnz === cap) {
        cap *= 2;
        const i2 = new Int32Array(cap); i2.set(indices); indices = i2;
        const v2 = new Float64Array(cap); v2.set(values); values = v2;
      }
      seenIn[j] = r + 1;
      slot[j] = nnz;
      indices[nnz] = j;
      values[nnz] = 1;
      nnz++;
    }
    indptr[r + 1] = nnz;
  }
  return { rows: texts.length, indptr, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
}

/**
 * Bag of words: `fit(texts)` learns a vocabulary (sorted alphabetically, as scikit-learn), `transform(texts)` gives
 * a float32 [N, V] tensor of term counts.
 */
export class CountVectorizer {
  protected readonly options: Readonly<CountVectorizerOptions>;
  protected readonly stop: ReadonlySet<string>;
  protected vocab: Vocabulary | null = null;
  protected dfs: Int32Array | null = null;
  protected nDocs = 0;

  constructor(options: CountVectorizerOptions = {}) {
    const o = { ...options };
    const [lo, hi] = o.ngramRange ?? [1, 1];
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi < lo) throw new RangeError(`${this.constructor.name}: ngramRange must be integers 1 <= min <= max, got [${lo}, ${hi}]`);
    if (o.minDf !== undefined && !(o.minDf >= 0)) throw new RangeError(`${this.constructor.name}: minDf must be >= 0, got ${o.minDf}`);
    if (o.maxDf !== undefined && !(o.maxDf >= 0)) throw new RangeError(`${this.constructor.name}: maxDf must be >= 0, got ${o.maxDf}`);
    if (o.maxFeatures !== undefined && !(Number.isInteger(o.maxFeatures) && o.maxFeatures > 0)) throw new RangeError(`${this.constructor.name}: maxFeatures must be a positive integer, got ${o.maxFeatures}`);
    if (o.vocabulary !== undefined) {
      const list = [...o.vocabulary];
      const seen = new Set<string>();
      for (const t of list) {
        if (seen.has(t)) throw new RangeError(`${this.constructor.name}: the fixed vocabulary repeats '${t}'`);
        seen.add(t);
      }
      if (list.length === 0) throw new RangeError(`${this.constructor.name}: the fixed vocabulary is empty`);
      o.vocabulary = list;
    }
    this.stop = new Set(o.stopWords ?? []);
    this.options = o;
  }

  /** The learned vocabulary (feature i is vocabulary.token(i)). Throws before fit. */
  get vocabulary(): Vocabulary {
    if (!this.vocab) throw new Error(`${this.constructor.name}: not fitted yet; call fit(texts) first`);
    return this.vocab;
  }

  /** The feature names in column order. */
  get featureNames(): readonly string[] {
    return this.vocabulary.tokens;
  }

  /** Number of features (columns of transform's output). */
  get numFeatures(): number {
    return this.vocabulary.size;
  }

  /** Number of training documents containing each feature. */
  get documentFrequency(): Int32Array {
    if (!this.dfs) throw new Error(`${this.constructor.name}: not fitted yet; call fit(texts) first`);
    return this.dfs;
  }

  /** The terms (tokens and n-grams) of one text, stop words removed. */
  analyze(text: string): string[] {
    const o = this.options;
    const tokens = o.tokenizer ? o.tokenizer(text) : tokenize(text, { lowercase: o.lowercase ?? true });
    const words = this.stop.size > 0 ? tokens.filter((t) => !this.stop.has(t)) : tokens;
    const [lo, hi] = o.ngramRange ?? [1, 1];
    if (lo === 1 && hi === 1) return words;
    const out: string[] = [];
    for (let n = lo; n <= hi; n++) {
      for (let i = 0; i + n <= words.length; i++) out.push(n === 1 ? words[i] : words.slice(i, i + n).join(' '));
    }
    return out;
  }

  fit(texts: readonly string[]): this {
    this.fitCounts(texts);
    return this;
  }

  transform(texts: readonly string[]): Tensor {
    return this.toDense(this.weigh(this.count(texts, this.vocabulary)));
  }

  fitTransform(texts: readonly string[]): Tensor {
    return this.toDense(this.weigh(this.fitCounts(texts)));
  }

  /** Term counts of `texts` over a vocabulary (terms outside it ignored). */
  protected count(texts: readonly string[], vocab: Vocabulary): Csr {
    const m = countRows(texts, (text) => this.analyze(text), (term) => vocab.indexOf(term), vocab.size);
    if (this.options.binary) m.values.fill(1);
    return m;
  }

  /** Learns the vocabulary and document frequencies; returns the training texts' counts over it. */
  protected fitCounts(texts: readonly string[]): Csr {
    if (texts.length === 0) throw new RangeError(`${this.constructor.name}.fit: needs at least one text`);
    const o = this.options;
    // count over every term seen (or over the fixed vocabulary), then prune
    const all = o.vocabulary ? new Vocabulary(o.vocabulary) : new Vocabulary();
    const lookup = o.vocabulary ? (term: string) => all.indexOf(term) : (term: string) => all.add(term);
    const counted = countRows(texts, (text) => this.analyze(text), lookup, o.vocabulary ? all.size : 1024);
    const { indptr, indices: idx, values: val } = counted;
    const n = texts.length;
    const df = new Int32Array(all.size);
    const tf = new Float64Array(all.size);
    for (let k = 0; k < idx.length; k++) {
      df[idx[k]] += 1;
      tf[idx[k]] += o.binary ? 1 : val[k];
    }
    let keep: number[];
    if (o.vocabulary) {
      keep = Array.from({ length: all.size }, (_, j) => j);
    } else {
      const minDf = o.minDf ?? 1;
      const maxDf = o.maxDf ?? 1;
      const minCount = minDf >= 1 ? minDf : minDf * n;
      const maxCount = maxDf <= 1 ? maxDf * n : maxDf;
      keep = [];
      for (let j = 0; j < all.size; j++) if (df[j] >= minCount && df[j] <= maxCount) keep.push(j);
      if (keep.length === 0) throw new RangeError(`${this.constructor.name}.fit: no terms remain after pruning (minDf ${minDf}, maxDf ${maxDf}, ${n} documents, ${all.size} terms)`);
      const tokens = all.tokens;
      const byName = (a: number, b: number) => (tokens[a] < tokens[b] ? -1 : tokens[a] > tokens[b] ? 1 : 0);
      if (o.maxFeatures !== undefined && keep.length > o.maxFeatures) {
        keep.sort((a, b) => tf[b] - tf[a] || byName(a, b));
        keep = keep.slice(0, o.maxFeatures);
      }
      keep.sort(byName);
    }
    const remap = new Int32Array(all.size).fill(-1);
    keep.forEach((j, newJ) => { remap[j] = newJ; });
    this.vocab = new Vocabulary(keep.map((j) => all.token(j)));
    this.dfs = Int32Array.from(keep, (j) => df[j]);
    this.nDocs = n;
    this.afterFit();
    // the training counts, restricted to the kept terms
    const outPtr = new Int32Array(n + 1);
    const outIdx = new Int32Array(idx.length);
    const outVal = new Float64Array(idx.length);
    let nnz = 0;
    for (let r = 0; r < n; r++) {
      for (let k = indptr[r]; k < indptr[r + 1]; k++) {
        const j = remap[idx[k]];
        if (j >= 0) {
          outIdx[nnz] = j;
          outVal[nnz] = o.binary ? 1 : val[k];
          nnz++;
        }
      }
      outPtr[r + 1] = nnz;
    }
    return { rows: n, indptr: outPtr, indices: outIdx.slice(0, nnz), values: outVal.slice(0, nnz) };
  }

  /** Hook for subclasses: runs once the vocabulary and document frequencies are known. */
  protected afterFit(): void {}

  /** Turns counts into feature values (identity here; TF-IDF in the subclass). */
  protected weigh(m: Csr): Csr {
    return m;
  }

  protected toDense(m: Csr): Tensor {
    const v = this.vocabulary.size;
    const out = new Float32Array(m.rows * v);
    for (let r = 0; r < m.rows; r++) {
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) out[r * v + m.indices[k]] = m.values[k];
    }
    return adoptTyped(out, [m.rows, v], 'float32');
  }

  protected serializableOptions(): SerializableOptions {
    const { tokenizer: _t, stopWords: _s, vocabulary: _v, ...rest } = this.options;
    return this.stop.size > 0 ? { ...rest, stopWords: [...this.stop] } : rest;
  }

  /** The fitted state as plain JSON (a custom tokenizer is not saved: pass it again to fromJSON). */
  toJSON(): { kind: string; options: SerializableOptions; vocabulary: string[]; documentFrequency: number[]; numDocuments: number } {
    return {
      kind: 'CountVectorizer',
      options: this.serializableOptions(),
      vocabulary: this.vocabulary.tokens.slice(),
      documentFrequency: Array.from(this.documentFrequency),
      numDocuments: this.nDocs,
    };
  }

  /** Restores the state written by toJSON (of this class or TfidfVectorizer). */
  static fromJSON(json: ReturnType<CountVectorizer['toJSON']>, extra: { tokenizer?: (text: string) => string[] } = {}): CountVectorizer {
    const v = json.kind === 'TfidfVectorizer' ? new TfidfVectorizer({ ...json.options, ...extra }) : new CountVectorizer({ ...json.options, ...extra });
    v.restore(json);
    return v;
  }

  protected restore(json: ReturnType<CountVectorizer['toJSON']>): void {
    if (json.vocabulary.length !== json.documentFrequency.length) {
      throw new RangeError(`${this.constructor.name}.fromJSON: ${json.vocabulary.length} terms but ${json.documentFrequency.length} document frequencies`);
    }
    this.vocab = new Vocabulary(json.vocabulary);
    if (this.vocab.size !== json.vocabulary.length) throw new RangeError(`${this.constructor.name}.fromJSON: the vocabulary repeats a term`);
    this.dfs = Int32Array.from(json.documentFrequency);
    this.nDocs = json.numDocuments;
    this.afterFit();
  }
}

export interface TfidfVectorizerOptions extends CountVectorizerOptions {
  /** Row normalisation of the output: 'l2' (default), 'l1' or null. */
  norm?: 'l1' | 'l2' | null;
  /** Weight terms by inverse document frequency (default true). */
  useIdf?: boolean;
  /** idf = ln((1 + n) / (1 + df)) + 1, as if one extra document held every term (default true); else ln(n / df) + 1. */
  smoothIdf?: boolean;
  /** Replace a count tf by 1 + ln(tf) (default false). */
  sublinearTf?: boolean;
}

/**
 * TF-IDF features, as scikit-learn's TfidfVectorizer: value = tf * idf with tf the raw count (1 + ln(count) with
 * sublinearTf, presence with binary) and idf = ln((1 + n) / (1 + df)) + 1 (smoothIdf), then each row scaled to unit
 * l2 norm.
 */
export class TfidfVectorizer extends CountVectorizer {
  private idfs: Float64Array | null = null;

  constructor(options: TfidfVectorizerOptions = {}) {
    super(options);
    const norm = options.norm;
    if (norm !== undefined && norm !== null && norm !== 'l1' && norm !== 'l2') throw new RangeError(`TfidfVectorizer: norm must be 'l1', 'l2' or null, got '${norm}'`);
  }

  private get tfidfOptions(): TfidfVectorizerOptions {
    return this.options as TfidfVectorizerOptions;
  }

  /** The inverse document frequency of each feature. Throws before fit. */
  get idf(): Float64Array {
    if (!this.idfs) throw new Error('TfidfVectorizer: not fitted yet; call fit(texts) first');
    return this.idfs;
  }

  protected override afterFit(): void {
    const { smoothIdf = true } = this.tfidfOptions;
    const s = smoothIdf ? 1 : 0;
    const df = this.documentFrequency;
    this.idfs = Float64Array.from(df, (d) => Math.log((this.nDocs + s) / (d + s)) + 1);
  }

  protected override weigh(m: Csr): Csr {
    const { useIdf = true, sublinearTf = false, norm = 'l2' } = this.tfidfOptions;
    const idf = this.idf;
    const values = new Float64Array(m.values.length);
    for (let k = 0; k < values.length; k++) {
      let tf = m.values[k];
      if (sublinearTf && tf > 0) tf = 1 + Math.log(tf);
      values[k] = useIdf ? tf * idf[m.indices[k]] : tf;
    }
    if (norm) {
      for (let r = 0; r < m.rows; r++) {
        let acc = 0;
        for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) acc += norm === 'l2' ? values[k] * values[k] : Math.abs(values[k]);
        const scale = norm === 'l2' ? Math.sqrt(acc) : acc;
        if (scale > 0) for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) values[k] /= scale;
      }
    }
    return { ...m, values };
  }

  override toJSON(): ReturnType<CountVectorizer['toJSON']> {
    return { ...super.toJSON(), kind: 'TfidfVectorizer' };
  }
}
