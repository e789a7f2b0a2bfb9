/**
 * Tensor values stay on their device: a whole training step (forward, backward, optimiser step) of models built from
 * the built-in layers and losses reads nothing back to the host. A GPU device could not serve such a read without a
 * slow, asynchronous copy, so an op that needs a value checks or computes it in a kernel instead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, listBackends, manualSeed, nn, optim, randint, randn, setBackend, tensor, type Tensor, type View } from '../../src/index.js';
import { getBackendByName } from '../../src/backend/backend.js';

/** Runs fn with every read of tensor values on the named backend counted. */
function countReads(backend: string, fn: () => void): number {
  const b = getBackendByName(backend);
  const { readSync, read } = b;
  let reads = 0;
  Object.assign(b, {
    readSync: (x: View) => (reads++, readSync!.call(b, x)),
    read: (x: View) => (reads++, read.call(b, x)),
  });
  try {
    fn();
  } finally {
    Object.assign(b, { readSync, read });
  }
  return reads;
}

function steps(model: nn.Module, loss: () => Tensor, opt: optim.Optimizer): void {
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    loss().backward();
    opt.step();
  }
}

for (const backend of listBackends()) {
  describe(`no host reads in training (${backend})`, () => {
    it('a CNN with shifted inputs, batch norm, pooling, dropout and cross entropy, under SGD with momentum', () => {
      setBackend(backend);
      manualSeed(1);
      const model = new nn.Sequential(
        new nn.RandomShift(1), new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
        new nn.Flatten(), new nn.Dropout(0.3), new nn.Linear(4 * 4 * 4, 5),
      );
      const x = randn([6, 1, 8, 8]);
      const y = randint(0, 5, [6]);
      const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      assert.equal(countReads(backend, () => steps(model, () => F.crossEntropy(model.forward(x), y), opt)), 0);
    });

    it('embeddings, layer norm and losses over probabilities and targets, under Adam and AdamW', () => {
      setBackend(backend);
      manualSeed(2);
      const emb = new nn.Embedding(10, 6);
      const head = new nn.Sequential(new nn.LayerNorm([6]), new nn.Linear(6, 3), new nn.Tanh());
      const ids = tensor([[1, 2, 3], [4, 5, 9]], { dtype: 'int32' });
      const labels = tensor([2, -100, 0, 1, 1, 2], { dtype: 'int32' });
      const q = randn([6, 3]).sigmoid();
      const forward = () => head.forward(emb.forward(ids)).reshape([6, 3]);
      for (const Opt of [optim.Adam, optim.AdamW]) {
        const opt = new Opt([...emb.parameters(), ...head.parameters()], { lr: 0.01 });
        const reads = countReads(backend, () => steps(head, () => {
          const z = forward();
          return F.crossEntropy(z, labels, { ignoreIndex: -100 })
            .add(F.binaryCrossEntropy(z.sigmoid(), q))
            .add(F.binaryCrossEntropyWithLogits(z, q))
            .add(F.nllLoss(z.logSoftmax(1), labels.clamp(0, 2)))
            .add(F.mseLoss(z, q));
        }, opt));
        assert.equal(reads, 0);
      }
    });
  });
}
