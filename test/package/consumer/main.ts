// Type-checked (not run) against the installed package in a strict Node project without the DOM lib and without
// skipLibCheck (see tsconfig.json): `load(path, { into })` is typed as the model passed in.
import { F, load, modelFromBytes, modelToBytes, nn, optim, randn, tensor, type Module, type Tensor } from 'myelin';

class Net extends nn.Module {
  fc = new nn.Linear(2, 1);
  forward(x: Tensor): Tensor { return this.fc.forward(x); }
}

export async function run(path: string): Promise<number[]> {
  const net: Net = await load(path, { into: new Net() });
  return Array.from(net.forward(tensor([[1, 2]])).data());
}

export function roundTrip(model: Module): string {
  const { model: back, metadata } = modelFromBytes(modelToBytes(model, { metadata: { note: 'x' } }));
  return back.toString() + JSON.stringify(metadata);
}

export function step(): number {
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const x: Tensor = randn([2, 4]);
  opt.zeroGrad();
  const loss = F.mseLoss(model.forward(x), randn([2, 3]));
  loss.backward();
  opt.step();
  return loss.item();
}
