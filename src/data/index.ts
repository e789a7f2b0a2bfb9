/**
 * The data pipeline: everything in ./browser.js (datasets and batching, text features, e-mail reading, parseCsv; all
 * browser-safe) plus the Node-only parts: loadCsv (reads files) and the bundled dataset loaders.
 */
export * from './browser.js';
export { loadCsv } from './csv.js';
export { type CacheOptions, type CacheInfo } from './cache.js';
export { mnist, MNIST_TRAIN_FRACTION, MNIST_ORDER_SEED, type Mnist, type MnistSplit } from './datasets/mnist.js';
export {
  spamAssassin, spamSplitIndices, SPAM_TRAIN_FRACTION, SPAM_SPLIT_SEED, type SpamAssassin, type SpamSplit,
} from './datasets/spam.js';

import { mnist } from './datasets/mnist.js';
import { spamAssassin } from './datasets/spam.js';

/** The bundled dataset loaders. */
export const datasets = { mnist, spamAssassin };
