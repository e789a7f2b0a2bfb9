/**
 * The interface between TypeScript and the WebAssembly kernels: the opcodes the kernels switch on and the exports
 * the module provides.
 */
import type { BinaryOp, ReduceOp, UnaryOp } from '../kernels.js';

export const UNARY_CODES: Partial<Record<UnaryOp, number>> = {
  identity: 0, neg: 1, abs: 2, exp: 3, log: 4, sqrt: 5, rsqrt: 6, sin: 7, cos: 8, tanh: 9, sigmoid: 10, relu: 11,
  leakyRelu: 12, elu: 13, gelu: 14, softplus: 15, erf: 16, sign: 17, floor: 18, ceil: 19, round: 20, reciprocal: 21,
  square: 22,
};
export const BINARY_CODES: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, reluBackward: 7 };
export const COMPARE_CODES: Partial<Record<BinaryOp, number>> = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 };
export const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, prod: 1, max: 2, min: 3 };

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

/** Every function the backend calls: a binary missing one is stale (built from older sources). */
export const REQUIRED_EXPORTS = [
  'heapBase', 'sgemm', 'sgemmWorkspace', 'unaryF32', 'binaryF32', 'compareF32', 'whereF32', 'copyRows', 'toF32',
  'transpose32', 'reduceF32', 'softmaxRows', 'softmaxCols', 'argReduceF32', 'im2col', 'col2im', 'swap01', 'maxPool2d',
  'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward', 'adamF32', 'sgdF32', 'biasActF32',
] as const satisfies readonly (keyof KernelExports)[];
const everyExportRequired: Exclude<keyof KernelExports, (typeof REQUIRED_EXPORTS)[number]> extends never ? true : never = true;
void everyExportRequired;
