/** nn: modules, layers, containers, the functional API (F) and initialisation. */
export { Module, Parameter, stateName, type StateDict, type LoadStateDictResult } from './module.js';
export {
  registerModule, registerLayer, moduleFromConfig, moduleTypeName, type ModuleConfig, type LayerDeclaration,
} from './registry.js';
export * from './layers/index.js';
/** @deprecated the former name of ConvLayerOptions */
export type { ConvLayerOptions as ConvOptions } from './layers/index.js';
export * from './containers.js';
export * as F from './functional.js';
export * as init from './init.js';
export { RandomShift } from './augment.js';
