/**
 * Myelin: tensors, eager autograd and neural networks in TypeScript. The Node.js entry: everything in ./browser.js
 * plus the parts that use Node's modules (files, the bundled datasets, CSV loading).
 */
export * from './browser.js';

// Data: the full namespace adds the bundled dataset loaders and loadCsv (files) to the browser's.
export * as data from './data/index.js';
export { datasets, loadCsv } from './data/index.js';

// Callbacks that write files.
export { ModelCheckpoint, JsonLogger } from './train/callbacks.js';

// Files: whole models (weights + architecture) and raw safetensors.
export {
  saveModel as save, loadModel as load, saveModel, loadModel, loadModelWithMetadata,
} from './io/model.js';
export { saveSafetensors, loadSafetensors, writeFileAtomic } from './io/index.js';
