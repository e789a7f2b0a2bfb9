/**
 * Memory soak: trains the MNIST MLP (784-128-64-10, Adam, batch 64) for many steps and checks that resident memory
 * stays flat after warm-up.
 *
 *   npm run soak                              100,000 steps on Myelin's default backend
 *   npm run soak -- --steps 5000 --backend js
 *   options: --warmup N (default: a tenth of the steps, at least 1000), --limit PERCENT (default 10),
 *            --yield-every N (default 0)
 *
 * Warm-up lasts until memory reaches its steady state: the wasm backend's heap settles into reusing its blocks, and
 * the process's allocator reaches its high-water mark, only after some thousands of steps (the fewer bytes a step
 * allocates, the later), so a fixed short warm-up would count that settling as growth.
 *
 * Resident set size (process.memoryUsage().rss) is printed at the start, after warm-up, every 10% of the run and at
 * the end; the process exits with status 1 when the end figure exceeds the after-warm-up figure by more than the limit.
 * A full collection runs before each reading (the gc function is obtained at run time rather than with
 * `node --expose-gc`, a flag that worker threads refuse), and the event loop gets a turn so that finalisers can run;
 * the training loop itself is synchronous unless --yield-every is given, as in a plain hand-written loop.
 */
import { setImmediate as tick } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { manualSeed } from '../src/index.js';
import { loadMnist, batchAt } from './lib/mnist.js';
import { chooseBackend, listBackends, mlp, trainer, accuracy, wasmMemoryStats } from './lib/myelin.js';

interface SoakArgs {
  steps: number;
  warmup: number;
  limit: number;
  yieldEvery: number;
  backend?: string;
}

function usage(): never {
  process.stderr.write(`usage: npm run soak -- [--steps N] [--warmup N] [--limit PERCENT] [--yield-every N] [--backend ${listBackends().join('|')}]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): SoakArgs {
  const out: SoakArgs = { steps: 100_000, warmup: -1, limit: 10, yieldEvery: 0 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const v = inline ?? argv[++i];
    if (v === undefined) usage();
    const num = () => {
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isFinite(n) || n < 0) {
        process.stderr.write(`soak: ${flag} needs a non-negative number, got '${v}'\n`);
        usage();
      }
      return n;
    };
    if (flag === '--steps') out.steps = Math.floor(num());
    else if (flag === '--warmup') out.warmup = Math.floor(num());
    else if (flag === '--limit') out.limit = num();
    else if (flag === '--yield-every') out.yieldEvery = Math.floor(num());
    else if (flag === '--backend') out.backend = v;
    else usage();
  }
  if (out.steps < 1) usage();
  if (out.warmup < 0) out.warmup = Math.min(Math.max(1000, Math.floor(out.steps / 10)), out.steps - 1);
  if (out.warmup >= out.steps) {
    process.stderr.write(`soak: --warmup (${out.warmup}) must be smaller than --steps (${out.steps})\n`);
    process.exit(2);
  }
  return out;
}

/** The V8 full-collection function, without a command-line flag (null where the engine refuses). */
function getGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

const gc = getGc();
const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Memory after a full collection (when exposed) and a turn of the event loop for finalisers. */
async function memory(): Promise<NodeJS.MemoryUsage> {
  if (gc) {
    gc();
    await tick();
    gc();
    await tick();
  }
  return process.memoryUsage();
}

let onWasm = false;

function line(label: string, m: NodeJS.MemoryUsage, extra = ''): void {
  const w = onWasm ? wasmMemoryStats() : null;
  const wasm = w ? `   wasm memory ${MB(w.memoryBytes).padStart(9)} (live ${MB(w.usedBytes)})` : '';
  console.log(`${label.padEnd(22)} rss ${MB(m.rss).padStart(10)}   heap ${MB(m.heapUsed).padStart(9)}   external ${MB(m.external).padStart(9)}   arrayBuffers ${MB(m.arrayBuffers).padStart(9)}${wasm}${extra}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await chooseBackend(args.backend);
  onWasm = backend.startsWith('wasm');
  const { train, test } = loadMnist();
  manualSeed(0);
  const model = mlp();
  const step = trainer(model, 'mlp');
  console.log(`soak: MNIST MLP 784-128-64-10, Adam lr 1e-3, batch 64; backend ${backend}; ${args.steps} steps, warm-up ${args.warmup}; limit +${args.limit}% rss after warm-up; Node ${process.version}${gc ? '' : ' (no gc function: readings include uncollected garbage)'}`);
  const start = await memory();
  line('start', start);
  let warm: NodeJS.MemoryUsage | null = null;
  const every = Math.max(1, Math.round(args.steps / 10));
  const t0 = performance.now();
  let loss = NaN;
  for (let i = 1; i <= args.steps; i++) {
    const b = batchAt(train, i - 1, 64);
    const l = step(b.x, b.y);
    if (args.yieldEvery && i % args.yieldEvery === 0) await tick();
    if (i === args.warmup || i % every === 0 || i === args.steps) {
      loss = l.item();
      if (!Number.isFinite(loss)) throw new Error(`soak: loss became ${loss} at step ${i}`);
      const m = await memory();
      const rate = (i / ((performance.now() - t0) / 1000)).toFixed(0);
      if (i === args.warmup) {
        warm = m;
        line(`after warm-up (${i})`, m, `   loss ${loss.toFixed(3)}`);
      } else if (i !== args.steps) {
        line(`step ${i}`, m, `   loss ${loss.toFixed(3)}   ${rate} steps/s${warm ? `   ${signed(m.rss / warm.rss - 1)} since warm-up` : ''}`);
      }
    }
  }
  const end = await memory();
  const seconds = (performance.now() - t0) / 1000;
  const acc = accuracy(model, 'mlp', test.images, test.labels);
  line(`end (${args.steps})`, end, `   loss ${loss.toFixed(3)}   test accuracy ${(acc * 100).toFixed(1)}%   ${(args.steps / seconds).toFixed(0)} steps/s`);
  const base = warm ?? start;
  const growth = end.rss / base.rss - 1;
  const verdict = growth * 100 > args.limit ? 'FAIL' : 'ok';
  console.log(`rss ${MB(base.rss)} after warm-up -> ${MB(end.rss)} at the end: ${signed(growth)} (limit +${args.limit}%): ${verdict}`);
  if (verdict === 'FAIL') process.exit(1);
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

main().catch((e) => {
  process.stderr.write(`soak: ${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
