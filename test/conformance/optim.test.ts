/**
 * Conformance: optimiser updates (which a device may fuse into one kernel per parameter) on every registered device
 * against the js reference: three steps of each optimiser on parameters laid out as the case says, compared after
 * the last. See devices.ts for how a device joins.
 */
import { Tensor, type DType, optim } from '../../src/index.js';
import { eachDevice } from './devices.js';

type Make = (params: Tensor[]) => { zeroGrad(): void; step(): void };
const OPTIMISERS: [string, Make][] = [
  ['SGD', (p) => new optim.SGD(p, { lr: 0.1 })],
  ['SGD, momentum, dampening, weightDecay', (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 })],
  ['SGD, nesterov', (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ['Adam', (p) => new optim.Adam(p, { lr: 0.01 })],
  ['Adam, weightDecay, amsgrad', (p) => new optim.Adam(p, { lr: 0.01, weightDecay: 0.1, amsgrad: true })],
  ['AdamW', (p) => new optim.AdamW(p, { lr: 0.01, weightDecay: 0.1 })],
  ['RMSprop, centered, momentum', (p) => new optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 })],
  ['Adagrad, lrDecay', (p) => new optim.Adagrad(p, { lr: 0.1, lrDecay: 0.01 })],
];

/** Three steps on the loss sum(p * w) + sum(p^2) / 2; the parameters after them. */
function steps(make: Make, params: Tensor[], w: Tensor): Tensor[] {
  const opt = make(params);
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    let loss = params[0].mul(w).sum();
    for (const p of params) loss = loss.add(p.square().sum().mul(0.5));
    loss.backward();
    opt.step();
  }
  return params.map((p) => p.detach());
}

eachDevice('optimisers', (suite) => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    for (const [name, make] of OPTIMISERS) {
      const inputs = [{ shape: [9, 13], dtype, grad: false }, { shape: [9, 13], dtype, grad: false }, { shape: [5], dtype, grad: false }];
      suite.check({
        op: `optim.${name}`, note: 'contiguous parameters', inputs, layouts: ['contiguous'],
        run: (p0, w, b0) => steps(make, [p0.clone().requiresGrad_(), b0.clone().requiresGrad_()], w),
      });
      // the parameters are the inputs' own views: updates go through their strides, into their storage
      suite.check({
        op: `optim.${name}`, note: 'parameters that are views', inputs, layouts: ['transposed', 'strided', 'offset'],
        run: (p0, w, b0) => steps(make, [p0.detach().requiresGrad_(), b0.detach().requiresGrad_()], w),
      });
    }
  }
});
