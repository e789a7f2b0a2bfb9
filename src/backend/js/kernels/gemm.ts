/**
 * Dense GEMM for the reference backend: C[M,N] (+)= op(A)[M,K] * op(B)[K,N] over row-major Float64Array panels.
 *
 * Kernels that need a matrix product (convolution via im2col, its two gradients) copy their operands into float64
 * scratch first: the copy is cheap next to the O(MNK) product, the inner loops then see a single array type (V8
 * optimises them monomorphically, about 2-3x faster than loops that meet both Float32Array and Float64Array), and
 * accumulating in double rounds a float32 result only once, when it is stored.
 *
 * Layout: element (i, j) of a matrix stored at `off` with leading dimension `ld` is `data[off + i * ld + j]`, so a
 * sub-matrix or one group's slice of a bigger matrix is passed without copying. op(A) = A^T when `transA` (A is then
 * stored [K, M]); likewise op(B) = B^T when `transB` (B stored [N, K]).
 *
 * Loop shapes (measured on V8 11.3 with scalar doubles):
 * - op(B) = B: i-k-j with a 4x4 register block (4 rows of C share each loaded row of B, 4 values of k are folded
 *   into one read-modify-write of C), so the innermost loop streams contiguous rows of B and C.
 * - op(B) = B^T: dot products along k (rows of A and of B are both contiguous there), 4 rows by 2 columns of C
 *   accumulated in registers.
 * - op(A) = A^T: A^T is packed into a scratch [M, K] panel first (A is the small operand in every caller).
 */

export interface GemmOperand {
  data: Float64Array;
  off: number;
  ld: number;
}

let packScratch = new Float64Array(0);

function scratch(n: number): Float64Array {
  if (packScratch.length < n) packScratch = new Float64Array(Math.max(n, packScratch.length * 2));
  return packScratch;
}

/**
 * C[M,N] = op(A) op(B) (or += when `accumulate`). All operands are row-major float64 with explicit offsets and
 * leading dimensions; C must not alias A or B.
 */
export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  C: Float64Array, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (M <= 0 || N <= 0) return;
  if (!accumulate) {
    for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  }
  if (K <= 0) return;
  if (transA) {
    // pack A^T ([K,M] stored) into a dense [M,K] panel
    const P = scratch(M * K);
    for (let k = 0; k < K; k++) {
      const row = aOff + k * lda;
      for (let i = 0; i < M; i++) P[i * K + k] = A[row + i];
    }
    A = P;
    aOff = 0;
    lda = K;
  }
  if (transB) gemmNT(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
  else gemmNN(M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc);
}

/** C += A B with A [M,K], B [K,N]. */
function gemmNN(
  M: number, N: number, K: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  C: Float64Array, cOff: number, ldc: number,
): void {
  const K4 = K - (K & 3);
  let i = 0;
  for (; i + 3 < M; i += 4) {
    const c0 = cOff + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
    const r0 = aOff + i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda;
    let k = 0;
    for (; k < K4; k += 4) {
      const a00 = A[r0 + k], a01 = A[r0 + k + 1], a02 = A[r0 + k + 2], a03 = A[r0 + k + 3];
      const a10 = A[r1 + k], a11 = A[r1 + k + 1], a12 = A[r1 + k + 2], a13 = A[r1 + k + 3];
      const a20 = A[r2 + k], a21 = A[r2 + k + 1], a22 = A[r2 + k + 2], a23 = A[r2 + k + 3];
      const a30 = A[r3 + k], a31 = A[r3 + k + 1], a32 = A[r3 + k + 2], a33 = A[r3 + k + 3];
      const b0 = bOff + k * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      for (let j = 0; j < N; j++) {
        const x0 = B[b0 + j], x1 = B[b1 + j], x2 = B[b2 + j], x3 = B[b3 + j];
        C[c0 + j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
        C[c1 + j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
        C[c2 + j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3;
        C[c3 + j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3;
      }
    }
    for (; k < K; k++) {
      const a0 = A[r0 + k], a1 = A[r1 + k], a2 = A[r2 + k], a3 = A[r3 + k];
      const b = bOff + k * ldb;
      for (let j = 0; j < N; j++) {
        const x = B[b + j];
        C[c0 + j] += a0 * x;
        C[c1 + j] += a1 * x;
        C[c2 + j] += a2 * x;
        C[c3 + j] += a3 * x;
      }
    }
  }
  for (; i < M; i++) {
    const c = cOff + i * ldc;
    const r = aOff + i * lda;
    let k = 0;
    for (; k < K4; k += 4) {
      const a0 = A[r + k], a1 = A[r + k + 1], a2 = A[r + k + 2], a3 = A[r + k + 3];
      const b0 = bOff + k * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      for (let j = 0; j < N; j++) C[c + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j];
    }
    for (; k < K; k++) {
      const a = A[r + k];
      const b = bOff + k * ldb;
      for (let j = 0; j < N; j++) C[c + j] += a * B[b + j];
    }
  }
}

/** C += A B^T with A [M,K], B [N,K]: dot products along contiguous rows. */
function gemmNT(
  M: number, N: number, K: number,
  A: Float64Array, aOff: number, lda: number,
  B: Float64Array, bOff: number, ldb: number,
  C: Float64Array, cOff: number, ldc: number,
): void {
  let i = 0;
  for (; i + 3 < M; i += 4) {
    const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    const c = cOff + i * ldc;
    let j = 0;
    for (; j + 1 < N; j += 2) {
      const b0 = bOff + j * ldb, b1 = b0 + ldb;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = 0; k < K; k++) {
        const y0 = B[b0 + k], y1 = B[b1 + k];
        let x = A[a0 + k];
        s00 += x * y0; s01 += x * y1;
        x = A[a1 + k];
        s10 += x * y0; s11 += x * y1;
        x = A[a2 + k];
        s20 += x * y0; s21 += x * y1;
        x = A[a3 + k];
        s30 += x * y0; s31 += x * y1;
      }
      const cj = c + j;
      C[cj] += s00; C[cj + 1] += s01;
      C[cj + ldc] += s10; C[cj + ldc + 1] += s11;
      C[cj + 2 * ldc] += s20; C[cj + 2 * ldc + 1] += s21;
      C[cj + 3 * ldc] += s30; C[cj + 3 * ldc + 1] += s31;
    }
    for (; j < N; j++) {
      const b0 = bOff + j * ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const y = B[b0 + k];
        s0 += A[a0 + k] * y; s1 += A[a1 + k] * y; s2 += A[a2 + k] * y; s3 += A[a3 + k] * y;
      }
      const cj = c + j;
      C[cj] += s0; C[cj + ldc] += s1; C[cj + 2 * ldc] += s2; C[cj + 3 * ldc] += s3;
    }
  }
  for (; i < M; i++) {
    const a0 = aOff + i * lda;
    const c = cOff + i * ldc;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      const b0 = bOff + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const x = A[a0 + k];
        s0 += x * B[b0 + k]; s1 += x * B[b1 + k]; s2 += x * B[b2 + k]; s3 += x * B[b3 + k];
      }
      C[c + j] += s0; C[c + j + 1] += s1; C[c + j + 2] += s2; C[c + j + 3] += s3;
    }
    for (; j < N; j++) {
      const b0 = bOff + j * ldb;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k] * B[b0 + k];
      C[c + j] += s;
    }
  }
}
