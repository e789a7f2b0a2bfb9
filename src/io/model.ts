/**
 * Whole-model files: the stateDict as safetensors (tensor names exactly as PyTorch's state_dict would have them, so
 * weights move both ways) and the architecture config as JSON in the safetensors metadata, so `load` can rebuild the
 * model without user code. Files are written atomically.
 */
import { moduleFromConfig, type Module, type ModuleConfig } from '../nn/module.js';
import { noGrad } from '../autograd/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors, type LoadOptions } from './safetensors.js';

/** Metadata keys Myelin writes; other keys are the caller's. */
const FORMAT_KEY = 'format';
const FORMAT = 'myelin';
const CONFIG_KEY = 'myelin.config';
const VERSION_KEY = 'myelin.version';
const LIBRARY_VERSION = '0.1.0';

export interface SaveOptions {
  /** Extra string metadata stored in the file (e.g. the epoch and metrics of a checkpoint). */
  metadata?: Record<string, string>;
}

export interface LoadModelOptions extends LoadOptions {
  /** Load the weights into this model instead of rebuilding one from the file's config. */
  into?: Module;
  /** Fail on missing or unexpected weights (default true). */
  strict?: boolean;
}

export interface LoadedModel {
  model: Module;
  metadata: Record<string, string>;
}

/** The architecture config, or undefined for a custom module that cannot describe itself (weights are still saved). */
function configOf(model: Module): ModuleConfig | undefined {
  try {
    return model.config();
  } catch {
    return undefined;
  }
}

function modelMetadata(model: Module, extra: Record<string, string> = {}): Record<string, string> {
  const meta: Record<string, string> = { ...extra, [FORMAT_KEY]: FORMAT, [VERSION_KEY]: LIBRARY_VERSION };
  const config = configOf(model);
  if (config) meta[CONFIG_KEY] = JSON.stringify(config);
  return meta;
}

function stateRecord(model: Module): Record<string, Tensor> {
  return noGrad(() => Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.detach()])));
}

/** The model as safetensors bytes (for browsers, or to send elsewhere). */
export function modelToBytes(model: Module, options: SaveOptions = {}): Uint8Array {
  return encodeSafetensors(stateRecord(model), modelMetadata(model, options.metadata));
}

function rebuild(tensors: Record<string, Tensor>, metadata: Record<string, string>, options: LoadModelOptions, source: string): LoadedModel {
  let model = options.into;
  if (!model) {
    const text = metadata[CONFIG_KEY];
    if (text === undefined) {
      throw new Error(`load: ${source} holds weights but no Myelin architecture config; build the model in code and pass it as { into: model }`);
    }
    let config: ModuleConfig;
    try {
      config = JSON.parse(text) as ModuleConfig;
    } catch (e) {
      throw new Error(`load: ${source} has an unreadable architecture config (${(e as Error).message})`);
    }
    model = moduleFromConfig(config);
  }
  model.loadStateDict(tensors, options.strict ?? true);
  model.eval();
  return { model, metadata };
}

/** Rebuilds a model from bytes written by modelToBytes/save. */
export function modelFromBytes(bytes: Uint8Array, options: LoadModelOptions = {}): LoadedModel {
  const { tensors, metadata } = decodeSafetensors(bytes, options);
  return rebuild(tensors, metadata, options, 'the data');
}

/** Saves weights and architecture to `path` (safetensors), atomically: the previous file survives a failed save. */
export async function saveModel(model: Module, path: string, options: SaveOptions = {}): Promise<void> {
  await saveSafetensors(path, stateRecord(model), modelMetadata(model, options.metadata));
}

/** Loads a model saved by saveModel (returned in eval mode), with the file's metadata. */
export async function loadModelWithMetadata(path: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const { tensors, metadata } = await loadSafetensors(path, options);
  return rebuild(tensors, metadata, options, `'${path}'`);
}

/** Loads a model saved by saveModel, rebuilt from its config (or into `options.into`), in eval mode. */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Module> {
  return (await loadModelWithMetadata(path, options)).model;
}
