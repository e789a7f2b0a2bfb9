/** Timing: warm-up, then repetitions until a time budget is spent; medians, not means. */
import { setImmediate as tick } from 'node:timers/promises';

export interface Timing {
  /** Median wall time of one call, in milliseconds. */
  medianMs: number;
  minMs: number;
  reps: number;
}

export interface MeasureOptions {
  /** Untimed calls before measuring (fewer when one call is slow). Default 2. */
  warmup?: number;
  /** Timed calls at least (default 5; 2 when one call takes longer than `slowMs`). */
  minReps?: number;
  /** Timed calls at most. Default 200. */
  maxReps?: number;
  /** Keep repeating until this much time has been spent on timed calls. Default 1500 ms. */
  budgetMs?: number;
  /** A call slower than this (in warm-up) needs only 2 timed repetitions. Default 1000 ms. */
  slowMs?: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median: no samples');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `fn` (synchronous or async) per the options and returns the median. Between calls, outside the timed region,
 * the event loop gets a turn, so that finalisers a library relies on to free memory can run.
 */
export async function measure(fn: () => unknown, options: MeasureOptions = {}): Promise<Timing> {
  const { warmup = 2, maxReps = 200, budgetMs = 1500, slowMs = 1000 } = options;
  let minReps = options.minReps ?? 5;
  for (let i = 0; i < warmup; i++) {
    await tick();
    const t0 = performance.now();
    await fn();
    if (performance.now() - t0 > slowMs) {
      minReps = Math.min(minReps, 2);
      break;
    }
  }
  const times: number[] = [];
  let spent = 0;
  while (times.length < maxReps && (times.length < minReps || spent < budgetMs)) {
    await tick();
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    times.push(dt);
    spent += dt;
    if (times.length >= minReps && dt > slowMs) break;
  }
  return { medianMs: median(times), minMs: Math.min(...times), reps: times.length };
}

/** Formats a number with about three significant digits (1234 -> "1234", 12.345 -> "12.3", 0.01234 -> "0.0123"). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(3);
}
