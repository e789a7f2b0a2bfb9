import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, arange, nn } from '../../src/index.js';

/** The (dy, dx) in [-m, m] that turns image a into image b (zero fill), or null if none does. */
function findShift(a: Float32Array, b: Float32Array, H: number, W: number, m: number): [number, number] | null {
  for (let dy = -m; dy <= m; dy++) {
    for (let dx = -m; dx <= m; dx++) {
      let ok = true;
      for (let y = 0; y < H && ok; y++) {
        for (let x = 0; x < W && ok; x++) {
          const sy = y - dy, sx = x - dx;
          const expected = sy >= 0 && sy < H && sx >= 0 && sx < W ? a[sy * W + sx] : 0;
          if (b[y * W + x] !== expected) ok = false;
        }
      }
      if (ok) return [dy, dx];
    }
  }
  return null;
}

describe('RandomShift', () => {
  const N = 16, H = 6, W = 7;
  const images = arange(N * H * W).add(1).reshape([N, 1, H, W]); // distinct non-zero pixels

  it('moves every image by its own offset within maxShift, filling with zeros, in training mode', () => {
    const layer = new nn.RandomShift(2, new Generator(3));
    const out = layer.forward(images);
    assert.deepEqual(out.shape, [N, 1, H, W]);
    const src = images.data() as Float32Array, dst = out.data() as Float32Array;
    const shifts = new Set<string>();
    for (let n = 0; n < N; n++) {
      const s = findShift(src.subarray(n * H * W, (n + 1) * H * W), dst.subarray(n * H * W, (n + 1) * H * W), H, W, 2);
      assert.ok(s, `image ${n} is not a shift of its input`);
      shifts.add(s.join(','));
    }
    assert.ok(shifts.size > 3, `offsets should vary between images, got ${[...shifts].join(' ')}`);
  });

  it('is the identity in eval mode and survives a config round trip', () => {
    const layer = new nn.RandomShift(2);
    layer.eval();
    assert.equal(layer.forward(images), images);
    const rebuilt = nn.moduleFromConfig(JSON.parse(JSON.stringify(layer.config())));
    assert.ok(rebuilt instanceof nn.RandomShift);
    assert.equal((rebuilt as InstanceType<typeof nn.RandomShift>).maxShift, 2);
    assert.match(layer.toString(), /RandomShift\(maxShift=2\)/);
  });

  it('rejects bad arguments with clear errors', () => {
    assert.throws(() => new nn.RandomShift(-1), /RandomShift: maxShift must be a non-negative integer/);
    assert.throws(() => new nn.RandomShift(1).forward(arange(4).reshape([2, 2])), /RandomShift: expected images \[N,C,H,W\], got shape \[2,2\]/);
  });
});
