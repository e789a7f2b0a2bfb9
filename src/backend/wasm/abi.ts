/**
 * The ABI of the WebAssembly kernels, declared once: the integer codes the kernels take and the signature of every
 * function the module exports.
 *
 * The module (float32 kernels in AssemblyScript, ./assembly/) imports its memory; every pointer is a byte address into
 * it, managed by the host (heap.ts). No kernel allocates, so one module instance per thread can share one memory.
 *
 * TypeScript imports this file. The kernel build (assembly/build.mjs) writes two AssemblyScript files from it before
 * compiling: assembly/codes.ts, where each `*_CODES` table below becomes a `const enum` of the same name and members
 * (UNARY_CODES.relu on both sides), and assembly/exports.ts, the module's entry, which exports exactly the kernels
 * KERNEL_SIGNATURES names. So neither side keeps a number or a list of its own; test/backend/wasm-abi.test.ts checks
 * each committed binary against this file.
 *
 * The build loads this file alone (transpiled, not type-checked): it may import types only.
 */
import type { BinaryOp, LinearActivation, ReduceOp, UnaryOp } from '../backend.js';
import type { DType } from '../../tensor/dtype.js';

/** unaryF32's op */
export const UNARY_CODES: Partial<Record<UnaryOp, number>> = {
  identity: 0, neg: 1, abs: 2, exp: 3, log: 4, sqrt: 5, rsqrt: 6, sin: 7, cos: 8, tanh: 9, sigmoid: 10, relu: 11,
  leakyRelu: 12, elu: 13, gelu: 14, softplus: 15, erf: 16, sign: 17, floor: 18, ceil: 19, round: 20, reciprocal: 21,
  square: 22,
};
/** binaryF32's op */
export const BINARY_CODES: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, reluBackward: 7 };
/** compareF32's op */
export const COMPARE_CODES: Partial<Record<BinaryOp, number>> = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 };
/** reduceF32's op */
export const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, prod: 1, max: 2, min: 3 };
/** toF32's kind: the dtype converted to float32 */
export const TO_F32_CODES: Partial<Record<DType, number>> = { int32: 0, bool: 1 };
/** biasActF32's act */
export const ACTIVATION_CODES: Record<LinearActivation, number> = { none: 0, relu: 1 };

/**
 * The functions the module exports, with named parameters. Every number is an i32 (a count, a code, a 0/1 flag or a
 * byte address into the memory) unless KERNEL_SIGNATURES says f32.
 */
export interface KernelExports {
  heapBase(): number;
  sgemm(M: number, N: number, K: number, a: number, rsa: number, csa: number, b: number, rsb: number, csb: number,
    c: number, ldc: number, accumulate: number, ws: number): void;
  sgemmWorkspace(N: number): number;
  unaryF32(op: number, n: number, x: number, out: number, alpha: number, beta: number): void;
  binaryF32(op: number, rows: number, n: number, a: number, aRows: number, sa: number, b: number, bRows: number, sb: number, out: number): void;
  compareF32(op: number, rows: number, n: number, a: number, aRows: number, sa: number, b: number, bRows: number, sb: number, out: number): void;
  whereF32(rows: number, n: number, c: number, cRows: number, sc: number, a: number, aRows: number, sa: number,
    b: number, bRows: number, sb: number, out: number): void;
  copyRows(size: number, rows: number, n: number, dst: number, dstRows: number, sd: number, src: number, srcRows: number, ss: number): void;
  toF32(kind: number, n: number, src: number, dst: number): void;
  transpose32(R: number, C: number, src: number, ls: number, dst: number): void;
  reduceF32(op: number, nko: number, koTab: number, kn: number, ks: number, nro: number, roTab: number, rn: number, rs: number,
    x: number, out: number, ws: number): void;
  softmaxRows(rows: number, n: number, x: number, out: number, log: number): void;
  softmaxCols(outer: number, n: number, inner: number, x: number, out: number, log: number, ws: number): void;
  argReduceF32(isMax: number, rows: number, x: number, rowTab: number, n: number, s: number, out: number): void;
  im2col(x: number, nb: number, grp: number, g: number, col: number): void;
  col2im(col: number, nb: number, grp: number, g: number, dx: number): void;
  swap01(A: number, B: number, L: number, src: number, dst: number): void;
  maxPool2d(planes: number, x: number, p: number, out: number, idx: number): void;
  maxPool2dBackward(planes: number, HW: number, OHW: number, g: number, idx: number, dx: number): void;
  avgPool2d(planes: number, x: number, p: number, out: number): void;
  avgPool2dBackward(planes: number, g: number, p: number, dx: number): void;
  adamF32(n: number, p: number, g: number, m: number, v: number, beta1: number, beta2: number, stepSize: number,
    bc2Sqrt: number, eps: number, decay: number, l2: number): void;
  biasActF32(rows: number, n: number, out: number, bias: number, act: number): void;
  sgdF32(n: number, p: number, g: number, buf: number, lr: number, momentum: number, dampening: number, wd: number, nesterov: number): void;
}

/** A WebAssembly value type a kernel takes or returns. */
export type WasmType = 'i32' | 'f32';

export interface KernelSignature {
  readonly params: readonly WasmType[];
  /** null: returns nothing */
  readonly result: WasmType | null;
}

type Params<F> = F extends (...args: infer A) => unknown ? A : never;
/** What KernelExports says of F: as many parameters, and a result exactly when F returns a number. */
type SignatureOf<F> = {
  readonly params: readonly WasmType[] & { readonly length: Params<F>['length'] };
  readonly result: F extends (...args: never[]) => number ? WasmType : null;
};

const i32 = 'i32', f32 = 'f32';

/**
 * The wasm types of each export's parameters and result, in KernelExports' order. The compiler holds this table and
 * KernelExports to the same functions, arities and results; the test holds the binaries to this table.
 */
export const KERNEL_SIGNATURES = {
  heapBase: { params: [], result: i32 },
  sgemm: { params: [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], result: null },
  sgemmWorkspace: { params: [i32], result: i32 },
  unaryF32: { params: [i32, i32, i32, i32, f32, f32], result: null },
  binaryF32: { params: [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], result: null },
  compareF32: { params: [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], result: null },
  whereF32: { params: [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], result: null },
  copyRows: { params: [i32, i32, i32, i32, i32, i32, i32, i32, i32], result: null },
  toF32: { params: [i32, i32, i32, i32], result: null },
  transpose32: { params: [i32, i32, i32, i32, i32], result: null },
  reduceF32: { params: [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], result: null },
  softmaxRows: { params: [i32, i32, i32, i32, i32], result: null },
  softmaxCols: { params: [i32, i32, i32, i32, i32, i32, i32], result: null },
  argReduceF32: { params: [i32, i32, i32, i32, i32, i32, i32], result: null },
  im2col: { params: [i32, i32, i32, i32, i32], result: null },
  col2im: { params: [i32, i32, i32, i32, i32], result: null },
  swap01: { params: [i32, i32, i32, i32, i32], result: null },
  maxPool2d: { params: [i32, i32, i32, i32, i32], result: null },
  maxPool2dBackward: { params: [i32, i32, i32, i32, i32, i32], result: null },
  avgPool2d: { params: [i32, i32, i32, i32], result: null },
  avgPool2dBackward: { params: [i32, i32, i32, i32], result: null },
  adamF32: { params: [i32, i32, i32, i32, i32, f32, f32, f32, f32, f32, f32, f32], result: null },
  biasActF32: { params: [i32, i32, i32, i32, i32], result: null },
  sgdF32: { params: [i32, i32, i32, i32, f32, f32, f32, f32, i32], result: null },
} as const satisfies { readonly [K in keyof KernelExports]: SignatureOf<KernelExports[K]> };
