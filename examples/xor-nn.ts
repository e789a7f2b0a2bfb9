/**
 * The same XOR network with the nn and optim packages: nn.Sequential, nn.mseLoss, optim.SGD with lr 0.1.
 *
 *   node dist/examples/xor-nn.js
 */
import { manualSeed, nn, optim, tensor } from '../src/index.js';

manualSeed(1);
const inputs = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const targets = tensor([[0], [1], [1], [0]]);

const model = new nn.Sequential(new nn.Linear(2, 4), new nn.Sigmoid(), new nn.Linear(4, 1), new nn.Sigmoid());
const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
console.log(model.toString());

let loss = Infinity;
for (let epoch = 1; epoch <= 60_000 && loss >= 0.005; epoch++) {
  optimizer.zeroGrad();
  const mse = nn.F.mseLoss(model.forward(inputs), targets);
  mse.backward();
  optimizer.step();
  loss = mse.item();
  if (epoch % 5000 === 0) console.log(`epoch ${epoch}: mse ${loss.toFixed(5)}`);
}

model.eval();
const values = model.forward(inputs).data();
let correct = 0;
[[0, 0], [0, 1], [1, 0], [1, 1]].forEach(([a, b], i) => {
  const expected = a ^ b;
  if ((values[i] > 0.5 ? 1 : 0) === expected) correct++;
  console.log(`${a} xor ${b} = ${values[i].toFixed(3)} (expected ${expected})`);
});
console.log(`final mse ${loss.toFixed(5)}, ${correct}/4 correct`);
if (loss >= 0.01 || correct !== 4) process.exitCode = 1;
