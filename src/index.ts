/**
 * Myelin: tensors, eager autograd and neural networks in TypeScript. The Node.js entry: everything in ./core.js, the
 * wasm kernels (compiled when the first tensor needs them), and the parts that use Node's modules (files, the
 * bundled datasets, CSV loading). No top-level await, so CommonJS code can `require('myelin')` where Node has
 * require(esm) (20.19+).
 */
import './backend/wasm/node.js';

export * from './core.js';

// Data: the full namespace adds the bundled dataset loaders and loadCsv (files) to the browser's.
export * as data from './data/index.js';
export { datasets, loadCsv } from './data/index.js';

// Callbacks that write files.
export { ModelCheckpoint, JsonLogger } from './train/file-callbacks.js';

// Files: whole models (weights + architecture) and raw safetensors.
export { saveModel as save, loadModel as load, saveModel, loadModel, loadModelWithMetadata } from './io/model-file.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors-file.js';
export { writeFileAtomic } from './io/atomic.js';
