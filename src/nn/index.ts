/** nn: modules, layers, containers, the functional API (F) and initialisation. */
export { Module, Parameter, registerModule, moduleFromConfig, stateName, type ModuleConfig, type StateDict, type LoadStateDictResult } from './module.js';
export * from './layers.js';
/** @deprecated the former name of ConvLayerOptions */
export type { ConvLayerOptions as ConvOptions } from './layers.js';
export * from './containers.js';
export * as F from './functional.js';
export * as init from './init.js';
export { RandomShift } from './augment.js';
