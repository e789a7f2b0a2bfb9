/**
 * Float32 reductions and softmax.
 *
 * reduceF32 sees x split into kept and reduced dims. The host collapses each group and passes, per group, a table of
 * start offsets for all but the innermost dim (i32 elements) and the innermost dim's length and stride. Output
 * element (ko, kj) = reduce over (ro, ri) of x[KO[ko] + kj*ks + RO[ro] + ri*rs]. Sums and products accumulate in f64
 * (as the reference backend does), max/min propagate NaN.
 */

import { REDUCE_CODES } from './codes';

// @ts-ignore: decorator
@inline function hsum64(a: v128): f64 {
  return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
}

/** Sum of n floats at p with stride s (elements), in f64. */
function rowSum(p: usize, n: i32, s: i32): f64 {
  let i = 0;
  let total: f64 = 0;
  if (s == 1) {
    let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    }
    total = hsum64(f64x2.add(a0, a1));
  }
  const sB = <usize>s << 2;
  for (; i < n; i++) total += <f64>load<f32>(p + <usize>i * sB);
  return total;
}

function rowProd(p: usize, n: i32, s: i32): f64 {
  let acc: f64 = 1;
  const sB = <usize>s << 2;
  for (let i = 0; i < n; i++) acc *= <f64>load<f32>(p + <usize>i * sB);
  return acc;
}

/** Max (isMax) or min of n floats with stride s, NaN if any is NaN; -Inf/+Inf when n == 0. */
function rowMaxMin(p: usize, n: i32, s: i32, isMax: bool): f32 {
  let i = 0;
  let acc: f32 = isMax ? -Infinity : Infinity;
  if (s == 1 && n >= 4) {
    let v = v128.load(p);
    i = 4;
    for (; i + 4 <= n; i += 4) {
      const w = v128.load(p + (<usize>i << 2));
      v = isMax ? f32x4.max(v, w) : f32x4.min(v, w);
    }
    // f32x4.max/min propagate NaN
    const h = isMax ? f32x4.max(v, i32x4.shuffle(v, v, 2, 3, 0, 1)) : f32x4.min(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
    const q = isMax ? f32x4.max(h, i32x4.shuffle(h, h, 1, 0, 3, 2)) : f32x4.min(h, i32x4.shuffle(h, h, 1, 0, 3, 2));
    acc = f32x4.extract_lane(q, 0);
  }
  const sB = <usize>s << 2;
  for (; i < n; i++) {
    const x = load<f32>(p + <usize>i * sB);
    if (x != x) return x;
    if (acc != acc) return acc;
    if (isMax ? x > acc : x < acc) acc = x;
  }
  return acc;
}

export function reduceF32(
  op: i32, nko: i32, koTab: usize, kn: i32, ks: i32, nro: i32, roTab: usize, rn: i32, rs: i32,
  x: usize, out: usize, ws: usize,
): void {
  const ksB = <usize>ks << 2;
  const nOut = nko * kn;
  if (ks != 1 || kn < 4 || (rs == 1 && rn >= 16)) {
    // horizontal: one output at a time, reducing along the innermost reduced dim
    for (let ko = 0; ko < nko; ko++) {
      const kBase = x + (<usize>load<i32>(koTab + (<usize>ko << 2)) << 2);
      for (let kj = 0; kj < kn; kj++) {
        const base = kBase + <usize>kj * ksB;
        let res: f32;
        if (op == REDUCE_CODES.sum) {
          let acc: f64 = 0;
          for (let ro = 0; ro < nro; ro++) acc += rowSum(base + (<usize>load<i32>(roTab + (<usize>ro << 2)) << 2), rn, rs);
          res = <f32>acc;
        } else if (op == REDUCE_CODES.prod) {
          let acc: f64 = 1;
          for (let ro = 0; ro < nro; ro++) acc *= rowProd(base + (<usize>load<i32>(roTab + (<usize>ro << 2)) << 2), rn, rs);
          res = <f32>acc;
        } else {
          const isMax = op == REDUCE_CODES.max;
          let acc: f32 = isMax ? -Infinity : Infinity;
          for (let ro = 0; ro < nro; ro++) {
            const v = rowMaxMin(base + (<usize>load<i32>(roTab + (<usize>ro << 2)) << 2), rn, rs, isMax);
            if (v != v) { acc = v; break; }
            if (isMax ? v > acc : v < acc) acc = v;
          }
          res = acc;
        }
        store<f32>(out + (<usize>(ko * kn + kj) << 2), res);
      }
    }
    return;
  }
  // vertical: the kept inner dim is contiguous; combine whole rows of it into accumulators
  const rsB = <usize>rs << 2;
  if (op == REDUCE_CODES.sum || op == REDUCE_CODES.prod) {
    const acc = ws; // f64[nOut]
    const init = op == REDUCE_CODES.sum ? f64x2.splat(0) : f64x2.splat(1);
    for (let i = 0; i < nOut; i += 2) v128.store(acc + (<usize>i << 3), init);
    for (let ro = 0; ro < nro; ro++) {
      const rBase = x + (<usize>load<i32>(roTab + (<usize>ro << 2)) << 2);
      for (let ri = 0; ri < rn; ri++) {
        const rp = rBase + <usize>ri * rsB;
        for (let ko = 0; ko < nko; ko++) {
          const src = rp + (<usize>load<i32>(koTab + (<usize>ko << 2)) << 2);
          const dst = acc + (<usize>(ko * kn) << 3);
          let j = 0;
          if (op == REDUCE_CODES.sum) {
            for (; j + 4 <= kn; j += 4) {
              const v = v128.load(src + (<usize>j << 2));
              const d = dst + (<usize>j << 3);
              v128.store(d, f64x2.add(v128.load(d), f64x2.promote_low_f32x4(v)));
              v128.store(d, f64x2.add(v128.load(d, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
            }
            for (; j < kn; j++) {
              const d = dst + (<usize>j << 3);
              store<f64>(d, load<f64>(d) + <f64>load<f32>(src + (<usize>j << 2)));
            }
          } else {
            for (; j < kn; j++) {
              const d = dst + (<usize>j << 3);
              store<f64>(d, load<f64>(d) * <f64>load<f32>(src + (<usize>j << 2)));
            }
          }
        }
      }
    }
    for (let i = 0; i < nOut; i++) store<f32>(out + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
    return;
  }
  const isMax = op == REDUCE_CODES.max;
  const initV = f32x4.splat(isMax ? -Infinity : Infinity);
  for (let i = 0; i + 4 <= nOut; i += 4) v128.store(out + (<usize>i << 2), initV);
  for (let i = nOut & ~3; i < nOut; i++) store<f32>(out + (<usize>i << 2), isMax ? -Infinity : Infinity);
  for (let ro = 0; ro < nro; ro++) {
    const rBase = x + (<usize>load<i32>(roTab + (<usize>ro << 2)) << 2);
    for (let ri = 0; ri < rn; ri++) {
      const rp = rBase + <usize>ri * rsB;
      for (let ko = 0; ko < nko; ko++) {
        const src = rp + (<usize>load<i32>(koTab + (<usize>ko << 2)) << 2);
        const dst = out + (<usize>(ko * kn) << 2);
        let j = 0;
        for (; j + 4 <= kn; j += 4) {
          const o = <usize>j << 2;
          const v = v128.load(src + o), d = v128.load(dst + o);
          v128.store(dst + o, isMax ? f32x4.max(d, v) : f32x4.min(d, v));
        }
        for (; j < kn; j++) {
          const o = <usize>j << 2;
          const v = load<f32>(src + o), d = load<f32>(dst + o);
          if (d == d && (v != v || (isMax ? v > d : v < d))) store<f32>(dst + o, v);
        }
      }
    }
  }
}

import { vexp, vlog } from './vmath';

/**
 * Softmax (or log-softmax) over the last dim of a contiguous [rows, n] array. Exponentials and their sum use the
 * max-shifted values; the sum accumulates in f64.
 */
export function softmaxRows(rows: i32, n: i32, x: usize, out: usize, log: i32): void {
  for (let r = 0; r < rows; r++) {
    const p = x + ((<usize>r * <usize>n) << 2);
    const q = out + ((<usize>r * <usize>n) << 2);
    let mx = rowMaxMin(p, n, 1, true);
    if (mx == -Infinity) mx = 0;
    const vm = f32x4.splat(mx);
    // q = exp(x - max); sum in f64
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const e = vexp(f32x4.sub(v128.load(p + o), vm));
      if (!log) v128.store(q + o, e);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)));
    }
    let sum = hsum64(f64x2.add(s0, s1));
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(p + o) - mx)), 0);
      if (!log) store<f32>(q + o, e);
      sum += <f64>e;
    }
    if (log) {
      // (x - max) - log(sum): adding max and log(sum) first would round away log(sum)'s digits when max is large
      const l = <f32>Math.log(sum);
      const vl = f32x4.splat(l);
      i = 0;
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(q + o, f32x4.sub(f32x4.sub(v128.load(p + o), vm), vl));
      }
      for (; i < n; i++) store<f32>(q + (<usize>i << 2), (load<f32>(p + (<usize>i << 2)) - mx) - l);
    } else {
      const inv = f32x4.splat(<f32>(1.0 / sum));
      i = 0;
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(q + o, f32x4.mul(v128.load(q + o), inv));
      }
      const iv = f32x4.extract_lane(inv, 0);
      for (; i < n; i++) store<f32>(q + (<usize>i << 2), load<f32>(q + (<usize>i << 2)) * iv);
    }
  }
}

/**
 * Softmax over the middle dim of a contiguous [outer, n, inner] array, vectorised along inner. ws holds 2*inner
 * floats (running max and sum).
 */
export function softmaxCols(outer: i32, n: i32, inner: i32, x: usize, out: usize, log: i32, ws: usize): void {
  const rowB = <usize>inner << 2;
  const mx = ws, sm = ws + rowB + 16;
  for (let o = 0; o < outer; o++) {
    const p = x + <usize>o * <usize>n * rowB;
    const q = out + <usize>o * <usize>n * rowB;
    for (let j = 0; j < inner; j++) {
      store<f32>(mx + (<usize>j << 2), -Infinity);
      store<f32>(sm + (<usize>j << 2), 0);
    }
    for (let d = 0; d < n; d++) {
      const row = p + <usize>d * rowB;
      for (let j = 0; j < inner; j++) {
        const v = load<f32>(row + (<usize>j << 2));
        const m = load<f32>(mx + (<usize>j << 2));
        if (v > m) store<f32>(mx + (<usize>j << 2), v);
      }
    }
    for (let j = 0; j < inner; j++) {
      if (load<f32>(mx + (<usize>j << 2)) == -Infinity) store<f32>(mx + (<usize>j << 2), 0);
    }
    for (let d = 0; d < n; d++) {
      const row = p + <usize>d * rowB;
      const orow = q + <usize>d * rowB;
      let j = 0;
      for (; j + 4 <= inner; j += 4) {
        const o4 = <usize>j << 2;
        const e = vexp(f32x4.sub(v128.load(row + o4), v128.load(mx + o4)));
        if (!log) v128.store(orow + o4, e);
        v128.store(sm + o4, f32x4.add(v128.load(sm + o4), e));
      }
      for (; j < inner; j++) {
        const o4 = <usize>j << 2;
        const e = f32x4.extract_lane(vexp(f32x4.splat(load<f32>(row + o4) - load<f32>(mx + o4))), 0);
        if (!log) store<f32>(orow + o4, e);
        store<f32>(sm + o4, load<f32>(sm + o4) + e);
      }
    }
    if (log) {
      for (let j = 0; j < inner; j++) {
        const o4 = <usize>j << 2;
        store<f32>(sm + o4, <f32>Math.log(<f64>load<f32>(sm + o4)));
      }
    } else {
      for (let j = 0; j < inner; j++) {
        const o4 = <usize>j << 2;
        store<f32>(sm + o4, <f32>(1.0 / <f64>load<f32>(sm + o4)));
      }
    }
    for (let d = 0; d < n; d++) {
      const row = p + <usize>d * rowB;
      const orow = q + <usize>d * rowB;
      let j = 0;
      for (; j + 4 <= inner; j += 4) {
        const o4 = <usize>j << 2;
        if (log) v128.store(orow + o4, f32x4.sub(f32x4.sub(v128.load(row + o4), v128.load(mx + o4)), v128.load(sm + o4)));
        else v128.store(orow + o4, f32x4.mul(v128.load(orow + o4), v128.load(sm + o4)));
      }
      for (; j < inner; j++) {
        const o4 = <usize>j << 2;
        if (log) store<f32>(orow + o4, (load<f32>(row + o4) - load<f32>(mx + o4)) - load<f32>(sm + o4));
        else store<f32>(orow + o4, load<f32>(orow + o4) * load<f32>(sm + o4));
      }
    }
  }
}

/** Index of the first max (isMax) or min along a strided row; a NaN wins at once. Rows as in reduceF32. */
export function argReduceF32(isMax: i32, rows: i32, x: usize, rowTab: usize, n: i32, s: i32, out: usize): void {
  const sB = <usize>s << 2;
  for (let r = 0; r < rows; r++) {
    const p = x + (<usize>load<i32>(rowTab + (<usize>r << 2)) << 2);
    let best = load<f32>(p);
    let bi = 0;
    for (let i = 1; i < n && best == best; i++) {
      const v = load<f32>(p + <usize>i * sB);
      if ((isMax ? v > best : v < best) || v != v) {
        best = v;
        bi = i;
      }
    }
    store<i32>(out + (<usize>r << 2), bi);
  }
}
