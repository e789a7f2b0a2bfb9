import { castScalar, typedArrayFor } from './dtype.js';

/**
 * Seeded pseudo-random numbers: xoshiro128** (fast, 128-bit state, good statistical quality). All random creation
 * functions draw from the global generator unless given their own, so `manualSeed(n)` makes a program reproducible.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed: number = Date.now()) {
    this.manualSeed(seed);
  }

  /** Re-seeds this generator; equal seeds give equal sequences. */
  manualSeed(seed: number): this {
    // splitmix32 expands the seed into four non-zero state words
    let x = (Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32)) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
    this.spareNormal = null;
    return this;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }

  /**
   * The state, to save and restore a stream: the four xoshiro words, then the cached second Box-Muller value when
   * there is one (so a stream saved after an odd number of normal() draws replays exactly).
   */
  getState(): number[] {
    const words = [this.s0, this.s1, this.s2, this.s3];
    return this.spareNormal === null ? words : [...words, this.spareNormal];
  }

  /** Restores a state from getState() (4 words, or 4 words and a cached normal value). */
  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || (state.length !== 4 && state.length !== 5) || !state.slice(0, 4).every(Number.isInteger)) {
      throw new RangeError(`Generator.setState: expected 4 integer state words and optionally a cached normal value, got ${JSON.stringify(state)}`);
    }
    if (state.length === 5 && typeof state[4] !== 'number') throw new TypeError(`Generator.setState: the cached normal value must be a number, got ${String(state[4])}`);
    const words = state.slice(0, 4).map((v) => v >>> 0);
    if (words.every((w) => w === 0)) throw new RangeError('Generator.setState: the state words must not all be zero');
    [this.s0, this.s1, this.s2, this.s3] = words;
    this.spareNormal = state.length === 5 ? state[4] : null;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export const defaultGenerator = new Generator(0x6d79656c);

/** Seeds the global generator used by rand, randn, randint, dropout, shuffling and initialisation. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

/** The draw of rand(): uniform in [0, 1) (with high = 1 in drawArray). */
export const uniformDraw = (g: Generator): number => g.random();

/**
 * n values of `draw` from g, rounded to dtype; a draw just below `high` can round up to it in the element type, so
 * such values are clamped below it and the range stays half-open, as torch's.
 */
export function drawArray(n: number, dtype: 'float32' | 'float64', g: Generator, draw: (g: Generator) => number, high = Infinity): Float32Array | Float64Array {
  const arr = typedArrayFor(dtype, n) as Float32Array | Float64Array;
  const top = high === Infinity ? Infinity : largestBelow(high, dtype);
  for (let i = 0; i < n; i++) {
    const v = castScalar(draw(g), dtype);
    arr[i] = v > top ? top : v;
  }
  return arr;
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Bits = new BigInt64Array(f64.buffer);

/** The largest value of the dtype that is smaller than `x` (a finite number). */
function largestBelow(x: number, dtype: 'float32' | 'float64'): number {
  if (dtype === 'float32') {
    f32[0] = x;
    if (f32[0] < x) return f32[0];
    if (f32[0] === 0) return -(2 ** -149);
    f32Bits[0] += f32[0] > 0 ? -1 : 1;
    return f32[0];
  }
  if (x === 0) return -Number.MIN_VALUE;
  f64[0] = x;
  f64Bits[0] += x > 0 ? -1n : 1n;
  return f64[0];
}
