/** Whole-model files, for Node: the bytes of model.ts written atomically and read back with safetensors' limits. */
import type { Module } from '../nn/module.js';
import { modelMetadata, rebuild, stateRecord, type LoadedModel, type LoadModelOptions, type SaveOptions } from './model.js';
import { loadSafetensors, saveSafetensors } from './safetensors-file.js';

/** Saves weights and architecture to `path` (safetensors), atomically: a failed save leaves the previous file as it was. */
export async function saveModel(model: Module, path: string, options: SaveOptions = {}): Promise<void> {
  await saveSafetensors(path, stateRecord(model), modelMetadata(model, options.metadata));
}

/** Loads a model file, rebuilt from its config (or into `options.into`), in eval mode, with the file's metadata. */
export async function loadModelWithMetadata<M extends Module = Module>(path: string, options: LoadModelOptions<M> = {}): Promise<LoadedModel<M>> {
  const { tensors, metadata } = await loadSafetensors(path, options);
  return rebuild(tensors, metadata, options, `loadModel: '${path}'`) as LoadedModel<M>;
}

/** Loads a model file, rebuilt from its config (or into `options.into`), in eval mode. */
export async function loadModel<M extends Module = Module>(path: string, options: LoadModelOptions<M> = {}): Promise<M> {
  return (await loadModelWithMetadata(path, options)).model;
}
