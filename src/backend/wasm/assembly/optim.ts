/**
 * Fused optimiser updates over contiguous float32 parameters, in place: one pass over memory per parameter instead
 * of a dozen whole-tensor ops. Same update as the reference rules of src/optim (PyTorch 1.13 semantics).
 */

/**
 * Adam / AdamW: p *= decay; g' = g + l2 p; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 * p -= stepSize m / (sqrt(v) / bc2Sqrt + eps).
 */
export function adamF32(
  n: i32, p: usize, g: usize, m: usize, v: usize,
  beta1: f32, beta2: f32, stepSize: f32, bc2Sqrt: f32, eps: f32, decay: f32, l2: f32,
): void {
  const vb1 = f32x4.splat(beta1), vc1 = f32x4.splat(1 - beta1);
  const vb2 = f32x4.splat(beta2), vc2 = f32x4.splat(1 - beta2);
  // sqrt and division are the slow instructions here: divide by bc2Sqrt as a multiply by its reciprocal
  const invBc: f32 = <f32>1 / bc2Sqrt;
  const vs = f32x4.splat(stepSize), vbc = f32x4.splat(invBc), veps = f32x4.splat(eps);
  const vdec = f32x4.splat(decay), vl2 = f32x4.splat(l2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let pv = v128.load(p + o);
    if (decay != 1) pv = f32x4.mul(pv, vdec);
    let gv = v128.load(g + o);
    if (l2 != 0) gv = f32x4.add(gv, f32x4.mul(vl2, pv));
    const mv = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(vc1, gv));
    const vv = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(vc2, gv), gv));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const den = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vbc), veps);
    v128.store(p + o, f32x4.sub(pv, f32x4.div(f32x4.mul(vs, mv), den)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let pi = load<f32>(p + o);
    if (decay != 1) pi *= decay;
    let gi = load<f32>(g + o);
    if (l2 != 0) gi += l2 * pi;
    const mi = load<f32>(m + o) * beta1 + (1 - beta1) * gi;
    const vi = load<f32>(v + o) * beta2 + (1 - beta2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, pi - (stepSize * mi) / (<f32>Math.sqrt(<f64>vi) * invBc + eps));
  }
}

/**
 * SGD: d = g + wd p; without momentum (buf == 0) p -= lr d; with momentum buf = momentum buf + (1 - dampening) d and
 * p -= lr (nesterov ? d + momentum buf : buf).
 */
export function sgdF32(n: i32, p: usize, g: usize, buf: usize, lr: f32, momentum: f32, dampening: f32, wd: f32, nesterov: i32): void {
  const vlr = f32x4.splat(lr), vwd = f32x4.splat(wd), vmom = f32x4.splat(momentum), vdamp = f32x4.splat(1 - dampening);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    let d = v128.load(g + o);
    if (wd != 0) d = f32x4.add(d, f32x4.mul(vwd, pv));
    if (buf == 0) {
      v128.store(p + o, f32x4.sub(pv, f32x4.mul(vlr, d)));
      continue;
    }
    const b = f32x4.add(f32x4.mul(v128.load(buf + o), vmom), f32x4.mul(vdamp, d));
    v128.store(buf + o, b);
    const step = nesterov ? f32x4.add(d, f32x4.mul(vmom, b)) : b;
    v128.store(p + o, f32x4.sub(pv, f32x4.mul(vlr, step)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = load<f32>(p + o);
    let d = load<f32>(g + o);
    if (wd != 0) d += wd * pi;
    if (buf == 0) {
      store<f32>(p + o, pi - lr * d);
      continue;
    }
    const b = load<f32>(buf + o) * momentum + (1 - dampening) * d;
    store<f32>(buf + o, b);
    store<f32>(p + o, pi - lr * (nesterov ? d + momentum * b : b));
  }
}
