/**
 * Whole-model files: the stateDict as safetensors (tensor names exactly as PyTorch's state_dict would have them, so
 * weights move both ways) and the architecture config as JSON in the safetensors metadata (key 'myelin.config'), so
 * loading can rebuild the model without user code. Files (model-file.ts, for Node) are written atomically.
 *
 * A model file is untrusted input twice over: its safetensors part is checked by decodeSafetensors, and its config
 * is checked here before anything is built from it: it must be a tree of {type, args?, children?} objects of bounded
 * depth and size, and the layers it names must not ask for more parameter values than the file can supply, by the
 * lower bound each layer declares (so a forged config cannot make the loader allocate gigabytes). A malformed
 * safetensors part gives the decoder's "safetensors: ..." errors (naming the file where the file itself is at fault:
 * missing, too large, not a file); every later failure names the function and the source:
 * `loadModel: 'm.safetensors': ...`, `modelFromBytes: ...`.
 */
import { version as LIBRARY_VERSION } from '../version.js';
import type { Module } from '../nn/module.js';
import { layerDeclaration, moduleFromConfig, type ModuleConfig } from '../nn/registry.js';
import { noGrad } from '../autograd/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { decodeSafetensors, encodeSafetensors, type LoadOptions } from './safetensors.js';

/** Metadata keys Myelin writes; other keys are the caller's. */
export const FORMAT_KEY = 'format';
export const FORMAT = 'myelin';
export const CONFIG_KEY = 'myelin.config';
export const VERSION_KEY = 'myelin.version';

/** Limits on the architecture config read from a file. */
export const MAX_CONFIG_DEPTH = 64;
export const MAX_CONFIG_MODULES = 100_000;
const MAX_TYPE_NAME = 200;
/** With strict: false a config may describe this many parameter values more than the file holds. */
const NON_STRICT_SLACK = 2 ** 26;

export interface SaveOptions {
  /** Extra string metadata stored in the file (e.g. the epoch and metrics of a checkpoint). */
  metadata?: Record<string, string>;
}

export interface LoadModelOptions<M extends Module = Module> extends LoadOptions {
  /** Load the weights into this model instead of rebuilding one from the file's config (the result has its type). */
  into?: M;
  /** Fail on missing or unexpected weights (default true). Shape mismatches are always errors. */
  strict?: boolean;
}

export interface LoadedModel<M extends Module = Module> {
  model: M;
  /** All of the file's metadata, Myelin's own keys included. */
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

export function modelMetadata(model: Module, extra: Record<string, string> = {}): Record<string, string> {
  const meta: Record<string, string> = { ...extra, [FORMAT_KEY]: FORMAT, [VERSION_KEY]: LIBRARY_VERSION };
  const config = configOf(model);
  if (config) meta[CONFIG_KEY] = JSON.stringify(config);
  return meta;
}

export function stateRecord(model: Module): Record<string, Tensor> {
  const record: Record<string, Tensor> = {};
  noGrad(() => {
    for (const [k, t] of model.stateDict()) {
      Object.defineProperty(record, k, { value: t.detach(), enumerable: true, writable: true, configurable: true });
    }
  });
  return record;
}

// ---------------------------------------------------------------- checking a config read from a file

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function short(s: string, n = 300): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(short(v, 40))}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/**
 * Checks the shape of a config tree (objects with a short string "type", an object "args", and "children" as an
 * array or object of configs, the declared containers with the kind they declare), its depth and module count,
 * and returns the lower bound of the values its layers declare they allocate (see LayerDeclaration.allocates).
 */
function checkConfig(root: unknown): number {
  let modules = 0;
  let values = 0;
  const visit = (c: unknown, path: string, depth: number): void => {
    if (depth > MAX_CONFIG_DEPTH) throw new Error(`modules are nested more than ${MAX_CONFIG_DEPTH} levels deep (at module '${short(path, 120)}')`);
    if (++modules > MAX_CONFIG_MODULES) throw new Error(`it describes more than ${MAX_CONFIG_MODULES} modules`);
    const where = (): string => (path ? `module '${short(path, 120)}'` : 'the root module');
    if (!isPlainObject(c)) throw new Error(`${where()} must be an object {type, args?, children?}, got ${describe(c)}`);
    const { type, args, children } = c;
    if (typeof type !== 'string' || type.length === 0 || type.length > MAX_TYPE_NAME) {
      throw new Error(`${where()} needs a "type" naming a module (a string of 1 to ${MAX_TYPE_NAME} characters), got ${describe(type)}`);
    }
    if (args !== undefined && !isPlainObject(args)) throw new Error(`${where()} (${type}): "args" must be an object, got ${describe(args)}`);
    const declared = layerDeclaration(type);
    if (args === undefined && declared?.needsArgs) throw new Error(`${where()} (${type}) has no "args" (its constructor arguments)`);
    const n = args && declared?.allocates ? declared.allocates(args) : 0;
    if (n > 0) values += n; // NaN from a custom declaration counts as nothing, not as a poisoned sum
    if (children === undefined) return;
    if (declared?.children === 'list' && !Array.isArray(children)) throw new Error(`${where()} (${type}): "children" must be an array, got ${describe(children)}`);
    if (declared?.children === 'named' && !isPlainObject(children)) throw new Error(`${where()} (${type}): "children" must be an object, got ${describe(children)}`);
    if (Array.isArray(children)) {
      children.forEach((child, i) => visit(child, path ? `${path}.${i}` : String(i), depth + 1));
    } else if (isPlainObject(children)) {
      for (const k of Object.keys(children)) visit(children[k], path ? `${path}.${k}` : k, depth + 1);
    } else {
      throw new Error(`${where()} (${type}): "children" must be an array or an object, got ${describe(children)}`);
    }
  };
  visit(root, '', 0);
  return values;
}

function countValues(tensors: Record<string, Tensor>): number {
  let n = 0;
  for (const k of Object.keys(tensors)) n += tensors[k].size;
  return n;
}

/**
 * Builds (or takes) the model and loads the weights. `who` starts every error message: the public function, and the
 * path for files ("loadModel: 'path'", "modelFromBytes").
 */
export function rebuild(tensors: Record<string, Tensor>, metadata: Record<string, string>, options: LoadModelOptions, who: string): LoadedModel {
  const strict = options.strict ?? true;
  let model = options.into;
  if (model !== undefined && (typeof model !== 'object' || model === null || typeof model.loadStateDict !== 'function')) {
    throw new TypeError(`${who}: options.into must be a Module, got ${describe(model)}`);
  }
  if (!model) {
    const text = metadata[CONFIG_KEY];
    if (text === undefined) {
      throw new Error(`${who}: the file holds weights but no Myelin architecture config ('${CONFIG_KEY}' metadata), e.g. because it was saved from a custom module or by another library; build the model in code and pass it as { into: model }`);
    }
    let config: unknown;
    try {
      config = JSON.parse(text);
    } catch (e) {
      throw new Error(`${who}: unreadable architecture config: ${short((e as Error).message, 120)}`);
    }
    let wanted: number;
    try {
      wanted = checkConfig(config);
    } catch (e) {
      throw new Error(`${who}: invalid architecture config: ${(e as Error).message}`);
    }
    const have = countValues(tensors);
    const limit = strict ? have : have + NON_STRICT_SLACK;
    if (wanted > limit) {
      throw new Error(`${who}: the architecture config describes layers with at least ${wanted.toLocaleString('en-US')} parameter values, but the file holds only ${have.toLocaleString('en-US')}${strict ? '' : ` (with strict: false, at most ${NON_STRICT_SLACK.toLocaleString('en-US')} more are allowed)`}`);
    }
    try {
      model = moduleFromConfig(config as ModuleConfig);
    } catch (e) {
      throw new Error(`${who}: cannot rebuild the model from its architecture config: ${short(e instanceof Error ? e.message : String(e))}`, { cause: e });
    }
  }
  try {
    model.loadStateDict(tensors, strict);
  } catch (e) {
    throw new Error(`${who}: the weights do not fit the model: ${short(e instanceof Error ? e.message : String(e), 2000)}`, { cause: e });
  }
  model.eval();
  return { model, metadata };
}

// ---------------------------------------------------------------- the public functions

/** The model as safetensors bytes (weights + config in the metadata), for browsers or to send elsewhere. */
export function modelToBytes(model: Module, options: SaveOptions = {}): Uint8Array {
  return encodeSafetensors(stateRecord(model), modelMetadata(model, options.metadata));
}

/**
 * Rebuilds a model from bytes written by modelToBytes/saveModel (or loads them into `options.into`); the model is
 * returned in eval mode, with the file's metadata.
 */
export function modelFromBytes<M extends Module = Module>(bytes: Uint8Array, options: LoadModelOptions<M> = {}): LoadedModel<M> {
  const { tensors, metadata } = decodeSafetensors(bytes, options);
  return rebuild(tensors, metadata, options, 'modelFromBytes') as LoadedModel<M>;
}
