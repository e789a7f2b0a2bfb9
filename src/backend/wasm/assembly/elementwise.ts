/**
 * Elementwise float32 kernels. Unary ops run over contiguous arrays; binary ops, comparisons, where and copies take
 * rows: the host passes a table of row start offsets (elements) for every operand plus the innermost dimension's
 * length and strides, so any broadcast or strided layout reduces to a loop over rows, and each row takes a SIMD path
 * when its strides are 1 (or 0: a broadcast scalar).
 */
import { BINARY_CODES, COMPARE_CODES, TO_F32_CODES, UNARY_CODES } from './codes';
import { copyBytes } from './mem';
import { verf, vexp, vexpm1, vlog, vlog1pPos, vsigmoid, vtanh } from './vmath';

// @ts-ignore: decorator
@inline function unaryVec(op: i32, x: v128, alpha: f32, beta: f32): v128 {
  switch (op) {
    case UNARY_CODES.identity: return x;
    case UNARY_CODES.neg: return f32x4.neg(x);
    case UNARY_CODES.abs: return f32x4.abs(x);
    case UNARY_CODES.exp: return vexp(x);
    case UNARY_CODES.log: return vlog(x);
    case UNARY_CODES.sqrt: return f32x4.sqrt(x);
    case UNARY_CODES.rsqrt: return f32x4.div(f32x4.splat(1), f32x4.sqrt(x));
    case UNARY_CODES.tanh: return vtanh(x);
    case UNARY_CODES.sigmoid: return vsigmoid(x);
    // x <= 0 ? 0 : x (NaN stays NaN, as torch.relu)
    case UNARY_CODES.relu: return v128.andnot(x, f32x4.le(x, f32x4.splat(0)));
    case UNARY_CODES.leakyRelu: return v128.bitselect(x, f32x4.mul(x, f32x4.splat(alpha)), f32x4.gt(x, f32x4.splat(0)));
    case UNARY_CODES.elu: return v128.bitselect(x, f32x4.mul(vexpm1(x), f32x4.splat(alpha)), f32x4.gt(x, f32x4.splat(0)));
    case UNARY_CODES.gelu: {
      const e = verf(f32x4.mul(x, f32x4.splat(0.7071067811865476)));
      return f32x4.mul(f32x4.mul(x, f32x4.splat(0.5)), f32x4.add(f32x4.splat(1), e));
    }
    case UNARY_CODES.softplus: {
      // x*beta > threshold ? x : log1p(exp(beta x)) / beta
      const bx = f32x4.mul(x, f32x4.splat(beta));
      const sp = f32x4.div(vlog1pPos(vexp(bx)), f32x4.splat(beta));
      return v128.bitselect(x, sp, f32x4.gt(bx, f32x4.splat(alpha)));
    }
    case UNARY_CODES.erf: return verf(x);
    case UNARY_CODES.sign: {
      const pos = v128.and(f32x4.gt(x, f32x4.splat(0)), f32x4.splat(1));
      const neg = v128.and(f32x4.lt(x, f32x4.splat(0)), f32x4.splat(-1));
      return v128.or(pos, neg);
    }
    case UNARY_CODES.floor: return f32x4.floor(x);
    case UNARY_CODES.ceil: return f32x4.ceil(x);
    case UNARY_CODES.round: return f32x4.nearest(x);
    case UNARY_CODES.reciprocal: return f32x4.div(f32x4.splat(1), x);
    case UNARY_CODES.square: return f32x4.mul(x, x);
    default: return x;
  }
}

// @ts-ignore: decorator
@inline function unaryScalar(op: i32, x: f32, alpha: f32, beta: f32): f32 {
  if (op == UNARY_CODES.sin) return <f32>Math.sin(<f64>x);
  if (op == UNARY_CODES.cos) return <f32>Math.cos(<f64>x);
  return f32x4.extract_lane(unaryVec(op, f32x4.splat(x), alpha, beta), 0);
}

/** out[i] = op(x[i]) for i < n (contiguous float32). */
export function unaryF32(op: i32, n: i32, x: usize, out: usize, alpha: f32, beta: f32): void {
  let i = 0;
  if (op == UNARY_CODES.sin || op == UNARY_CODES.cos) {
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, unaryScalar(op, load<f32>(x + o), alpha, beta));
    }
    return;
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, unaryVec(op, v128.load(x + o), alpha, beta));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, unaryScalar(op, load<f32>(x + o), alpha, beta));
  }
}

// @ts-ignore: decorator
@inline function binaryVec(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case BINARY_CODES.add: return f32x4.add(a, b);
    case BINARY_CODES.sub: return f32x4.sub(a, b);
    case BINARY_CODES.mul: return f32x4.mul(a, b);
    case BINARY_CODES.div: return f32x4.div(a, b);
    case BINARY_CODES.maximum: return f32x4.max(a, b);
    case BINARY_CODES.minimum: return f32x4.min(a, b);
    // relu's gradient: a where b (relu's output) is > 0 or NaN, else 0
    case BINARY_CODES.reluBackward: return v128.andnot(a, f32x4.le(b, f32x4.splat(0)));
    default: return a;
  }
}

// @ts-ignore: decorator
@inline function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case BINARY_CODES.add: return a + b;
    case BINARY_CODES.sub: return a - b;
    case BINARY_CODES.mul: return a * b;
    case BINARY_CODES.div: return a / b;
    case BINARY_CODES.pow: return <f32>Math.pow(<f64>a, <f64>b);
    case BINARY_CODES.maximum: return a != a || b != b ? NaN : (a > b ? a : b);
    case BINARY_CODES.minimum: return a != a || b != b ? NaN : (a < b ? a : b);
    case BINARY_CODES.reluBackward: return b <= 0 ? 0 : a;
    default: return a;
  }
}

function binaryRow(op: i32, n: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize): void {
  let i = 0;
  if (op != BINARY_CODES.pow) {
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, binaryVec(op, v128.load(a + o), v128.load(b + o)));
      }
    } else if (sa == 1 && sb == 0) {
      const vb = v128.load32_splat(b);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, binaryVec(op, v128.load(a + o), vb));
      }
    } else if (sa == 0 && sb == 1) {
      const va = v128.load32_splat(a);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, binaryVec(op, va, v128.load(b + o)));
      }
    }
  }
  const saB = <usize>sa << 2, sbB = <usize>sb << 2;
  for (; i < n; i++) {
    store<f32>(out + (<usize>i << 2), binaryScalar(op, load<f32>(a + <usize>i * saB), load<f32>(b + <usize>i * sbB)));
  }
}

/**
 * out (contiguous, rows x n) = a op b. Row r of a starts at element offset aRows[r] (an i32 table), likewise b;
 * within a row the strides are sa and sb (0 for broadcast).
 */
export function binaryF32(op: i32, rows: i32, n: i32, a: usize, aRows: usize, sa: i32, b: usize, bRows: usize, sb: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const ro = <usize>r << 2;
    const pa = a + (<usize>load<i32>(aRows + ro) << 2);
    const pb = b + (<usize>load<i32>(bRows + ro) << 2);
    binaryRow(op, n, pa, sa, pb, sb, out + ((<usize>r * <usize>n) << 2));
  }
}

// @ts-ignore: decorator
@inline function compareScalar(op: i32, a: f32, b: f32): u8 {
  switch (op) {
    case COMPARE_CODES.eq: return <u8>(a == b);
    case COMPARE_CODES.ne: return <u8>(a != b);
    case COMPARE_CODES.lt: return <u8>(a < b);
    case COMPARE_CODES.le: return <u8>(a <= b);
    case COMPARE_CODES.gt: return <u8>(a > b);
    case COMPARE_CODES.ge: return <u8>(a >= b);
    default: return 0;
  }
}

/** Like binaryF32 for comparisons: out is bytes 0/1. */
export function compareF32(op: i32, rows: i32, n: i32, a: usize, aRows: usize, sa: i32, b: usize, bRows: usize, sb: i32, out: usize): void {
  const saB = <usize>sa << 2, sbB = <usize>sb << 2;
  for (let r = 0; r < rows; r++) {
    const ro = <usize>r << 2;
    const pa = a + (<usize>load<i32>(aRows + ro) << 2);
    const pb = b + (<usize>load<i32>(bRows + ro) << 2);
    const po = out + <usize>r * <usize>n;
    for (let i = 0; i < n; i++) {
      store<u8>(po + <usize>i, compareScalar(op, load<f32>(pa + <usize>i * saB), load<f32>(pb + <usize>i * sbB)));
    }
  }
}

/** out = cond ? a : b, with cond bytes and float32 a, b; row tables as in binaryF32. */
export function whereF32(
  rows: i32, n: i32, c: usize, cRows: usize, sc: i32, a: usize, aRows: usize, sa: i32, b: usize, bRows: usize, sb: i32, out: usize,
): void {
  const saB = <usize>sa << 2, sbB = <usize>sb << 2, scB = <usize>sc;
  for (let r = 0; r < rows; r++) {
    const ro = <usize>r << 2;
    const pc = c + <usize>load<i32>(cRows + ro);
    const pa = a + (<usize>load<i32>(aRows + ro) << 2);
    const pb = b + (<usize>load<i32>(bRows + ro) << 2);
    const po = out + ((<usize>r * <usize>n) << 2);
    let i = 0;
    if (sc == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1)) {
      // four condition bytes widened to lane masks; a and b are rows or broadcast scalars
      const va = v128.load32_splat(pa), vb = v128.load32_splat(pb);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        const bytes = v128.load32_zero(pc + <usize>i);
        const mask = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes)), i32x4.splat(0));
        const x = sa ? v128.load(pa + o) : va;
        const y = sb ? v128.load(pb + o) : vb;
        v128.store(po + o, v128.bitselect(x, y, mask));
      }
    }
    for (; i < n; i++) {
      const v = load<u8>(pc + <usize>i * scB) ? load<f32>(pa + <usize>i * saB) : load<f32>(pb + <usize>i * sbB);
      store<f32>(po + (<usize>i << 2), v);
    }
  }
}

/**
 * Strided copy of `size`-byte elements (size 1 or 4): row r copies n elements from src (+ srcRows[r] elements,
 * stride ss) to dst (+ dstRows[r] elements, stride sd).
 */
export function copyRows(size: i32, rows: i32, n: i32, dst: usize, dstRows: usize, sd: i32, src: usize, srcRows: usize, ss: i32): void {
  const sh = size == 4 ? 2 : 0;
  const sdB = <usize>sd << sh, ssB = <usize>ss << sh;
  for (let r = 0; r < rows; r++) {
    const ro = <usize>r << 2;
    const pd = dst + (<usize>load<i32>(dstRows + ro) << sh);
    const ps = src + (<usize>load<i32>(srcRows + ro) << sh);
    if (sd == 1 && ss == 1) {
      copyBytes(pd, ps, <usize>n << sh);
    } else if (size == 4) {
      if (sd == 1 && ss == 0) {
        const v = v128.load32_splat(ps);
        let i = 0;
        for (; i + 4 <= n; i += 4) v128.store(pd + (<usize>i << 2), v);
        for (; i < n; i++) store<u32>(pd + (<usize>i << 2), load<u32>(ps));
      } else {
        for (let i = 0; i < n; i++) store<u32>(pd + <usize>i * sdB, load<u32>(ps + <usize>i * ssB));
      }
    } else {
      for (let i = 0; i < n; i++) store<u8>(pd + <usize>i * sdB, load<u8>(ps + <usize>i * ssB));
    }
  }
}

/** Contiguous dtype conversions into float32: int32, or bool bytes (TO_F32_CODES.bool). */
export function toF32(kind: i32, n: i32, src: usize, dst: usize): void {
  let i = 0;
  if (kind == TO_F32_CODES.int32) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.convert_i32x4_s(v128.load(src + o)));
    }
    for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<i32>(src + (<usize>i << 2)));
  } else {
    for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<u8>(src + <usize>i) ? 1 : 0);
  }
}

/**
 * dst[r*C + c] = src[r + c*ls] for 4-byte elements: a column-major (transposed) matrix made row-major, in 4x4 blocks
 * transposed in registers.
 */
export function transpose32(R: i32, C: i32, src: usize, ls: i32, dst: usize): void {
  const lsB = <usize>ls << 2, rowB = <usize>C << 2;
  const R4 = R & ~3, C4 = C & ~3;
  // tiles of 16 rows x 64 columns keep both sides in L1
  for (let r0 = 0; r0 < R4; r0 += 16) {
    const r1 = min(R4, r0 + 16);
    for (let c0 = 0; c0 < C4; c0 += 64) {
      const c1 = min(C4, c0 + 64);
      for (let r = r0; r < r1; r += 4) {
        const s = src + (<usize>r << 2);
        const d = dst + <usize>r * rowB;
        for (let c = c0; c < c1; c += 4) {
          const p = s + <usize>c * lsB;
          const x0 = v128.load(p), x1 = v128.load(p + lsB), x2 = v128.load(p + 2 * lsB), x3 = v128.load(p + 3 * lsB);
          const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
          const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
          const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
          const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
          const q = d + (<usize>c << 2);
          v128.store(q, i64x2.shuffle(t0, t1, 0, 2));
          v128.store(q + rowB, i64x2.shuffle(t0, t1, 1, 3));
          v128.store(q + 2 * rowB, i64x2.shuffle(t2, t3, 0, 2));
          v128.store(q + 3 * rowB, i64x2.shuffle(t2, t3, 1, 3));
        }
      }
    }
    // leftover columns of these rows
    for (let r = r0; r < r1; r++) {
      const s = src + (<usize>r << 2);
      const d = dst + <usize>r * rowB;
      for (let c = C4; c < C; c++) store<u32>(d + (<usize>c << 2), load<u32>(s + <usize>c * lsB));
    }
  }
  for (let r = R4; r < R; r++) {
    const s = src + (<usize>r << 2);
    const d = dst + <usize>r * rowB;
    for (let c = 0; c < C; c++) store<u32>(d + (<usize>c << 2), load<u32>(s + <usize>c * lsB));
  }
}
