/**
 * The data pipeline: datasets and batching (browser-safe), text features (browser-safe), e-mail reading
 * (browser-safe), CSV (parseCsv browser-safe, loadCsv reads files) and the bundled dataset loaders (Node only).
 */
export { Dataset, TensorDataset, Subset, randomSplit, batchGetter, type RandomSplitOptions } from './dataset.js';
export { DataLoader, defaultCollate, type Collated, type DataLoaderOptions } from './dataloader.js';
export {
  tokenize, Vocabulary, CountVectorizer, TfidfVectorizer, type TokenizeOptions, type VocabularyOptions,
  type BuildVocabularyOptions, type CountVectorizerOptions, type TfidfVectorizerOptions,
} from './text.js';
export { emailToText, parseEmail, htmlToText, type ParsedEmail } from './email.js';
export { loadCsv, parseCsv, parseCsvRecords, type CsvData, type CsvOptions, type CsvRecord } from './csv.js';
export { type CacheOptions, type CacheInfo } from './cache.js';
export { mnist, MNIST_TRAIN_FRACTION, MNIST_ORDER_SEED, type Mnist, type MnistSplit } from './datasets/mnist.js';
export {
  spamAssassin, spamSplitIndices, SPAM_TRAIN_FRACTION, SPAM_SPLIT_SEED, type SpamAssassin, type SpamSplit,
} from './datasets/spam.js';

import { mnist } from './datasets/mnist.js';
import { spamAssassin } from './datasets/spam.js';

/** The bundled dataset loaders. */
export const datasets = { mnist, spamAssassin };
