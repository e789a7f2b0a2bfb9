/** The benchmark models and training step in Myelin, written with the public API only. */
import { Tensor, tensor, noGrad, getBackend, setBackend, listBackends, nn, optim } from '../../src/index.js';
// registers the 'wasm' backend for --backend wasm (where it loads); the default backend stays whatever Myelin makes it
import { getNumThreads, warmUpThreads, wasmBackend, wasmLoadError, wasmMemoryStats } from '../../src/backend/wasm/index.js';

export { wasmMemoryStats };

export { nn, optim };

/** 784-128-64-10 with ReLU. */
export function mlp(): nn.Module {
  return new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10));
}

/** conv(8, 5x5)-ReLU-maxpool2-conv(16, 5x5)-ReLU-maxpool2-dense(10) on 1x28x28. */
export function cnn(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(16 * 4 * 4, 10),
  );
}

/** Input shape of a batch of n images for the model kind. */
export function inputShape(kind: 'mlp' | 'cnn', n: number): number[] {
  return kind === 'mlp' ? [n, 784] : [n, 1, 28, 28];
}

export function forward(model: nn.Module, x: Tensor): Tensor {
  return model.forward(x) as Tensor;
}

/** A training step (Adam, cross-entropy from logits) over raw batch data; returns the loss tensor. */
export function trainer(model: nn.Module, kind: 'mlp' | 'cnn', lr = 1e-3): (x: Float32Array, y: Int32Array) => Tensor {
  const opt = new optim.Adam(model.parameters(), { lr });
  model.train();
  return (xs, ys) => {
    const x = tensor(xs, { shape: inputShape(kind, ys.length) });
    const y = tensor(ys, { dtype: 'int32' });
    const loss = nn.F.crossEntropy(forward(model, x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
}

/** Fraction of `images` classified as `labels`, evaluated in chunks without gradients. */
export function accuracy(model: nn.Module, kind: 'mlp' | 'cnn', images: Float32Array, labels: Int32Array, chunk = 500): number {
  model.eval();
  let right = 0;
  noGrad(() => {
    for (let s = 0; s < labels.length; s += chunk) {
      const n = Math.min(chunk, labels.length - s);
      const x = tensor(images.subarray(s * 784, (s + n) * 784), { shape: inputShape(kind, n) });
      const pred = forward(model, x).argmax(1).data();
      for (let i = 0; i < n; i++) if (pred[i] === labels[s + i]) right++;
    }
  });
  model.train();
  return right / labels.length;
}

/**
 * Applies a `--backend NAME` choice (if any), starts the wasm backend's worker threads when it is the one in use, and
 * returns a description of the backend: its name, plus the SIMD build and thread count for wasm.
 */
export async function chooseBackend(name: string | undefined): Promise<string> {
  if (name === 'wasm' && !wasmBackend()) throw new Error(`the wasm backend did not load: ${wasmLoadError()?.message}`);
  if (name) setBackend(name);
  const current = getBackend().name;
  if (current !== 'wasm') return current;
  const threaded = await warmUpThreads();
  const n = threaded ? getNumThreads() : 1;
  const simd = wasmBackend()?.variant.includes('relaxed') ? 'relaxed SIMD' : 'SIMD128';
  return `wasm ${simd}, ${n} thread${n === 1 ? '' : 's'}`;
}

export { listBackends };
