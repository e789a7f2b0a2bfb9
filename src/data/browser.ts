/**
 * The browser-safe part of the data pipeline: datasets and batching, text features, e-mail reading, CSV parsing
 * from a string, and turning a picture (a canvas's pixels, a decoded PNG) into an MNIST-style input. Nothing here imports a Node module; ./index.js adds the file-reading parts (loadCsv, the bundled
 * dataset loaders).
 */
export { Dataset, TensorDataset, Subset, randomSplit, batchGetter, type RandomSplitOptions } from './dataset.js';
export { DataLoader, defaultCollate, type Collated, type DataLoaderOptions } from './dataloader.js';
export {
  tokenize, Vocabulary, CountVectorizer, TfidfVectorizer, type TokenizeOptions, type VocabularyOptions,
  type BuildVocabularyOptions, type CountVectorizerOptions, type TfidfVectorizerOptions,
} from './text.js';
export { emailToText, parseEmail, htmlToText, type ParsedEmail } from './email.js';
export { parseCsv, parseCsvRecords, type CsvData, type CsvOptions, type CsvRecord } from './csvparse.js';
export { toMnistInput, toGrey, MNIST_SIZE, type MnistInputOptions, type RasterImage } from './image/preprocess.js';
