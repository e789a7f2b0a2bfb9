/**
 * Training-step time, js vs wasm backend (run after `tsc -p .`):
 *   node src/backend/wasm/assembly/bench/train-step.mjs [threads]
 * MNIST-sized MLP (784-128-10 and 784-256-128-10, batch 64, Adam) and a small CNN (batch 32, 1x28x28).
 */
import { F, manualSeed, nn, optim, randint, randn, setBackend } from '../../../../../dist/src/index.js';
import { setNumThreads, warmUpThreads } from '../../../../../dist/src/backend/wasm/index.js';

const threads = Number(process.argv[2] ?? 1);
setNumThreads(threads);
if (threads > 1) await warmUpThreads();

const models = {
  'mlp 784-128-10': () => new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10)),
  'mlp 784-256-128-10': () => new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10)),
  'cnn 2 conv': () => new nn.Sequential(
    new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32 * 7 * 7, 10)),
};

function setup(backend, name) {
  setBackend(backend);
  manualSeed(1);
  const model = models[name]();
  const cnn = name.startsWith('cnn');
  const B = cnn ? 32 : 64;
  const x = randn(cnn ? [B, 1, 28, 28] : [B, 784]);
  const y = randint(0, 10, [B]);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  return () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
}

for (const name of Object.keys(models)) {
  const steps = { js: setup('js', name), wasm: setup('wasm', name) };
  const best = { js: Infinity, wasm: Infinity };
  const reps = name.startsWith('cnn') ? 3 : 10;
  for (let round = 0; round < 8; round++) {
    for (const b of ['js', 'wasm']) {
      setBackend(b);
      const t = performance.now();
      for (let i = 0; i < reps; i++) steps[b]();
      best[b] = Math.min(best[b], (performance.now() - t) / reps);
      await new Promise((r) => setImmediate(r));
    }
  }
  console.log(`${name}: js ${best.js.toFixed(2)} ms/step, wasm ${best.wasm.toFixed(2)} ms/step (${threads} thread${threads > 1 ? 's' : ''}), ${(best.js / best.wasm).toFixed(1)}x`);
}
