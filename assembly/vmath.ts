/**
 * Vectorised float32 transcendental functions on v128 (four lanes), Cephes-style: range reduction plus a short
 * minimax polynomial. Accurate to a few ulp over the whole float32 range, with IEEE special values (NaN, +-Inf, 0).
 */

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;

// @ts-ignore: decorator
@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/**
 * p * 2^n for integer-valued float lanes n in [-150, 130]: two multiplications by normal powers of two, so results
 * near the top of the range and subnormal results come out right.
 */
// @ts-ignore: decorator
@inline function ldexp(p: v128, n: v128): v128 {
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const h = i32x4.shr_s(ni, 1);
  const l = i32x4.sub(ni, h);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(h, bias), 23);
  const s2 = i32x4.shl(i32x4.add(l, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** e^x. */
export function vexp(x: v128): v128 {
  const xc = f32x4.max(f32x4.min(x, splat(88.8)), splat(-104.0));
  const n = f32x4.nearest(f32x4.mul(xc, splat(LOG2E)));
  let r = f32x4.sub(xc, f32x4.mul(n, splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, splat(LN2_LO)));
  const z = f32x4.mul(r, r);
  let p = splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, z), r), splat(1.0));
  let y = ldexp(p, n);
  y = v128.bitselect(splat(Infinity), y, f32x4.gt(x, splat(88.72283935546875)));
  y = v128.bitselect(splat(0), y, f32x4.lt(x, splat(-103.972084)));
  return y;
}

/** e^x - 1, accurate near 0. */
export function vexpm1(x: v128): v128 {
  const e = f32x4.sub(vexp(x), splat(1));
  // Taylor series for |x| < 0.01 (error below x^5/120)
  const x2 = f32x4.mul(x, x);
  let t = f32x4.add(splat(1.0 / 6.0), f32x4.mul(x, splat(1.0 / 24.0)));
  t = f32x4.add(splat(0.5), f32x4.mul(x, t));
  t = f32x4.add(x, f32x4.mul(x2, t));
  return v128.bitselect(t, e, f32x4.lt(f32x4.abs(x), splat(0.01)));
}

/** Natural logarithm: NaN below 0, -Inf at 0, +Inf at +Inf. */
export function vlog(x0: v128): v128 {
  // scale subnormals up by 2^25
  const sub = f32x4.lt(x0, splat(1.17549435e-38));
  const x1 = v128.bitselect(f32x4.mul(x0, splat(33554432.0)), x0, sub);
  const bits = x1;
  // exponent and mantissa in [0.5, 1)
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126)));
  e = v128.bitselect(f32x4.sub(e, splat(25)), e, sub);
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m, splat(0.707106781186547524));
  // m < sqrt(1/2): m = 2m - 1, e -= 1; else m = m - 1
  e = v128.bitselect(f32x4.sub(e, splat(1)), e, small);
  m = f32x4.sub(v128.bitselect(f32x4.add(m, m), m, small), splat(1));
  const z = f32x4.mul(m, m);
  let y = splat(7.0376836292e-2);
  y = f32x4.add(f32x4.mul(y, m), splat(-1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(1.1676998740e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(-1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(1.4249322787e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(-1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(2.0000714765e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(-2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, m), splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(e, splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, splat(0.5)));
  let r = f32x4.add(m, y);
  r = f32x4.add(r, f32x4.mul(e, splat(LN2_HI)));
  // special values
  r = v128.bitselect(splat(-Infinity), r, f32x4.eq(x0, splat(0)));
  r = v128.bitselect(splat(Infinity), r, f32x4.eq(x0, splat(Infinity)));
  r = v128.bitselect(splat(NaN), r, v128.or(f32x4.lt(x0, splat(0)), f32x4.ne(x0, x0)));
  return r;
}

/** log(1 + x) for x >= 0 (used by softplus), accurate for small x. */
export function vlog1pPos(x: v128): v128 {
  const l = vlog(f32x4.add(x, splat(1)));
  const t = f32x4.mul(x, f32x4.sub(splat(1), f32x4.mul(x, f32x4.sub(splat(0.5), f32x4.mul(x, splat(1.0 / 3.0))))));
  return v128.bitselect(t, l, f32x4.lt(x, splat(1e-3)));
}

/** tanh. */
export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| >= 0.625: 1 - 2 / (e^(2|x|) + 1), with the sign of x
  const e = vexp(f32x4.add(ax, ax));
  let big = f32x4.sub(splat(1), f32x4.div(splat(2), f32x4.add(e, splat(1))));
  big = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  // |x| < 0.625: odd polynomial
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  return v128.bitselect(small, big, f32x4.lt(ax, splat(0.625)));
}

/** The logistic sigmoid 1 / (1 + e^-x). */
export function vsigmoid(x: v128): v128 {
  return f32x4.div(splat(1), f32x4.add(splat(1), vexp(f32x4.neg(x))));
}

/**
 * erf: Taylor series below |x| = 0.5 (relative accuracy near 0), Abramowitz & Stegun 7.1.26 above (absolute error
 * below 1.5e-7), saturating to +-1.
 */
export function verf(x: v128): v128 {
  const ax = f32x4.abs(x);
  const t = f32x4.div(splat(1), f32x4.add(splat(1), f32x4.mul(ax, splat(0.3275911))));
  let p = splat(1.061405429);
  p = f32x4.add(f32x4.mul(p, t), splat(-1.453152027));
  p = f32x4.add(f32x4.mul(p, t), splat(1.421413741));
  p = f32x4.add(f32x4.mul(p, t), splat(-0.284496736));
  p = f32x4.add(f32x4.mul(p, t), splat(0.254829592));
  p = f32x4.mul(p, t);
  let big = f32x4.sub(splat(1), f32x4.mul(p, vexp(f32x4.neg(f32x4.mul(ax, ax)))));
  big = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  const z = f32x4.mul(x, x);
  let s = splat(-1.0 / 1320.0);
  s = f32x4.add(f32x4.mul(s, z), splat(1.0 / 216.0));
  s = f32x4.add(f32x4.mul(s, z), splat(-1.0 / 42.0));
  s = f32x4.add(f32x4.mul(s, z), splat(1.0 / 10.0));
  s = f32x4.add(f32x4.mul(s, z), splat(-1.0 / 3.0));
  s = f32x4.add(f32x4.mul(s, z), splat(1.0));
  const small = f32x4.mul(f32x4.mul(s, x), splat(1.1283791670955126));
  const r = v128.bitselect(small, big, f32x4.lt(ax, splat(0.5)));
  // NaN stays NaN (the comparisons above are false for NaN lanes, which took `big`: keep the input)
  return v128.bitselect(x, r, f32x4.ne(x, x));
}
