/** Reading and writing files: safetensors weights and atomic file replacement. */
export {
  encodeSafetensors,
  decodeSafetensors,
  readSafetensorsHeader,
  saveSafetensors,
  loadSafetensors,
  MAX_HEADER_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type SafetensorsContents,
  type DecodeOptions,
  type LoadOptions,
} from './safetensors.js';
export { writeFileAtomic, type AtomicWriteOptions } from './atomic.js';
