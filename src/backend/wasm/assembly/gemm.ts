/**
 * Single-precision GEMM: C[M,N] (+)= A[M,K] B[K,N] for strided A and B (so transposed operands need no copy: the
 * packing routines read through the strides), the XNNPACK/BLIS way:
 *
 *   for pc in K step KC:        pack B[pc:pc+KC, 0:N] into 8-column panels, [panel][k][8]
 *     for ic in M step MC:      pack A[ic:ic+MC, pc:pc+KC] into 4-row panels, [panel][k][4]
 *       for each B panel, for each A panel: the 4x8 micro-kernel
 *
 * The micro-kernel holds a 4x8 block of C in 8 v128 accumulators; each step of k loads one 8-wide row of the B panel
 * (two v128) and broadcasts four A values with v128.load32_splat. Panels are zero-padded to full 4/8 width; partial
 * tiles at the edges are computed into a small tile buffer and copied out.
 *
 * Pointers are byte addresses; strides and leading dimensions are in elements.
 */

export const KC: i32 = 128;
export const MC: i32 = 48;
/** Columns of B packed at a time (bounds the workspace at KC*NC floats). */
export const NC: i32 = 2048;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** C[4,8] (at c, row stride ldcB bytes) = (accumulate ? C : 0) + Ap[kc][4]^T Bp[kc][8]. */
@inline function kernel4x8(kc: i32, ap: usize, bp: usize, c: usize, ldcB: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  let r = c;
  if (accumulate) {
    v128.store(r, f32x4.add(c00, v128.load(r)));
    v128.store(r, f32x4.add(c01, v128.load(r, 16)), 16);
    r += ldcB;
    v128.store(r, f32x4.add(c10, v128.load(r)));
    v128.store(r, f32x4.add(c11, v128.load(r, 16)), 16);
    r += ldcB;
    v128.store(r, f32x4.add(c20, v128.load(r)));
    v128.store(r, f32x4.add(c21, v128.load(r, 16)), 16);
    r += ldcB;
    v128.store(r, f32x4.add(c30, v128.load(r)));
    v128.store(r, f32x4.add(c31, v128.load(r, 16)), 16);
  } else {
    v128.store(r, c00);
    v128.store(r, c01, 16);
    r += ldcB;
    v128.store(r, c10);
    v128.store(r, c11, 16);
    r += ldcB;
    v128.store(r, c20);
    v128.store(r, c21, 16);
    r += ldcB;
    v128.store(r, c30);
    v128.store(r, c31, 16);
  }
}

/** Packs rows [i0, i0+mc) x depth [k0, k0+kc) of A into 4-row panels [p][k][4], zero-padding the last panel. */
function packA(mc: i32, kc: i32, a: usize, rsa: i32, csa: i32, i0: i32, k0: i32, dst: usize): void {
  for (let p = 0; p < mc; p += 4) {
    const rows = min(4, mc - p);
    const base = a + ((<usize>(i0 + p) * rsa + <usize>k0 * csa) << 2);
    if (rows == 4 && csa == 1) {
      // four contiguous rows: transpose 4x4 blocks with shuffles
      const r0 = base, r1 = base + (<usize>rsa << 2), r2 = r1 + (<usize>rsa << 2), r3 = r2 + (<usize>rsa << 2);
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const o = <usize>k << 2;
        const x0 = v128.load(r0 + o), x1 = v128.load(r1 + o), x2 = v128.load(r2 + o), x3 = v128.load(r3 + o);
        const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5); // a0 b0 a1 b1
        const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5); // c0 d0 c1 d1
        const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7); // a2 b2 a3 b3
        const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7); // c2 d2 c3 d3
        v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
        v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), 16);
        v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 32);
        v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 48);
        dst += 64;
      }
      for (; k < kc; k++) {
        const o = <usize>k << 2;
        store<f32>(dst, load<f32>(r0 + o));
        store<f32>(dst, load<f32>(r1 + o), 4);
        store<f32>(dst, load<f32>(r2 + o), 8);
        store<f32>(dst, load<f32>(r3 + o), 12);
        dst += 16;
      }
    } else if (rows == 4 && rsa == 1) {
      // transposed A: the four rows of each column are contiguous
      const csB = <usize>csa << 2;
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(base + <usize>k * csB));
        dst += 16;
      }
    } else {
      const csB = <usize>csa << 2, rsB = <usize>rsa << 2;
      for (let k = 0; k < kc; k++) {
        const col = base + <usize>k * csB;
        for (let r = 0; r < 4; r++) {
          store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(col + <usize>r * rsB) : 0);
        }
        dst += 16;
      }
    }
  }
}

/** Packs depth [k0, k0+kc) x columns [0, n) of B into 8-column panels [p][k][8], zero-padding the last panel. */
function packB(n: i32, kc: i32, b: usize, rsb: i32, csb: i32, k0: i32, dst: usize): void {
  const rsB = <usize>rsb << 2, csB = <usize>csb << 2;
  for (let p = 0; p < n; p += 8) {
    const cols = min(8, n - p);
    let src = b + <usize>k0 * rsB + <usize>p * csB;
    if (cols == 8 && csb == 1) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += rsB;
        dst += 32;
      }
    } else if (rsb == 1 && cols == 8) {
      // transposed B: each column is contiguous along k; transpose 4 (k) x 4 (columns) blocks with shuffles
      const c0 = src, c1 = c0 + csB, c2 = c1 + csB, c3 = c2 + csB;
      const c4 = c3 + csB, c5 = c4 + csB, c6 = c5 + csB, c7 = c6 + csB;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const o = <usize>k << 2;
        let x0 = v128.load(c0 + o), x1 = v128.load(c1 + o), x2 = v128.load(c2 + o), x3 = v128.load(c3 + o);
        let t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
        let t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
        let t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
        let t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
        v128.store(dst, i64x2.shuffle(t0, t1, 0, 2));
        v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), 32);
        v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 64);
        v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 96);
        x0 = v128.load(c4 + o); x1 = v128.load(c5 + o); x2 = v128.load(c6 + o); x3 = v128.load(c7 + o);
        t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
        t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
        t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
        t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
        v128.store(dst, i64x2.shuffle(t0, t1, 0, 2), 16);
        v128.store(dst, i64x2.shuffle(t0, t1, 1, 3), 48);
        v128.store(dst, i64x2.shuffle(t2, t3, 0, 2), 80);
        v128.store(dst, i64x2.shuffle(t2, t3, 1, 3), 112);
        dst += 128;
      }
      for (; k < kc; k++) {
        const o = <usize>k << 2;
        for (let j = 0; j < 8; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + <usize>j * csB + o));
        dst += 32;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let j = 0; j < 8; j++) {
          store<f32>(dst + (<usize>j << 2), j < cols ? load<f32>(src + <usize>j * csB) : 0);
        }
        src += rsB;
        dst += 32;
      }
    }
  }
}

/** Bytes of workspace sgemm needs for a product with N columns. */
export function sgemmWorkspace(N: i32): i32 {
  const np = min(NC, (N + 7) & ~7);
  return (MC * KC + KC * np) * 4 + 4 * 8 * 4 + 64;
}

/**
 * C = A B (or C += A B when accumulate). A element (i,k) at a + 4*(i*rsa + k*csa); B (k,j) at b + 4*(k*rsb + j*csb);
 * C (i,j) at c + 4*(i*ldc + j). `ws` is a 16-byte aligned workspace of sgemmWorkspace(N) bytes.
 */
export function sgemm(
  M: i32, N: i32, K: i32,
  a: usize, rsa: i32, csa: i32,
  b: usize, rsb: i32, csb: i32,
  c: usize, ldc: i32, accumulate: i32, ws: usize,
): void {
  if (M <= 0 || N <= 0) return;
  const ldcB = <usize>ldc << 2;
  if (K <= 0) {
    if (!accumulate) {
      for (let i = 0; i < M; i++) memory.fill(c + <usize>i * ldcB, 0, <usize>N << 2);
    }
    return;
  }
  if (M < SMALL_M) {
    sgemmSmallM(M, N, K, a, rsa, csa, b, rsb, csb, c, ldcB, accumulate != 0);
    return;
  }
  const np = min(NC, (N + 7) & ~7);
  const aPack = ws;
  const bPack = ws + (<usize>(MC * KC) << 2);
  const tile = bPack + (<usize>(KC * np) << 2);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    sgemmBlock(M, nc, K, a, rsa, csa, b + ((<usize>jc * csb) << 2), rsb, csb, c + (<usize>jc << 2), ldcB, accumulate != 0, aPack, bPack, tile);
  }
}

/** Below this many rows of A, packing B would cost more than the product itself: sgemmSmallM runs instead. */
const SMALL_M: i32 = 4;

/**
 * C (+)= A B for one to three rows of A, reading B in place: dot products along k where A's rows and B's columns are
 * both contiguous (x W^T, the usual linear layer), else rows of B scaled by elements of A, accumulated along n.
 */
function sgemmSmallM(
  M: i32, N: i32, K: i32, a: usize, rsa: i32, csa: i32, b: usize, rsb: i32, csb: i32, c: usize, ldcB: usize, accumulate: bool,
): void {
  const csaB = <usize>csa << 2, rsbB = <usize>rsb << 2, csbB = <usize>csb << 2;
  for (let i = 0; i < M; i++) {
    const ai = a + ((<usize>i * rsa) << 2);
    const ci = c + <usize>i * ldcB;
    if (csa == 1 && rsb == 1) {
      for (let j = 0; j < N; j++) {
        const bj = b + <usize>j * csbB;
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
        let k = 0;
        for (; k + 8 <= K; k += 8) {
          const o = <usize>k << 2;
          s0 = madd(v128.load(ai + o), v128.load(bj + o), s0);
          s1 = madd(v128.load(ai + o, 16), v128.load(bj + o, 16), s1);
        }
        if (k + 4 <= K) {
          const o = <usize>k << 2;
          s0 = madd(v128.load(ai + o), v128.load(bj + o), s0);
          k += 4;
        }
        s0 = f32x4.add(s0, s1);
        let sum = (f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1)) + (f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3));
        for (; k < K; k++) sum += load<f32>(ai + (<usize>k << 2)) * load<f32>(bj + (<usize>k << 2));
        const cj = ci + (<usize>j << 2);
        store<f32>(cj, accumulate ? load<f32>(cj) + sum : sum);
      }
    } else if (csb == 1) {
      if (!accumulate) memory.fill(ci, 0, <usize>N << 2);
      for (let k = 0; k < K; k++) {
        const av = load<f32>(ai + <usize>k * csaB);
        const vk = f32x4.splat(av);
        const bk = b + <usize>k * rsbB;
        let j = 0;
        for (; j + 4 <= N; j += 4) {
          const o = <usize>j << 2;
          v128.store(ci + o, madd(vk, v128.load(bk + o), v128.load(ci + o)));
        }
        for (; j < N; j++) {
          const o = <usize>j << 2;
          store<f32>(ci + o, load<f32>(ci + o) + av * load<f32>(bk + o));
        }
      }
    } else {
      for (let j = 0; j < N; j++) {
        let sum: f32 = 0;
        for (let k = 0; k < K; k++) sum += load<f32>(ai + <usize>k * csaB) * load<f32>(b + <usize>k * rsbB + <usize>j * csbB);
        const cj = ci + (<usize>j << 2);
        store<f32>(cj, accumulate ? load<f32>(cj) + sum : sum);
      }
    }
  }
}

function sgemmBlock(
  M: i32, N: i32, K: i32, a: usize, rsa: i32, csa: i32, b: usize, rsb: i32, csb: i32,
  c: usize, ldcB: usize, accumulate: bool, aPack: usize, bPack: usize, tile: usize,
): void {
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const acc = accumulate || pc > 0;
    packB(N, kc, b, rsb, csb, pc, bPack);
    for (let ic = 0; ic < M; ic += MC) {
      const mc = min(MC, M - ic);
      packA(mc, kc, a, rsa, csa, ic, pc, aPack);
      for (let jr = 0; jr < N; jr += 8) {
        const nr = min(8, N - jr);
        const bp = bPack + <usize>jr * (<usize>kc << 2);
        for (let ir = 0; ir < mc; ir += 4) {
          const mr = min(4, mc - ir);
          const ap = aPack + <usize>ir * (<usize>kc << 2);
          const cp = c + <usize>(ic + ir) * ldcB + (<usize>jr << 2);
          if (mr == 4 && nr == 8) {
            kernel4x8(kc, ap, bp, cp, ldcB, acc);
          } else {
            kernel4x8(kc, ap, bp, tile, 32, false);
            for (let r = 0; r < mr; r++) {
              const src = tile + (<usize>r << 5);
              const dst = cp + <usize>r * ldcB;
              if (acc) {
                for (let j = 0; j < nr; j++) {
                  const o = <usize>j << 2;
                  store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
                }
              } else {
                for (let j = 0; j < nr; j++) {
                  const o = <usize>j << 2;
                  store<f32>(dst + o, load<f32>(src + o));
                }
              }
            }
          }
        }
      }
    }
  }
}
