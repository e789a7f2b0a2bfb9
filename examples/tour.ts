/**
 * The README's tour of the API, runnable: tensors and autograd, a custom Module, fit(), the same training by hand,
 * evaluation and saving.
 *
 *   node dist/examples/tour.js
 */
import { DataLoader, TensorDataset, datasets, evaluate, fit, load, manualSeed, nn, optim, save, tensor, type Tensor } from '../src/index.js';

manualSeed(0); // every random function is reproducible
const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
const y = x.matmul(x.transpose(0, 1)).relu().sum();
y.backward(); // x.grad now holds dy/dx
console.log(x.grad!.toString());

// A model, PyTorch-style: layers registered by assignment, forward() defines the computation.
class Net extends nn.Module {
  fc1 = new nn.Linear(784, 128);
  fc2 = new nn.Linear(128, 10);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x.flatten(1)).relu());
  }
}
const model = new Net();
console.log(model.toString()); // architecture and parameter count

// Train in one call ...
const { train, test } = datasets.mnist();
await fit(model, [train.images, train.labels], {
  epochs: 2, batchSize: 64, optimizer: 'adam', lr: 1e-3, loss: 'crossEntropy', metrics: ['accuracy'],
  validationData: [test.images, test.labels],
});

// ... or by hand, with the same pieces fit() uses.
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
for (const [images, labels] of new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: 64, shuffle: true })) {
  opt.zeroGrad();
  const loss = nn.F.crossEntropy(model.forward(images), labels);
  loss.backward();
  opt.step();
}

console.log(evaluate(model, [test.images, test.labels], { metrics: ['accuracy'] }));
await save(model, 'net.safetensors'); // weights under PyTorch's state_dict names, written atomically
const again = await load('net.safetensors', { into: new Net() });
console.log('reloaded:', evaluate(again, [test.images, test.labels], { metrics: ['accuracy'] }));
