/**
 * Handwritten digits with a multi-layer perceptron, trained by a hand-written loop (the same steps fit() takes):
 * DataLoader batches, forward, cross-entropy, backward, Adam step; then test accuracy and a saved model.
 *
 *   node dist/examples/digits-mlp.js
 */
import { DataLoader, TensorDataset, datasets, evaluate, manualSeed, models, nn, optim, save } from '../src/index.js';

manualSeed(0);
const { train, test } = datasets.mnist(); // 8,000 / 2,000 real digits, [N,1,28,28] in [0,1]
const model = models.digitsMlp();
const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
const loader = new DataLoader(new TensorDataset(train.images, train.labels), { batchSize: 64, shuffle: true });

for (let epoch = 1; epoch <= 10; epoch++) {
  model.train();
  let total = 0;
  for (const [images, labels] of loader) {
    optimizer.zeroGrad();
    const loss = nn.F.crossEntropy(model.forward(images), labels);
    loss.backward();
    optimizer.step();
    total += loss.item() * images.shape[0];
  }
  const { accuracy } = evaluate(model, [test.images, test.labels], { metrics: ['accuracy'] });
  console.log(`epoch ${epoch}: train loss ${(total / train.labels.shape[0]).toFixed(4)}, test accuracy ${(100 * accuracy).toFixed(2)}%`);
}
await save(model, 'digits-mlp.safetensors');
console.log('saved digits-mlp.safetensors');
