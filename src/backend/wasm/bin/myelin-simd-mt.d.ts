/** The myelin-simd-mt.wasm build as base64 (written into dist by build.mjs). */
declare const base64: string;
export default base64;
