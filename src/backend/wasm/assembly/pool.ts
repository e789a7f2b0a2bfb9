/**
 * 2-D pooling over dense float32 planes ([N*C, H, W]), window for window as the reference backend.
 * params (i32[10] at p): H, W, OH, OW, kH, kW, sH, sW, pH, pW; then dH, dW (max) or countIncludePad (avg).
 */

// @ts-ignore: decorator
@inline function pi(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/**
 * Takes b (a later element of the window) over a when b > a or b is NaN: the sequential scan of the reference
 * kernel, four outputs at a time.
 */
// @ts-ignore: decorator
@inline function takeLater(a: v128, ai: v128, b: v128, bi: v128, out: usize, outIdx: usize): void {
  const c = v128.or(f32x4.gt(b, a), f32x4.ne(b, b));
  v128.store(out, v128.bitselect(b, a, c));
  v128.store(outIdx, v128.bitselect(bi, ai, c));
}

/** The common 2x2 window, stride 2, no padding or dilation, every window inside the plane: SIMD over 4 outputs. */
function maxPool2x2(planes: i32, x: usize, H: i32, W: i32, OH: i32, OW: i32, out: usize, idx: usize): void {
  const OW4 = OW & ~3;
  const step = i32x4(0, 2, 4, 6);
  const rowB = <usize>W << 2;
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const plane = x + ((<usize>pl * <usize>H * <usize>W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const ih = oh * 2;
      const r0 = plane + <usize>ih * rowB, r1 = r0 + rowB;
      let ow = 0;
      for (; ow < OW4; ow += 4) {
        const q0 = r0 + (<usize>(ow * 2) << 2), q1 = r1 + (<usize>(ow * 2) << 2);
        const u0 = v128.load(q0), u1 = v128.load(q0, 16), l0 = v128.load(q1), l1 = v128.load(q1, 16);
        const a0 = i32x4.shuffle(u0, u1, 0, 2, 4, 6), a1 = i32x4.shuffle(u0, u1, 1, 3, 5, 7);
        const a2 = i32x4.shuffle(l0, l1, 0, 2, 4, 6), a3 = i32x4.shuffle(l0, l1, 1, 3, 5, 7);
        const i0 = i32x4.add(i32x4.splat(ih * W + ow * 2), step);
        const i1 = i32x4.add(i0, i32x4.splat(1));
        const i2 = i32x4.add(i0, i32x4.splat(W));
        const i3 = i32x4.add(i2, i32x4.splat(1));
        let m = a0, mi = i0;
        let c = v128.or(f32x4.gt(a1, m), f32x4.ne(a1, a1));
        m = v128.bitselect(a1, m, c);
        mi = v128.bitselect(i1, mi, c);
        c = v128.or(f32x4.gt(a2, m), f32x4.ne(a2, a2));
        m = v128.bitselect(a2, m, c);
        mi = v128.bitselect(i2, mi, c);
        takeLater(m, mi, a3, i3, out + ((o + <usize>ow) << 2), idx + ((o + <usize>ow) << 2));
      }
      for (; ow < OW; ow++) {
        const base = ih * W + ow * 2;
        let best = load<f32>(plane + (<usize>base << 2));
        let bi = base;
        for (let k = 1; k < 4; k++) {
          const j = base + (k >> 1) * W + (k & 1);
          const v = load<f32>(plane + (<usize>j << 2));
          const better = (v > best) | (v != v);
          best = select<f32>(v, best, better);
          bi = select<i32>(j, bi, better);
        }
        store<f32>(out + ((o + <usize>ow) << 2), best);
        store<i32>(idx + ((o + <usize>ow) << 2), bi);
      }
      o += <usize>OW;
    }
  }
}

/** Max pooling; indices are flat positions ih*W + iw within each plane. A NaN in a window wins. */
export function maxPool2d(planes: i32, x: usize, p: usize, out: usize, idx: usize): void {
  const H = pi(p, 0), W = pi(p, 1), OH = pi(p, 2), OW = pi(p, 3), kH = pi(p, 4), kW = pi(p, 5);
  const sH = pi(p, 6), sW = pi(p, 7), pH = pi(p, 8), pW = pi(p, 9), dH = pi(p, 10), dW = pi(p, 11);
  if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && dH == 1 && dW == 1 && 2 * OH <= H && 2 * OW <= W) {
    maxPool2x2(planes, x, H, W, OH, OW, out, idx);
    return;
  }
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const plane = x + ((<usize>pl * <usize>H * <usize>W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * sH - pH;
      const h1 = min(h0 + (kH - 1) * dH + 1, H);
      while (h0 < 0) h0 += dH;
      for (let ow = 0; ow < OW; ow++) {
        let w0 = ow * sW - pW;
        const w1 = min(w0 + (kW - 1) * dW + 1, W);
        while (w0 < 0) w0 += dW;
        let best: f32 = -Infinity;
        let bestIdx = h0 * W + w0;
        for (let ih = h0; ih < h1; ih += dH) {
          const row = plane + ((<usize>ih * <usize>W) << 2);
          for (let iw = w0; iw < w1; iw += dW) {
            const v = load<f32>(row + (<usize>iw << 2));
            // branch-free: comparisons on real data are unpredictable
            const better = (v > best) | (v != v);
            best = select<f32>(v, best, better);
            bestIdx = select<i32>(ih * W + iw, bestIdx, better);
          }
        }
        store<f32>(out + (o << 2), best);
        store<i32>(idx + (o << 2), bestIdx);
        o++;
      }
    }
  }
}

/** dx (zeroed, planes x H*W) += gradOut routed through indices (both dense, planes x OH*OW). */
export function maxPool2dBackward(planes: i32, HW: i32, OHW: i32, g: usize, idx: usize, dx: usize): void {
  for (let pl = 0; pl < planes; pl++) {
    const gp = g + ((<usize>pl * <usize>OHW) << 2);
    const ip = idx + ((<usize>pl * <usize>OHW) << 2);
    const dp = dx + ((<usize>pl * <usize>HW) << 2);
    for (let i = 0; i < OHW; i++) {
      const k = load<i32>(ip + (<usize>i << 2));
      if (k >= 0 && k < HW) {
        const d = dp + (<usize>k << 2);
        store<f32>(d, load<f32>(d) + load<f32>(gp + (<usize>i << 2)));
      }
    }
  }
}

// The window avgWindow found (AssemblyScript functions return one value).
let winH0: i32 = 0, winH1: i32 = 0, winW0: i32 = 0, winW1: i32 = 0, winDiv: i32 = 1;

/**
 * The input window of average-pooling output (oh, ow), clipped to the input, and its divisor (the unclipped size
 * within the padding when countIncludePad, else the clipped size); false when nothing of it lies in the input.
 */
// @ts-ignore: decorator
@inline function avgWindow(oh: i32, ow: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, cip: i32): bool {
  const h0 = oh * sH - pH, w0 = ow * sW - pW;
  const h1 = min(h0 + kH, H + pH), w1 = min(w0 + kW, W + pW);
  winH0 = max(h0, 0);
  winW0 = max(w0, 0);
  winH1 = min(h1, H);
  winW1 = min(w1, W);
  if (winH0 >= winH1 || winW0 >= winW1) return false;
  winDiv = cip ? (h1 - h0) * (w1 - w0) : (winH1 - winH0) * (winW1 - winW0);
  return true;
}

/** Average pooling forward (countIncludePad = p[10]); dense planes. */
export function avgPool2d(planes: i32, x: usize, p: usize, out: usize): void {
  const H = pi(p, 0), W = pi(p, 1), OH = pi(p, 2), OW = pi(p, 3), kH = pi(p, 4), kW = pi(p, 5);
  const sH = pi(p, 6), sW = pi(p, 7), pH = pi(p, 8), pW = pi(p, 9), cip = pi(p, 10);
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const plane = x + ((<usize>pl * <usize>H * <usize>W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        if (!avgWindow(oh, ow, H, W, kH, kW, sH, sW, pH, pW, cip)) {
          store<f32>(out + (o << 2), 0);
          continue;
        }
        let s: f64 = 0;
        for (let ih = winH0; ih < winH1; ih++) {
          const row = plane + ((<usize>ih * <usize>W) << 2);
          for (let iw = winW0; iw < winW1; iw++) s += <f64>load<f32>(row + (<usize>iw << 2));
        }
        store<f32>(out + (o << 2), <f32>(s / <f64>winDiv));
      }
    }
  }
}

/** Average pooling backward into zeroed dx; gradOut dense planes x OH*OW. */
export function avgPool2dBackward(planes: i32, g: usize, p: usize, dx: usize): void {
  const H = pi(p, 0), W = pi(p, 1), OH = pi(p, 2), OW = pi(p, 3), kH = pi(p, 4), kW = pi(p, 5);
  const sH = pi(p, 6), sW = pi(p, 7), pH = pi(p, 8), pW = pi(p, 9), cip = pi(p, 10);
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const plane = dx + ((<usize>pl * <usize>H * <usize>W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        if (!avgWindow(oh, ow, H, W, kH, kW, sH, sW, pH, pW, cip)) continue;
        const v = <f32>(<f64>load<f32>(g + (o << 2)) / <f64>winDiv);
        for (let ih = winH0; ih < winH1; ih++) {
          const row = plane + ((<usize>ih * <usize>W) << 2);
          for (let iw = winW0; iw < winW1; iw++) {
            const d = row + (<usize>iw << 2);
            store<f32>(d, load<f32>(d) + v);
          }
        }
      }
    }
  }
}
