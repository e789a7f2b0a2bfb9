/**
 * The fused linear layer: act(x W^T + b) in one backend kernel where the backend has one (the optional 'linear' kernel), with its
 * backward rule beside it. F.linear runs through here; the result equals matmul, add and relu applied in turn (the
 * same roundings), with one output allocated instead of three and W's gradient produced directly in W's layout.
 */
import type { LinearActivation } from '../backend/backend.js';
import { defineOp, runOp } from './op.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { relu, reluBackward } from './elementwise.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { assertSameBackend, wrap } from './util.js';

export type { LinearActivation };

/**
 * act(x W^T + b) for x [..., K], weight [N, K] (PyTorch's layout) and bias [N] (or null) -> [..., N]; activation
 * 'none' or 'relu'. Mixed dtypes, integer tensors, other bias shapes and devices without a fused kernel take the
 * unfused ops. Errors name `op`, the function the user called.
 */
export function linearAct(x: Tensor, weight: Tensor, bias: Tensor | null = null, activation: LinearActivation = 'none', op = 'linearAct'): Tensor {
  if (activation !== 'none' && activation !== 'relu') throw new RangeError(`${op}: unknown activation '${String(activation)}' (use 'none' or 'relu')`);
  if (weight.ndim !== 2) throw new RangeError(`${op}: weight must be 2-D [outFeatures, inFeatures], got shape ${shapeStr(weight.shape)}`);
  const [N, K] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== K) {
    throw new RangeError(`${op}: input of shape ${shapeStr(x.shape)} does not end in ${K} features (weight ${shapeStr(weight.shape)})`);
  }
  assertSameBackend(op, ...(bias ? [x, weight, bias] : [x, weight]));
  // a bias of another shape (broadcast by add) also takes the unfused ops
  const fusable = typeof x.backend.kernels.linear === 'function' && isFloat(x.dtype) && weight.dtype === x.dtype &&
    (!bias || (bias.dtype === x.dtype && bias.ndim === 1 && bias.shape[0] === N));
  if (!fusable) {
    const y = matmul(x, weight.t());
    const z = bias ? y.add(bias) : y;
    return activation === 'relu' ? relu(z) : z;
  }
  const lead = x.shape.slice(0, -1);
  const M = lead.reduce((a, b) => a * b, 1);
  const x2 = x.ndim === 2 ? x : x.reshape([M, K]);
  const out = runOp(LINEAR_ACT, [x2, weight, bias], { activation });
  return x.ndim === 2 ? out : out.reshape([...lead, N]);
}

/** x [M, K], weight [N, K], bias [N] | null, all one float dtype on a backend with a linear kernel. */
const LINEAR_ACT = defineOp<{ activation: LinearActivation }>({
  name: 'linearAct',
  forward: ([x, w, b], { activation }) => wrap(x!.backend.kernels.linear!(x!, w!, b, activation), [x!.shape[0], w!.shape[0]]),
  backward: (g, [x, w, out], { activation }, needs) => {
    const gm = activation === 'relu' ? reluBackward(g, out!) : g;
    return [
      needs[0] ? matmul(gm, w!) : null,
      needs[1] ? matmul(gm.mT, x!) : null,
      needs[2] ? sum(gm, 0) : null,
    ];
  },
  saves: ([x, w], out, needs, { activation }) => [needs[1] ? x : null, needs[0] ? w : null, activation === 'relu' ? out : null],
});
