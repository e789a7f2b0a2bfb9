/** Reading and writing models: safetensors weights and whole models as bytes and as files (Node), atomic file replacement. */
export {
  encodeSafetensors,
  decodeSafetensors,
  readSafetensorsHeader,
  MAX_HEADER_BYTES,
  MAX_JSON_DEPTH,
  DEFAULT_MAX_FILE_BYTES,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type SafetensorsContents,
  type DecodeOptions,
  type LoadOptions,
} from './safetensors.js';
export { saveSafetensors, loadSafetensors } from './safetensors-file.js';
export { saveModel, loadModel, loadModelWithMetadata } from './model-file.js';
export {
  modelToBytes,
  modelFromBytes,
  CONFIG_KEY,
  FORMAT_KEY,
  VERSION_KEY,
  MAX_CONFIG_DEPTH,
  MAX_CONFIG_MODULES,
  type SaveOptions,
  type LoadModelOptions,
  type LoadedModel,
} from './model.js';
export { writeFileAtomic, type AtomicWriteOptions } from './atomic.js';
