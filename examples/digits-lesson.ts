/**
 * The network of the classic handwritten-digit lesson: 784 pixels in, two hidden layers of 16 sigmoid neurons,
 * 10 outputs, trained with fit().
 *
 *   node dist/examples/digits-lesson.js
 */
import { datasets, evaluate, fit, manualSeed, models, save } from '../src/index.js';

manualSeed(0);
const { train, test } = datasets.mnist();
const model = models.digitsLesson();
console.log(model.toString());
await fit(model, [train.images, train.labels], {
  epochs: 30, batchSize: 32, optimizer: 'adam', lr: 1e-2, loss: 'crossEntropy', metrics: ['accuracy'],
  validationData: [test.images, test.labels],
});
const { accuracy } = evaluate(model, [test.images, test.labels], { metrics: ['accuracy'] });
console.log(`test accuracy ${(100 * accuracy).toFixed(2)}%`);
await save(model, 'digits-lesson.safetensors');
