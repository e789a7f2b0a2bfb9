/**
 * A LeNet-style convolutional network on the handwritten digits, with fit(), early stopping and a checkpoint of
 * the best epoch.
 *
 *   node dist/examples/digits-cnn.js
 */
import { EarlyStopping, ModelCheckpoint, datasets, evaluate, fit, manualSeed, models } from '../src/index.js';

manualSeed(0);
const { train, test } = datasets.mnist();
const model = models.digitsCnn();
console.log(model.toString());
await fit(model, [train.images, train.labels], {
  epochs: 10, batchSize: 64, optimizer: 'adam', lr: 2e-3, metrics: ['accuracy'],
  validationSplit: 0.1,
  callbacks: [
    new EarlyStopping({ monitor: 'valAccuracy', patience: 2, restoreBestWeights: true }),
    new ModelCheckpoint({ path: 'digits-cnn.safetensors', monitor: 'valAccuracy' }),
  ],
});
const { accuracy } = evaluate(model, [test.images, test.labels], { metrics: ['accuracy'] });
console.log(`test accuracy ${(100 * accuracy).toFixed(2)}% (best epoch saved to digits-cnn.safetensors)`);
