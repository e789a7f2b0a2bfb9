// What a user's app does with the package, run by app.js (in the browser, bundled) and run-node.js (in Node):
// builds a small model, round-trips it through bytes, takes one Adam step, and says which backend and how many
// threads it ran on. Imports only the package's public entry, as an app would.
import {
  F, getBackend, getNumThreads, manualSeed, modelFromBytes, modelToBytes, nn, optim, randn, tensor, version,
  wasmAvailable, warmUpThreads,
} from 'myelin';

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export async function run() {
  const t0 = performance.now();
  const g = globalThis;
  // threads first (resolves false where there are none; the library gives up after 10 s, the 15 s is a backstop)
  let timer;
  const backstop = new Promise((r) => (timer = setTimeout(() => r('no answer in 15 s'), 15000)));
  const warmUp = await Promise.race([warmUpThreads(), backstop]);
  clearTimeout(timer);
  const threads = getNumThreads();

  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
  const x = randn([16, 4]);
  const out = model.forward(x);

  // the whole model (architecture + weights) as bytes and back
  const bytes = modelToBytes(model);
  const { model: reloaded } = modelFromBytes(bytes);
  const roundTripMaxDiff = maxAbsDiff(out.data(), reloaded.forward(x).data());

  // one training step
  const target = tensor(Array.from({ length: 16 }, (_, i) => [i % 3 === 0 ? 1 : 0, i % 3 === 1 ? 1 : 0, i % 3 === 2 ? 1 : 0]));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const weightsBefore = model.parameters().map((p) => Array.from(p.data()));
  opt.zeroGrad();
  const loss = F.mseLoss(model.forward(x), target);
  loss.backward();
  opt.step();
  const lossBefore = loss.item();
  const lossAfter = F.mseLoss(model.forward(x), target).item();
  const weightsChanged = model.parameters().some((p, i) => maxAbsDiff(p.data(), weightsBefore[i]) > 0);

  return {
    version,
    backend: getBackend().name,
    tensorDevice: x.device,
    outputDevice: out.device,
    wasmAvailable: wasmAvailable(),
    crossOriginIsolated: g.crossOriginIsolated ?? null,
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? null,
    warmUp,
    threads,
    modelBytes: bytes.length,
    roundTripMaxDiff,
    sameToString: model.toString() === reloaded.toString(),
    toString: model.toString(),
    reloadedToString: reloaded.toString(),
    lossBefore,
    lossAfter,
    weightsChanged,
    ms: performance.now() - t0,
  };
}
