/**
 * Regression: fit y = sin(2x) + x/2 from 512 noisy samples with a small MLP and MSE, then report the error on a
 * clean grid.
 *
 *   node dist/examples/regression.js
 */
import { fit, linspace, manualSeed, nn, predict, randn, rand } from '../src/index.js';

manualSeed(0);
const truth = (x: typeof xTrain) => x.mul(2).sin().add(x.div(2));
const xTrain = rand([512, 1]).mul(6).sub(3); // uniform in [-3, 3)
const yTrain = truth(xTrain).add(randn([512, 1]).mul(0.1)); // noise with std 0.1

const model = new nn.Sequential(new nn.Linear(1, 64), new nn.Tanh(), new nn.Linear(64, 64), new nn.Tanh(), new nn.Linear(64, 1));
await fit(model, [xTrain, yTrain], { epochs: 200, batchSize: 32, loss: 'mse', optimizer: 'adam', lr: 3e-3, verbose: false });

const xGrid = linspace(-3, 3, 200).reshape([200, 1]);
const error = predict(model, xGrid).sub(truth(xGrid));
const rmse = Math.sqrt(error.pow(2).mean().item());
console.log(`RMSE against the noise-free function on [-3, 3]: ${rmse.toFixed(4)} (noise std 0.1)`);
for (const x of [-2.5, -1, 0, 1, 2.5]) {
  const y = predict(model, linspace(x, x, 1).reshape([1, 1])).item();
  console.log(`f(${x}) = ${(Math.sin(2 * x) + x / 2).toFixed(3)}, model ${y.toFixed(3)}`);
}
if (rmse > 0.1) process.exitCode = 1;
