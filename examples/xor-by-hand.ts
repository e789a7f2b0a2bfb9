/**
 * XOR learned by a 2-4-1 sigmoid network written by hand with tensors, as in the beginners' tutorial: forward pass,
 * mean squared error, backward pass (autograd), and a plain gradient-descent update with learning rate 0.1.
 *
 *   node dist/examples/xor-by-hand.js
 */
import { manualSeed, noGrad, randn, tensor, zeros } from '../src/index.js';

manualSeed(1);
const inputs = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const targets = tensor([[0], [1], [1], [0]]);

// Weights start small and random, biases at zero; requiresGrad asks autograd to track them.
const w1 = randn([2, 4]).requiresGrad_();
const b1 = zeros([4], { requiresGrad: true });
const w2 = randn([4, 1]).requiresGrad_();
const b2 = zeros([1], { requiresGrad: true });
const learningRate = 0.1;

let loss = Infinity;
for (let epoch = 1; epoch <= 60_000 && loss >= 0.005; epoch++) {
  // forward: hidden = sigmoid(x W1 + b1), output = sigmoid(hidden W2 + b2)
  const hidden = inputs.matmul(w1).add(b1).sigmoid();
  const output = hidden.matmul(w2).add(b2).sigmoid();
  // loss: mean of the squared errors
  const mse = output.sub(targets).pow(2).mean();
  loss = mse.item();
  // backward: gradients of the loss for every weight
  mse.backward();
  // update: step against the gradient, then clear it for the next epoch
  noGrad(() => {
    for (const p of [w1, b1, w2, b2]) {
      p.sub_(p.grad!.mul(learningRate));
      p.grad = null;
    }
  });
  if (epoch % 5000 === 0) console.log(`epoch ${epoch}: mse ${loss.toFixed(5)}`);
}

const prediction = noGrad(() => inputs.matmul(w1).add(b1).sigmoid().matmul(w2).add(b2).sigmoid());
const values = prediction.data();
let correct = 0;
[[0, 0], [0, 1], [1, 0], [1, 1]].forEach(([a, b], i) => {
  const expected = a ^ b;
  if ((values[i] > 0.5 ? 1 : 0) === expected) correct++;
  console.log(`${a} xor ${b} = ${values[i].toFixed(3)} (expected ${expected})`);
});
console.log(`final mse ${loss.toFixed(5)}, ${correct}/4 correct`);
if (loss >= 0.01 || correct !== 4) process.exitCode = 1;
