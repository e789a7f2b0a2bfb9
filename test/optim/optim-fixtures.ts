/** Loads test/fixtures/optim.json (made by test/fixtures/make_optim_fixtures.py with PyTorch 1.13). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface OptimCase {
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  options: Record<string, unknown>;
  groups: Record<string, unknown>[] | null;
  /** [step, parameter index] pairs whose gradient stays null. */
  skip: [number, number][];
  /** trajectory[t][i]: parameter i (flattened) after step t. */
  trajectory: number[][][];
}

export interface SchedulerCase {
  scheduler: string;
  options: Record<string, unknown>;
  /** lrs[0]: after construction; lrs[t]: after step t. */
  lrs: number[][];
}

export interface OptimFixtures {
  torch: string;
  steps: number;
  scales: number[];
  init: { shape: number[]; data: number[] }[];
  optimizers: OptimCase[];
  schedulers: SchedulerCase[];
  chained: { lrs: number[][] };
  metrics: number[];
  clip: {
    grads: { shape: number[]; data: number[] }[];
    norm: { maxNorm: number; normType: number | 'inf'; total: number; grads: number[][] }[];
    value: { clipValue: number; grads: number[][] }[];
  };
}

let cached: OptimFixtures | undefined;

export function loadOptimFixtures(): OptimFixtures {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'test', 'fixtures', 'optim.json');
    if (existsSync(candidate)) {
      cached = JSON.parse(readFileSync(candidate, 'utf8')) as OptimFixtures;
      return cached;
    }
    dir = dirname(dir);
  }
  throw new Error('test/fixtures/optim.json not found; regenerate it with /usr/bin/python3 test/fixtures/make_optim_fixtures.py');
}

/** Largest |a - b| / (atol + rtol |b|) over two flat arrays; <= 1 means close. */
export function worstRatio(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const r = Math.abs(actual[i] - expected[i]) / (atol + rtol * Math.abs(expected[i]));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : Math.max(worst, r);
  }
  return worst;
}
