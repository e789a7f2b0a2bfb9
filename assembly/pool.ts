/**
 * 2-D pooling over dense float32 planes ([N*C, H, W]), window for window as the reference backend.
 * params (i32[10] at p): H, W, OH, OW, kH, kW, sH, sW, pH, pW; then dH, dW (max) or countIncludePad (avg).
 */

// @ts-ignore: decorator
@inline function pi(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** Max pooling; indices are flat positions ih*W + iw within each plane. A NaN in a window wins. */
export function maxPool2d(planes: i32, x: usize, p: usize, out: usize, idx: usize): void {
  const H = pi(p, 0), W = pi(p, 1), OH = pi(p, 2), OW = pi(p, 3), kH = pi(p, 4), kW = pi(p, 5);
  const sH = pi(p, 6), sW = pi(p, 7), pH = pi(p, 8), pW = pi(p, 9), dH = pi(p, 10), dW = pi(p, 11);
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
            if (v > best || v != v) {
              best = v;
              bestIdx = ih * W + iw;
            }
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

/** Average pooling forward (countIncludePad = p[10]); dense planes. */
export function avgPool2d(planes: i32, x: usize, p: usize, out: usize): void {
  const H = pi(p, 0), W = pi(p, 1), OH = pi(p, 2), OW = pi(p, 3), kH = pi(p, 4), kW = pi(p, 5);
  const sH = pi(p, 6), sW = pi(p, 7), pH = pi(p, 8), pW = pi(p, 9), cip = pi(p, 10);
  let o: usize = 0;
  for (let pl = 0; pl < planes; pl++) {
    const plane = x + ((<usize>pl * <usize>H * <usize>W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        let h0 = oh * sH - pH, w0 = ow * sW - pW;
        let h1 = min(h0 + kH, H + pH), w1 = min(w0 + kW, W + pW);
        const poolSize = (h1 - h0) * (w1 - w0);
        h0 = max(h0, 0);
        w0 = max(w0, 0);
        h1 = min(h1, H);
        w1 = min(w1, W);
        if (h0 >= h1 || w0 >= w1) {
          store<f32>(out + (o << 2), 0);
          continue;
        }
        const div = cip ? poolSize : (h1 - h0) * (w1 - w0);
        let s: f64 = 0;
        for (let ih = h0; ih < h1; ih++) {
          const row = plane + ((<usize>ih * <usize>W) << 2);
          for (let iw = w0; iw < w1; iw++) s += <f64>load<f32>(row + (<usize>iw << 2));
        }
        store<f32>(out + (o << 2), <f32>(s / <f64>div));
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
        let h0 = oh * sH - pH, w0 = ow * sW - pW;
        let h1 = min(h0 + kH, H + pH), w1 = min(w0 + kW, W + pW);
        const poolSize = (h1 - h0) * (w1 - w0);
        h0 = max(h0, 0);
        w0 = max(w0, 0);
        h1 = min(h1, H);
        w1 = min(w1, W);
        if (h0 >= h1 || w0 >= w1) continue;
        const div = cip ? poolSize : (h1 - h0) * (w1 - w0);
        const v = <f32>(<f64>load<f32>(g + (o << 2)) / <f64>div);
        for (let ih = h0; ih < h1; ih++) {
          const row = plane + ((<usize>ih * <usize>W) << 2);
          for (let iw = w0; iw < w1; iw++) {
            const d = row + (<usize>iw << 2);
            store<f32>(d, load<f32>(d) + v);
          }
        }
      }
    }
  }
}
