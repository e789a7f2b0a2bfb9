/**
 * Myelin's WebAssembly kernels: float32 with SIMD128, compiled by AssemblyScript (see build.mjs). The module imports
 * its memory; all pointers are byte addresses into it, managed by the host (src/backend/wasm/heap.ts). No kernel
 * allocates, so one module instance per thread can share one memory. Every export, and every integer code the
 * kernels take, is declared in ../abi.ts.
 */
export { sgemm, sgemmWorkspace } from './gemm';
export { unaryF32, binaryF32, compareF32, whereF32, copyRows, toF32, transpose32 } from './elementwise';
export { reduceF32, softmaxRows, softmaxCols, argReduceF32 } from './reduce';
export { im2col, col2im, swap01 } from './conv';
export { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward } from './pool';
export { adamF32, sgdF32 } from './optim';
export { biasActF32 } from './linear';

/** First byte after the module's static data: the host allocates from here up. */
export function heapBase(): usize {
  return __heap_base;
}
