/** The built-in layers, one file per family; each class declares itself (registerLayer) beside its definition. */
export * from './linear.js';
export * from './conv.js';
export * from './pool.js';
export * from './norm.js';
export * from './activation.js';
export * from './dropout.js';
export * from './embedding.js';
export * from './shape.js';
