/**
 * Vectorised float32 transcendental functions on v128 (four lanes), Cephes-style: range reduction plus a short
 * minimax polynomial. Accurate to a few ulp over the whole float32 range, with IEEE special values (NaN, +-Inf, 0).
 */


// @ts-ignore: decorator
@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/**
 * Constants are read from static memory (v128.load32_splat, one instruction) rather than written as v128.const, which
 * V8 (11.x, x64) rebuilds from immediates at every use inside a loop: kf(memory.data<f32>([c])) is c in four lanes.
 */
// @ts-ignore: decorator
@inline export function kf(p: usize): v128 {
  return v128.load32_splat(p);
}
// @ts-ignore: decorator
@inline export function ki(p: usize): v128 {
  return v128.load32_splat(p);
}

// MAGIC = 1.5 * 2^23: adding it to a float of magnitude < 2^22 rounds to an integer held in the low mantissa bits

/**
 * e^x. n = round(x / ln 2) by the magic-number trick (its integer is read straight from the float's bits), r = x - n
 * ln 2 in two parts, e^r by a degree-6 polynomial, times 2^n as two normal powers of two (so results near the top of
 * the range and subnormal results come out right). Inputs are clamped to [-104, 88.8], where e^x is already 0 or
 * overflows to Infinity; pmin/pmax keep NaN. About 2 ulp.
 */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, kf(memory.data<f32>([88.8]))), kf(memory.data<f32>([-104.0])));
  const t = f32x4.add(f32x4.mul(xc, kf(memory.data<f32>([1.44269504088896341]))), kf(memory.data<f32>([12582912.0])));
  const n = f32x4.sub(t, kf(memory.data<f32>([12582912.0])));
  const ni = i32x4.sub(t, ki(memory.data<i32>([0x4b400000])));
  let r = f32x4.sub(xc, f32x4.mul(n, kf(memory.data<f32>([0.693359375]))));
  r = f32x4.sub(r, f32x4.mul(n, kf(memory.data<f32>([-2.12194440e-4]))));
  const z = f32x4.mul(r, r);
  let p = kf(memory.data<f32>([1.9875691500e-4]));
  p = f32x4.add(f32x4.mul(p, r), kf(memory.data<f32>([1.3981999507e-3])));
  p = f32x4.add(f32x4.mul(p, r), kf(memory.data<f32>([8.3334519073e-3])));
  p = f32x4.add(f32x4.mul(p, r), kf(memory.data<f32>([4.1665795894e-2])));
  p = f32x4.add(f32x4.mul(p, r), kf(memory.data<f32>([1.6666665459e-1])));
  p = f32x4.add(f32x4.mul(p, r), kf(memory.data<f32>([5.0000001201e-1])));
  p = f32x4.add(f32x4.add(f32x4.mul(p, z), r), kf(memory.data<f32>([1.0])));
  const h = i32x4.shr_s(ni, 1);
  const l = i32x4.sub(ni, h);
  const bias = ki(memory.data<i32>([127]));
  const s1 = i32x4.shl(i32x4.add(h, bias), 23);
  const s2 = i32x4.shl(i32x4.add(l, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** e^x - 1, accurate near 0. */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  const e = f32x4.sub(vexp(x), kf(memory.data<f32>([1])));
  // Taylor series for |x| < 0.01 (error below x^5/120)
  const x2 = f32x4.mul(x, x);
  let t = f32x4.add(kf(memory.data<f32>([0.16666666666666666])), f32x4.mul(x, kf(memory.data<f32>([0.041666666666666664]))));
  t = f32x4.add(kf(memory.data<f32>([0.5])), f32x4.mul(x, t));
  t = f32x4.add(x, f32x4.mul(x2, t));
  return v128.bitselect(t, e, f32x4.lt(f32x4.abs(x), kf(memory.data<f32>([0.01]))));
}

/** Natural logarithm: NaN below 0, -Inf at 0, +Inf at +Inf. */
// @ts-ignore: decorator
@inline export function vlog(x0: v128): v128 {
  // scale subnormals up by 2^25
  const sub = f32x4.lt(x0, kf(memory.data<f32>([1.17549435e-38])));
  const x1 = v128.bitselect(f32x4.mul(x0, kf(memory.data<f32>([33554432.0]))), x0, sub);
  const bits = x1;
  // exponent and mantissa in [0.5, 1)
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(bits, 23), ki(memory.data<i32>([126]))));
  e = v128.bitselect(f32x4.sub(e, kf(memory.data<f32>([25]))), e, sub);
  let m = v128.or(v128.and(bits, ki(memory.data<i32>([0x007fffff]))), ki(memory.data<i32>([0x3f000000])));
  const small = f32x4.lt(m, kf(memory.data<f32>([0.707106781186547524])));
  // m < sqrt(1/2): m = 2m - 1, e -= 1; else m = m - 1
  e = v128.bitselect(f32x4.sub(e, kf(memory.data<f32>([1]))), e, small);
  m = f32x4.sub(v128.bitselect(f32x4.add(m, m), m, small), kf(memory.data<f32>([1])));
  const z = f32x4.mul(m, m);
  let y = kf(memory.data<f32>([7.0376836292e-2]));
  y = f32x4.add(f32x4.mul(y, m), kf(memory.data<f32>([-1.1514610310e-1])));
  y = f32x4.add(f32x4.mul(y, m), kf(memory.data<f32>([1.1676998740e-1])));
  y = f32x4.add(f32x4.mul(y, m), kf(memory.data<f32>([-1.2420140846e-1])));
  y = f32x4.add(f32x4.mul(y, m), kf(memory.data<f32>([1.4249322787e-1])));
  y = f32x4.add(f32x4.mul(y, m), kf(memory.data<f32>([-1.6668057665e-1])));
  y = f32x4.add(f32x4.mul(y, m), kf(memory.data<f32>([2.0000714765e-1])));
  y = f32x4.add(f32x4.mul(y, m), kf(memory.data<f32>([-2.4999993993e-1])));
  y = f32x4.add(f32x4.mul(y, m), kf(memory.data<f32>([3.3333331174e-1])));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(e, kf(memory.data<f32>([-2.12194440e-4]))));
  y = f32x4.sub(y, f32x4.mul(z, kf(memory.data<f32>([0.5]))));
  let r = f32x4.add(m, y);
  r = f32x4.add(r, f32x4.mul(e, kf(memory.data<f32>([0.693359375]))));
  // special values
  r = v128.bitselect(kf(memory.data<f32>([-Infinity])), r, f32x4.eq(x0, splat(0)));
  r = v128.bitselect(kf(memory.data<f32>([Infinity])), r, f32x4.eq(x0, kf(memory.data<f32>([Infinity]))));
  r = v128.bitselect(kf(memory.data<f32>([NaN])), r, v128.or(f32x4.lt(x0, splat(0)), f32x4.ne(x0, x0)));
  return r;
}

/** log(1 + x) for x >= 0 (used by softplus), accurate for small x. */
// @ts-ignore: decorator
@inline export function vlog1pPos(x: v128): v128 {
  const l = vlog(f32x4.add(x, kf(memory.data<f32>([1]))));
  const t = f32x4.mul(x, f32x4.sub(kf(memory.data<f32>([1])), f32x4.mul(x, f32x4.sub(kf(memory.data<f32>([0.5])), f32x4.mul(x, kf(memory.data<f32>([0.3333333333333333])))))));
  return v128.bitselect(t, l, f32x4.lt(x, kf(memory.data<f32>([1e-3]))));
}

/** tanh. */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| >= 0.625: 1 - 2 / (e^(2|x|) + 1), with the sign of x
  const e = vexp(f32x4.add(ax, ax));
  let big = f32x4.sub(kf(memory.data<f32>([1])), f32x4.div(kf(memory.data<f32>([2])), f32x4.add(e, kf(memory.data<f32>([1])))));
  big = v128.or(big, v128.and(x, ki(memory.data<i32>([0x80000000]))));
  // |x| < 0.625: odd polynomial
  const z = f32x4.mul(x, x);
  let p = kf(memory.data<f32>([-5.70498872745e-3]));
  p = f32x4.add(f32x4.mul(p, z), kf(memory.data<f32>([2.06390887954e-2])));
  p = f32x4.add(f32x4.mul(p, z), kf(memory.data<f32>([-5.37397155531e-2])));
  p = f32x4.add(f32x4.mul(p, z), kf(memory.data<f32>([1.33314422036e-1])));
  p = f32x4.add(f32x4.mul(p, z), kf(memory.data<f32>([-3.33332819422e-1])));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  return v128.bitselect(small, big, f32x4.lt(ax, kf(memory.data<f32>([0.625]))));
}

/** The logistic sigmoid 1 / (1 + e^-x). */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(kf(memory.data<f32>([1])), f32x4.add(kf(memory.data<f32>([1])), vexp(f32x4.neg(x))));
}

/**
 * erf: Taylor series below |x| = 0.5 (relative accuracy near 0), Abramowitz & Stegun 7.1.26 above (absolute error
 * below 1.5e-7), saturating to +-1.
 */
// @ts-ignore: decorator
@inline export function verf(x: v128): v128 {
  const ax = f32x4.abs(x);
  const t = f32x4.div(kf(memory.data<f32>([1])), f32x4.add(kf(memory.data<f32>([1])), f32x4.mul(ax, kf(memory.data<f32>([0.3275911])))));
  let p = kf(memory.data<f32>([1.061405429]));
  p = f32x4.add(f32x4.mul(p, t), kf(memory.data<f32>([-1.453152027])));
  p = f32x4.add(f32x4.mul(p, t), kf(memory.data<f32>([1.421413741])));
  p = f32x4.add(f32x4.mul(p, t), kf(memory.data<f32>([-0.284496736])));
  p = f32x4.add(f32x4.mul(p, t), kf(memory.data<f32>([0.254829592])));
  p = f32x4.mul(p, t);
  let big = f32x4.sub(kf(memory.data<f32>([1])), f32x4.mul(p, vexp(f32x4.neg(f32x4.mul(ax, ax)))));
  big = v128.or(big, v128.and(x, ki(memory.data<i32>([0x80000000]))));
  const z = f32x4.mul(x, x);
  let s = kf(memory.data<f32>([-0.0007575757575757576]));
  s = f32x4.add(f32x4.mul(s, z), kf(memory.data<f32>([0.004629629629629629])));
  s = f32x4.add(f32x4.mul(s, z), kf(memory.data<f32>([-0.023809523809523808])));
  s = f32x4.add(f32x4.mul(s, z), kf(memory.data<f32>([0.1])));
  s = f32x4.add(f32x4.mul(s, z), kf(memory.data<f32>([-0.3333333333333333])));
  s = f32x4.add(f32x4.mul(s, z), kf(memory.data<f32>([1.0])));
  const small = f32x4.mul(f32x4.mul(s, x), kf(memory.data<f32>([1.1283791670955126])));
  const r = v128.bitselect(small, big, f32x4.lt(ax, kf(memory.data<f32>([0.5]))));
  // NaN stays NaN (the comparisons above are false for NaN lanes, which took `big`: keep the input)
  return v128.bitselect(x, r, f32x4.ne(x, x));
}
