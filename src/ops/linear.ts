/**
 * The fused linear layer: act(x W^T + b) in one backend kernel where the backend has one (the optional 'linear' kernel), with its
 * backward rule beside it. F.linear runs through here; the result equals matmul, add and relu applied in turn (the
 * same roundings), with one output allocated instead of three and W's gradient produced directly in W's layout.
 */
import type { LinearActivation } from '../backend/backend.js';
import { recordOp } from '../autograd/engine.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { relu, reluBackward } from './elementwise.js';
import { matmul } from './linalg.js';
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
  const fusable = x.backend.kernels.linear !== undefined && isFloat(x.dtype) && weight.dtype === x.dtype &&
    (!bias || (bias.dtype === x.dtype && bias.ndim === 1 && bias.shape[0] === N));
  if (!fusable) {
    const y = matmul(x, weight.t());
    const z = bias ? y.add(bias) : y;
    return activation === 'relu' ? relu(z) : z;
  }
  const lead = x.shape.slice(0, -1);
  const M = lead.reduce((a, b) => a * b, 1);
  const x2 = x.ndim === 2 ? x : x.reshape([M, K]);
  const out = linear2d(x2, weight, bias, activation);
  return x.ndim === 2 ? out : out.reshape([...lead, N]);
}

/** x [M, K], weight [N, K], bias [N] | null, all one float dtype on a backend with a linear kernel. */
function linear2d(x: Tensor, w: Tensor, b: Tensor | null, activation: LinearActivation): Tensor {
  const out = wrap(x.backend.kernels.linear!(x, w, b, activation), [x.shape[0], w.shape[0]]);
  const isRelu = activation === 'relu';
  // which inputs need a gradient is decided now (see Needs in elementwise.ts)
  const needX = x.requiresGrad, needW = w.requiresGrad, needB = !!b && b.requiresGrad;
  return recordOp('linearAct', out, [x, w, b], (g) => {
    const gm = isRelu ? reluBackward(g, out) : g;
    return [
      needX ? matmul(gm, w) : null,
      needW ? matmul(gm.mT, x) : null,
      needB ? sum(gm, 0) : null,
    ];
  }, [needW ? x : null, needX ? w : null, isRelu ? out : null]);
}
