/**
 * tiny-ops: the fixed cost of an op, where the arithmetic is next to nothing: a 4-element add (without gradients,
 * recorded for autograd, and recorded then backpropagated through a sum), and a Linear(64 -> 64) + ReLU layer at batch
 * 1, forward and backward. Each timed call runs a loop of many iterations; the figure is microseconds per iteration,
 * garbage collection included (what a loop of such ops really costs).
 */
import { manualSeed, nn, randn, type Tensor } from '../../src/index.js';
import { setImmediate as tick } from 'node:timers/promises';
import { measure, type Timing } from '../lib/stats.js';
import type * as tfTypes from '@tensorflow/tfjs';
import type { TF } from '../lib/tfjs.js';
import type { Cell, Workload } from '../lib/types.js';

/** Iterations per timed call: enough that one call lasts milliseconds. */
const ADD_LOOP = 2000;
const LINEAR_LOOP = 300;
const FEATURES = 64;

/**
 * Untimed loops first for this long: the op path is JIT-compiled over tens of thousands of calls, and on a busy host the
 * compiler threads get the CPU late (measured: 5 to 10 times the settled cost per call over the first second).
 */
const WARMUP_MS = 1500;

const perIter = (loop: number) => (t: Timing): Cell => ({ value: (t.medianMs * 1000) / loop, note: `median of ${t.reps} loops of ${loop}` });

/** Times a loop after running it untimed for WARMUP_MS. */
async function timeLoop(loop: () => void): Promise<Timing> {
  const t0 = performance.now();
  while (performance.now() - t0 < WARMUP_MS) {
    loop();
    await tick();
  }
  return measure(loop, { warmup: 2, budgetMs: 700 });
}

export function tiny(): Workload {
  return {
    name: 'tiny-ops',
    description: `fixed per-op cost: a float32 [4] + [4] add (no gradients; both inputs requiring grad, forward only; and forward, sum and backward), and nn.Linear(${FEATURES}, ${FEATURES}) + ReLU at batch 1, forward, sum and backward (gradients of weight and bias); microseconds per iteration of a loop of ${ADD_LOOP} (add) or ${LINEAR_LOOP} (linear), GC included, after ${WARMUP_MS / 1000} s of untimed loops`,
    metrics: [
      { key: 'add', label: 'add [4] us', unit: 'us', better: 'lower' },
      { key: 'addGrad', label: 'add [4] requiresGrad us', unit: 'us', better: 'lower' },
      { key: 'addBackward', label: 'add [4] + sum + backward us', unit: 'us', better: 'lower' },
      { key: 'linear', label: `linear ${FEATURES} + relu fwd+bwd, batch 1 us`, unit: 'us', better: 'lower' },
    ],
    async myelin() {
      manualSeed(0);
      const a = randn([4]), b = randn([4]);
      const ga = randn([4], { requiresGrad: true }), gb = randn([4], { requiresGrad: true });
      const add = await timeLoop(() => {
        for (let i = 0; i < ADD_LOOP; i++) a.add(b);
      });
      const addGrad = await timeLoop(() => {
        for (let i = 0; i < ADD_LOOP; i++) ga.add(gb);
      });
      const addBackward = await timeLoop(() => {
        for (let i = 0; i < ADD_LOOP; i++) {
          ga.grad = null;
          gb.grad = null;
          ga.add(gb).sum().backward();
        }
      });
      const layer = new nn.Sequential(new nn.Linear(FEATURES, FEATURES), new nn.ReLU());
      const params = layer.parameters();
      const x = randn([1, FEATURES]);
      const linear = await timeLoop(() => {
        for (let i = 0; i < LINEAR_LOOP; i++) {
          for (const p of params) p.grad = null;
          (layer.forward(x) as Tensor).sum().backward();
        }
      });
      const add1 = perIter(ADD_LOOP), lin1 = perIter(LINEAR_LOOP);
      return { add: add1(add), addGrad: add1(addGrad), addBackward: add1(addBackward), linear: lin1(linear) };
    },
    async tfjs(tf: TF) {
      const a = tf.randomNormal([4], 0, 1, 'float32', 1), b = tf.randomNormal([4], 0, 1, 'float32', 2);
      const va = tf.variable(a.clone()), vb = tf.variable(b.clone());
      const bound = 1 / Math.sqrt(FEATURES);
      const w = tf.variable(tf.randomUniform([FEATURES, FEATURES], -bound, bound, 'float32', 3));
      const bias = tf.variable(tf.randomUniform([FEATURES], -bound, bound, 'float32', 4));
      const x = tf.randomNormal([1, FEATURES], 0, 1, 'float32', 5);
      const dispose = (r: { value: { dispose(): void }; grads: Record<string, { dispose(): void }> }) => {
        r.value.dispose();
        for (const g of Object.values(r.grads)) g.dispose();
      };
      try {
        const add = await timeLoop(() => {
          for (let i = 0; i < ADD_LOOP; i++) tf.tidy(() => { tf.add(a, b); });
        });
        // tfjs records a tape only inside a gradient function: its forward over variables is its plain add
        const addGrad = await timeLoop(() => {
          for (let i = 0; i < ADD_LOOP; i++) tf.tidy(() => { tf.add(va, vb); });
        });
        const addBackward = await timeLoop(() => {
          for (let i = 0; i < ADD_LOOP; i++) dispose(tf.variableGrads(() => tf.sum(tf.add(va, vb)) as tfTypes.Scalar, [va, vb]));
        });
        const linear = await timeLoop(() => {
          for (let i = 0; i < LINEAR_LOOP; i++) dispose(tf.variableGrads(() => tf.sum(tf.relu(tf.add(tf.matMul(x, w), bias))) as tfTypes.Scalar, [w, bias]));
        });
        const add1 = perIter(ADD_LOOP), lin1 = perIter(LINEAR_LOOP);
        return { add: add1(add), addGrad: add1(addGrad), addBackward: add1(addBackward), linear: lin1(linear) };
      } finally {
        for (const t of [a, b, va, vb, w, bias, x]) t.dispose();
      }
    },
  };
}
