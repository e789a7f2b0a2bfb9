/**
 * Finite-difference gradient checks (float64, central differences) for every differentiable op that src/index.ts
 * exports. One table row per case: [op, what the case exercises, f, inputs, options?]. Inputs include broadcasting
 * and non-contiguous views (transposed, strided slices, permuted); inputs of ops with kinks are kept away from them
 * (values away from 0 for abs/relu, distinct values for max/min/pooling).
 *
 * A last test checks that every core function exported by src/index.ts (one defined in the tensor, autograd, backend
 * or op modules) is either in the table or in an explicit list of exports that are deliberately not differentiated
 * (comparisons, creation, autograd machinery, ...).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as M from '../../src/index.js';
import { Generator, Tensor, manualSeed, randperm, tensor } from '../../src/index.js';
import * as Elementwise from '../../src/ops/elementwise.js';
import * as Reduce from '../../src/ops/reduce.js';
import * as Matmul from '../../src/ops/matmul.js';
import * as Linear from '../../src/ops/linear.js';
import * as Shape from '../../src/ops/shape.js';
import * as Indexing from '../../src/ops/indexing.js';
import * as SoftmaxOps from '../../src/ops/softmax.js';
import * as DropoutOps from '../../src/ops/dropout.js';
import * as EmbeddingOps from '../../src/ops/embedding.js';
import * as Conv from '../../src/ops/conv.js';
import * as Pool from '../../src/ops/pool.js';
import * as Losses from '../../src/nn/losses.js';
import * as OpRecords from '../../src/ops/op.js';
import * as Graph from '../../src/autograd/graph.js';
import * as Creation from '../../src/tensor/creation.js';
import * as Random from '../../src/tensor/random.js';
import * as TensorModule from '../../src/tensor/tensor.js';
import * as Engine from '../../src/autograd/engine.js';
import * as Grad from '../../src/autograd/grad.js';
import * as BackendModule from '../../src/backend/backend.js';
import { assertClose, gradcheck, rand64, type GradcheckOptions } from '../helpers/gradcheck.js';

// ---------------------------------------------------------------------------------------------------------------
// Inputs

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
type Make = (shape: number[]) => Tensor;

/** Standard normal float64. */
const rn: Make = (shape) => rand64(shape);
/** Positive, in (0.5, 2) (for log, sqrt, rsqrt, a base of pow). */
const pos: Make = (shape) => rand64(shape, 0.5, 2);
/**
 * Distinct values, none closer to 0 than 0.1 and no two closer than ~0.03 apart: a random permutation of
 * ±(0.1 .. 2.0) with alternating signs. Used wherever the op has a kink (abs, relu, max, min, pooling, clamp).
 */
const distinct: Make = (shape) => {
  const n = sizeOf(shape);
  const perm = randperm(n).data();
  const v = Float64Array.from(perm, (p) => (p % 2 ? -1 : 1) * (0.1 + (1.9 * (p + 0.5)) / n));
  return tensor(v, { dtype: 'float64', shape });
};
/** A non-contiguous view of `shape`: the transpose of a tensor with the last two dims swapped. */
const tr = (shape: number[], make: Make = rn): Tensor => {
  const s = shape.slice();
  const k = s.length;
  [s[k - 2], s[k - 1]] = [s[k - 1], s[k - 2]];
  return make(s).transpose(-2, -1);
};
/** A non-contiguous view of `shape`: every other element along the last dim of a wider tensor. */
const strided = (shape: number[], make: Make = rn): Tensor => {
  const s = shape.slice();
  s[s.length - 1] = 2 * s[s.length - 1] - 1;
  return make(s).slice(-1, 0, null, 2);
};
/** A non-contiguous [a,b,c] view: a permutation of a [c,a,b] tensor. */
const perm3 = (shape: number[], make: Make = rn): Tensor => make([shape[2], shape[0], shape[1]]).permute(1, 2, 0);

const idx = (data: number[] | number[][] | number[][][]) => tensor(data, { dtype: 'int32' });

// ---------------------------------------------------------------------------------------------------------------
// The table

type F = (...xs: Tensor[]) => Tensor;
/** [exported op name, what the case exercises, f, inputs, gradcheck options] */
type Case = [string, string, F, () => Tensor[], GradcheckOptions?];

/** Loose settings for cases that round through float32 on purpose. */
const viaFloat32: GradcheckOptions = { eps: 1e-2, atol: 1e-4, rtol: 1e-3 };

const cases: Case[] = [
  // ---- elementwise: binary, with broadcasting and views
  ['add', 'broadcast [3,4] (transposed) + [4]', (a, b) => M.add(a, b), () => [tr([3, 4]), rn([4])]],
  ['add', 'tensor + number, alpha', (a, b) => a.add(2.5).add(b, 0.5), () => [rn([2, 3]), strided([2, 3])]],
  ['add', '0-d + [2,3]', (a, b) => M.add(a, b), () => [rn([]), rn([2, 3])]],
  ['add', 'x + x.t(): two views of one input', (a) => M.add(a, a.t()), () => [rn([3, 3])]],
  ['add', '0-d + 0-d', (a, b) => M.add(a, b), () => [rn([]), rn([])]],
  ['sub', 'outer broadcast [3,1] - [1,4] (strided)', (a, b) => M.sub(a, b), () => [rn([3, 1]), strided([1, 4])]],
  ['sub', 'number - tensor, alpha', (a, b) => M.sub(2, a).sub(b, 3), () => [tr([2, 3]), rn([3])]],
  ['mul', 'broadcast [2,3] (transposed) * [2,1]', (a, b) => M.mul(a, b), () => [tr([2, 3]), rn([2, 1])]],
  ['mul', 'x * x (one input used twice)', (a) => M.mul(a, a), () => [strided([3, 3])]],
  ['div', 'broadcast [3,4] / [4] (positive)', (a, b) => M.div(a, b), () => [tr([3, 4]), pos([4])]],
  ['div', 'number / tensor, tensor / number', (a) => M.div(1.5, a).div(3), () => [strided([2, 3], pos)]],
  ['pow', 'tensor ** tensor, broadcast exponent', (a, b) => M.pow(a, b), () => [tr([3, 4], pos), rn([3, 1])]],
  ['pow', 'tensor ** 3 (negative bases)', (a) => M.pow(a, 3), () => [strided([2, 3])]],
  ['pow', 'tensor ** 0.5, ** -1.5', (a) => M.pow(a, 0.5).add(M.pow(a, -1.5)), () => [tr([2, 3], pos)]],
  ['pow', 'tensor ** 0-d tensor', (a, b) => M.pow(a, b), () => [tr([2, 3], pos), rn([])]],
  ['pow', 'number ** tensor', (a) => M.pow(2, a), () => [tr([2, 3])]],
  ['maximum', 'broadcast [3,4] vs [4]', (a, b) => M.maximum(a, b), () => [tr([3, 4], distinct), distinct([4]).mul(0.93)]],
  ['maximum', 'tensor vs number', (a) => M.maximum(a, 0.25), () => [strided([3, 3], distinct)]],
  ['minimum', 'broadcast [2,1,3] vs [4,3]', (a, b) => M.minimum(a, b), () => [distinct([2, 1, 3]), tr([4, 3], distinct).mul(0.93)]],
  ['minimum', 'number vs tensor', (a) => M.minimum(-0.25, a), () => [strided([3, 3], distinct)]],
  ['where', 'bool [3,1] broadcast, [3,4] view and [4]', (a, b) => M.where(idx([[1], [0], [1]]).bool(), a, b), () => [tr([3, 4]), rn([4])]],
  ['where', 'the same tensor on both sides', (a) => M.where(M.tensor([[true], [false]]), a, a.mul(3)), () => [strided([2, 3])]],
  ['where', 'number on one side', (a) => M.where(M.tensor([true, false, true]), a, 0.5), () => [strided([2, 3])]],
  // ---- elementwise: unary
  ['neg', 'transposed', (a) => M.neg(a), () => [tr([3, 4])]],
  ['abs', 'values away from 0, strided', (a) => M.abs(a), () => [strided([3, 4], distinct)]],
  ['exp', 'transposed', (a) => M.exp(a), () => [tr([3, 4])]],
  ['log', 'positive, strided', (a) => M.log(a), () => [strided([3, 4], pos)]],
  ['sqrt', 'positive, transposed', (a) => M.sqrt(a), () => [tr([3, 4], pos)]],
  ['rsqrt', 'positive, strided', (a) => M.rsqrt(a), () => [strided([3, 4], pos)]],
  ['square', 'transposed', (a) => M.square(a), () => [tr([3, 4])]],
  ['reciprocal', 'away from 0, permuted', (a) => M.reciprocal(a), () => [perm3([2, 3, 2], distinct)]],
  ['sin', 'strided', (a) => M.sin(a), () => [strided([3, 4])]],
  ['cos', 'transposed', (a) => M.cos(a), () => [tr([3, 4])]],
  ['tanh', 'permuted', (a) => M.tanh(a), () => [perm3([2, 3, 2])]],
  ['sigmoid', 'strided', (a) => M.sigmoid(a), () => [strided([3, 4])]],
  ['relu', 'away from 0, transposed', (a) => M.relu(a), () => [tr([3, 4], distinct)]],
  ['leakyRelu', 'default slope', (a) => M.leakyRelu(a), () => [strided([3, 4], distinct)]],
  ['leakyRelu', 'slope 0.2, transposed', (a) => M.leakyRelu(a, 0.2), () => [tr([3, 4], distinct)]],
  ['elu', 'alpha 1', (a) => M.elu(a), () => [tr([3, 4], distinct)]],
  ['elu', 'alpha 0.5, strided', (a) => M.elu(a, 0.5), () => [strided([3, 4], distinct)]],
  ['gelu', 'transposed', (a) => M.gelu(a), () => [tr([3, 4])]],
  ['softplus', 'defaults', (a) => M.softplus(a), () => [strided([3, 4])]],
  ['softplus', 'beta 2, threshold 1.5 (linear part too)', (a) => M.softplus(a, 2, 1.5), () => [tr([3, 4], distinct)]],
  ['erf', 'permuted', (a) => M.erf(a), () => [perm3([2, 3, 2])]],
  ['sign', 'zero gradient away from 0', (a) => M.sign(a).mul(a), () => [strided([3, 3], distinct)]],
  ['floor', 'zero gradient between integers', (a) => M.floor(a.mul(3)).add(a), () => [tr([3, 3], distinct)]],
  ['ceil', 'zero gradient between integers', (a) => M.ceil(a.mul(3)).add(a), () => [tr([3, 3], distinct)]],
  ['round', 'zero gradient between half-integers', (a) => M.round(a.mul(3)).add(a), () => [tr([3, 3], distinct)]],
  ['clamp', 'min and max', (a) => M.clamp(a, -0.5, 0.6), () => [tr([3, 4], distinct)]],
  ['clamp', 'min only', (a) => M.clamp(a, -0.5), () => [strided([3, 4], distinct)]],
  ['clamp', 'max only', (a) => M.clamp(a, null, 0.6), () => [tr([3, 4], distinct)]],
  ['cast', 'float64 -> float32 -> float64', (a) => M.cast(M.cast(a, 'float32').mul(2), 'float64'), () => [tr([3, 4])], viaFloat32],
  ['Tensor.double', 'float() then double()', (a) => a.float().exp().double(), () => [strided([2, 3])], viaFloat32],
  // ---- reductions
  ['sum', 'all dims', (a) => M.sum(a), () => [perm3([2, 3, 4])]],
  ['sum', 'one dim', (a) => M.sum(a, 1), () => [perm3([2, 3, 4])]],
  ['sum', 'two dims, keepdim', (a) => M.sum(a, [0, 2], true), () => [perm3([2, 3, 4])]],
  ['sum', 'negative dim, keepdim', (a) => M.sum(a, -1, true), () => [tr([3, 4])]],
  ['sum', 'over a size-1 dim', (a) => M.sum(a, 1), () => [rn([3, 1, 2])]],
  ['mean', 'all dims', (a) => M.mean(a), () => [perm3([2, 3, 4])]],
  ['mean', 'one dim', (a) => M.mean(a, 0), () => [tr([3, 4])]],
  ['mean', 'two dims, keepdim', (a) => M.mean(a, [0, 2], true), () => [perm3([2, 3, 4])]],
  ['max', 'all dims', (a) => M.max(a), () => [perm3([2, 3, 4], distinct)]],
  ['max', 'one dim', (a) => M.max(a, 1), () => [perm3([2, 3, 4], distinct)]],
  ['max', 'two dims, keepdim', (a) => M.max(a, [0, 2], true), () => [perm3([2, 3, 4], distinct)]],
  ['min', 'all dims', (a) => M.min(a), () => [tr([3, 4], distinct)]],
  ['min', 'one dim, keepdim', (a) => M.min(a, -1, true), () => [perm3([2, 3, 4], distinct)]],
  ['min', 'two dims', (a) => M.min(a, [1, 2]), () => [perm3([2, 3, 4], distinct)]],
  ['prod', 'all dims', (a) => M.prod(a), () => [tr([3, 3], pos)]],
  ['prod', 'one dim, keepdim', (a) => M.prod(a, 1, true), () => [perm3([2, 3, 2])]],
  ['prod', 'two dims', (a) => M.prod(a, [0, 2]), () => [perm3([2, 3, 2])]],
  ['prod', 'with one zero and with two zeros in a row', (a) => M.prod(a, 1), () => [tensor([[1.5, 0, -2], [0, 0.5, 0], [0.7, 1.2, -0.9]], { dtype: 'float64' })]],
  ['var', 'all dims', (a) => M.var(a), () => [perm3([2, 3, 4])]],
  ['var', 'one dim, correction 0', (a) => M.var(a, 1, { correction: 0 }), () => [perm3([2, 3, 4])]],
  ['var', 'two dims, keepdim', (a) => M.var(a, [0, 2], { keepdim: true }), () => [perm3([2, 3, 4])]],
  ['std', 'all dims', (a) => M.std(a), () => [tr([3, 4])]],
  ['std', 'one dim, keepdim', (a) => M.std(a, -1, { keepdim: true }), () => [perm3([2, 3, 4])]],
  ['std', 'two dims, correction 0', (a) => M.std(a, [1, 2], { correction: 0 }), () => [perm3([2, 3, 4])]],
  ['logsumexp', 'all dims', (a) => M.logsumexp(a), () => [perm3([2, 3, 4])]],
  ['logsumexp', 'one dim', (a) => M.logsumexp(a, 1), () => [tr([3, 4])]],
  ['logsumexp', 'two dims, keepdim', (a) => M.logsumexp(a, [0, 2], true), () => [perm3([2, 3, 4])]],
  // ---- linear algebra
  ['matmul', '1-D . 1-D', (a, b) => M.matmul(a, b), () => [rn([4]), strided([4])]],
  ['matmul', '1-D . 2-D', (a, b) => M.matmul(a, b), () => [rn([3]), tr([3, 4])]],
  ['matmul', '2-D . 1-D', (a, b) => M.matmul(a, b), () => [tr([3, 4]), strided([4])]],
  ['matmul', '2-D . 2-D, both views', (a, b) => M.matmul(a, b), () => [tr([3, 4]), strided([4, 2])]],
  ['matmul', 'batched, broadcast batch dims [2,1,3,4] @ [3,4,2]', (a, b) => M.matmul(a, b), () => [rn([2, 1, 3, 4]), tr([3, 4, 2])]],
  ['matmul', 'batched @ 1-D', (a, b) => M.matmul(a, b), () => [perm3([2, 3, 4]), rn([4])]],
  ['matmul', '1-D @ batched', (a, b) => M.matmul(a, b), () => [rn([3]), tr([2, 3, 4])]],
  ['linearAct', '[3,4] views, bias, no activation', (x, w, b) => Linear.linearAct(x, w, b), () => [tr([3, 4]), strided([5, 4]), strided([5])]],
  ['linearAct', '[2,3,4] input, relu', (x, w, b) => Linear.linearAct(x, w, b, 'relu'), () => [perm3([2, 3, 4], distinct), rn([5, 4]), rn([5])]],
  ['linearAct', '1-D input, relu, no bias', (x, w) => Linear.linearAct(x, w, null, 'relu'), () => [distinct([4]), tr([6, 4])]],
  ['Tensor.mT', 'a @ b.mT', (a, b) => a.matmul(b.mT), () => [rn([2, 3, 4]), rn([2, 5, 4])]],
  ['matmul', '[1,K] @ [K,1]', (a, b) => M.matmul(a, b), () => [strided([1, 4]), tr([4, 1])]],
  ['outer', 'strided', (a, b) => M.outer(a, b), () => [rn([3]), strided([4])]],
  ['dot', 'strided', (a, b) => M.dot(a, b), () => [strided([5]), rn([5])]],
  // ---- shape
  ['reshape', 'transposed input (copy), -1', (a) => M.reshape(a, [2, -1]), () => [tr([3, 4])]],
  ['reshape', 'contiguous input (view)', (a) => M.reshape(a, [4, 3]), () => [rn([2, 6])]],
  ['view', 'transposed input, splitting a dim (still a view)', (a) => M.view(a, [3, 2, 2]), () => [tr([3, 4])]],
  ['view', 'strided input, splitting the strided dim', (a) => M.view(a, [3, 2, 2]), () => [strided([3, 4])]],
  ['reshape', 'of an expanded input (copy)', (a) => M.reshape(a.expand(2, 3, 4), [6, 4]), () => [rn([3, 1])]],
  ['flatten', 'permuted, dims 1..2', (a) => M.flatten(a, 1), () => [perm3([2, 3, 4])]],
  ['flatten', 'all dims', (a) => M.flatten(a), () => [perm3([2, 3, 2])]],
  ['squeeze', 'all size-1 dims', (a) => M.squeeze(a), () => [rn([3, 1, 4, 1])]],
  ['squeeze', 'one dim of a view', (a) => M.squeeze(a, 1), () => [tr([3, 1, 4])]],
  ['squeeze', 'a list of dims', (a) => M.squeeze(a, [1, 3]), () => [rn([3, 1, 2, 1])]],
  ['unsqueeze', 'middle of a view', (a) => M.unsqueeze(a, 1), () => [tr([3, 4])]],
  ['unsqueeze', 'negative dim', (a) => M.unsqueeze(a, -1), () => [strided([3, 4])]],
  ['transpose', 'dims 0 and 2', (a) => M.transpose(a, 0, 2), () => [perm3([2, 3, 4])]],
  ['Tensor.t', '2-D', (a) => a.t(), () => [strided([3, 4])]],
  ['permute', '3-D', (a) => M.permute(a, [2, 0, 1]), () => [perm3([2, 3, 4])]],
  ['expand', '[3,1] -> [2,3,4] with -1', (a) => M.expand(a, [2, -1, 4]), () => [rn([3, 1])]],
  ['expand', 'a strided [1,4] to [3,4]', (a) => M.expand(a, [3, 4]), () => [strided([1, 4])]],
  ['Tensor.expandAs', 'like another tensor', (a, b) => a.expandAs(b).mul(b), () => [rn([3, 1]), rn([3, 4])]],
  ['expand', 'a 0-d tensor', (a) => M.expand(a, [2, 3]), () => [rn([])]],
  ['contiguous', 'transposed input', (a) => M.contiguous(a), () => [tr([3, 4])]],
  ['clone', 'strided input', (a) => M.clone(a), () => [strided([3, 4])]],
  ['slice', 'step 2 from 1', (a) => M.slice(a, 1, 1, null, 2), () => [rn([3, 7])]],
  ['flip', 'dims 0 and -1', (a) => M.flip(a, [0, -1]), () => [rn([3, 4])]],
  ['roll', 'two dims', (a) => M.roll(a, [1, -2], [0, 1]), () => [rn([3, 4])]],
  ['roll', 'flattened', (a) => M.roll(a, 5), () => [rn([3, 4])]],
  ['slice', 'negative bounds, step 3, of a view', (a) => M.slice(a, 0, -5, -1, 3), () => [tr([7, 3])]],
  ['narrow', 'dim 1', (a) => M.narrow(a, 1, 1, 2), () => [tr([3, 4])]],
  ['select', 'negative index', (a) => M.select(a, 1, -1), () => [perm3([2, 3, 4])]],
  ['split', 'sizes [1,2,1], recombined', (a) => { const [x, y, z] = M.split(a, [1, 2, 1], 1); return M.cat([z.mul(2), x, y.exp()], 1); }, () => [tr([3, 4])]],
  ['split', 'size 2 along dim 0 (last piece short)', (a) => { const p = M.split(a, 2); return M.cat([p[2], p[0].sin(), p[1]]); }, () => [strided([5, 3])]],
  ['chunk', '3 chunks', (a) => { const [x, y, z] = M.chunk(a, 3, -1); return M.stack([x.mul(z), y.exp()]); }, () => [tr([2, 6])]],
  ['cat', 'three inputs along dim 1, with views', (a, b, c) => M.cat([a, b, c], 1), () => [tr([2, 3]), rn([2, 1]), strided([2, 2])]],
  ['cat', 'negative dim', (a, b) => M.cat([a, b], -1), () => [perm3([2, 3, 2]), rn([2, 3, 1])]],
  ['stack', 'dim 1', (a, b) => M.stack([a, b], 1), () => [tr([3, 4]), strided([3, 4])]],
  ['stack', 'dim -1', (a, b, c) => M.stack([a, b, c], -1), () => [rn([2, 3]), tr([2, 3]), strided([2, 3])]],
  ['pad', 'last two dims, non-zero value', (a) => M.pad(a, [1, 2, 0, 1], 0.5), () => [tr([3, 4])]],
  ['pad', 'last dim only', (a) => M.pad(a, [2, 0]), () => [perm3([2, 2, 3])]],
  ['repeat', 'with an extra leading dim', (a) => M.repeat(a, [2, 1, 3]), () => [tr([2, 3])]],
  ['triu', 'diagonal 0', (a) => M.triu(a), () => [tr([4, 4])]],
  ['triu', 'diagonal -1, batched', (a) => M.triu(a, -1), () => [perm3([2, 3, 4])]],
  ['tril', 'diagonal 1', (a) => M.tril(a, 1), () => [tr([3, 4])]],
  ['tril', 'diagonal -1, batched', (a) => M.tril(a, -1), () => [perm3([2, 4, 3])]],
  ['maskedFill', 'broadcast mask [1,4]', (a) => M.maskedFill(a, M.tensor([[true, false, false, true]]), -1), () => [tr([3, 4])]],
  // ---- indexing
  ['gather', 'dim 1, repeated indices', (a) => M.gather(a, 1, idx([[0, 0, 2], [3, 1, 1], [2, 2, 2]])), () => [tr([3, 4])]],
  ['gather', 'dim 0, index smaller than input', (a) => M.gather(a, 0, idx([[2, 0], [1, 1]])), () => [strided([3, 3])]],
  ['scatterAdd', 'dim 1, duplicates, input and src', (a, s) => M.scatterAdd(a, 1, idx([[0, 0, 3], [1, 2, 1]]), s), () => [tr([2, 4]), strided([2, 3])]],
  ['scatterAdd', 'dim 0, src larger than index', (a, s) => M.scatterAdd(a, 0, idx([[2, 0], [2, 1]]), s), () => [rn([3, 3]), tr([3, 3])]],
  ['indexSelect', 'dim 0, repeated', (a) => M.indexSelect(a, 0, idx([2, 0, 2, 1])), () => [tr([3, 4])]],
  ['indexSelect', 'dim 1 of a 3-D view', (a) => M.indexSelect(a, 1, idx([1, 1])), () => [perm3([2, 3, 4])]],
  ['indexAdd', 'dim 0, duplicates, input and src', (a, s) => M.indexAdd(a, 0, idx([1, 1, 0]), s), () => [tr([3, 4]), strided([3, 4])]],
  ['indexAdd', 'dim 1', (a, s) => M.indexAdd(a, 1, idx([2, 0]), s), () => [rn([2, 3]), tr([2, 2])]],
  // ---- nn
  ['softmax', 'last dim', (a) => M.softmax(a, -1), () => [tr([3, 4])]],
  ['softmax', 'dim 0 of a 3-D view', (a) => M.softmax(a, 0), () => [perm3([3, 2, 4])]],
  ['softmax', 'over a size-1 dim', (a) => M.softmax(a, 1).mul(a), () => [rn([3, 1])]],
  ['logSoftmax', 'last dim', (a) => M.logSoftmax(a, -1), () => [strided([3, 4])]],
  ['logSoftmax', 'dim 1 of a 3-D view', (a) => M.logSoftmax(a, 1), () => [perm3([2, 3, 4])]],
  ['dropout', 'p 0.3, fixed generator (same mask every call)', (a) => M.dropout(a, { p: 0.3, generator: new Generator(7) }), () => [tr([4, 5])]],
  ['dropout', 'eval mode is the identity', (a) => M.dropout(a, { p: 0.3, training: false }), () => [strided([2, 3])]],
  ['crossEntropy', 'class indices, an ignored target, mean', (a) => M.F.crossEntropy(a, idx([2, -100, 0, 1])), () => [tr([3, 4]).t()]],
  ['crossEntropy', 'class indices, none', (a) => M.F.crossEntropy(a, idx([1, 0, 2]), { reduction: 'none' }), () => [rn([3, 4])]],
  ['binaryCrossEntropy', 'probabilities and soft targets', (p, t) => M.F.binaryCrossEntropy(p, t), () => [rand64([3, 2], 0.05, 0.95), rand64([3, 2], 0, 1)]],
  ['embedding', '2-D indices with repeats', (w) => M.embedding(idx([[0, 2, 2], [4, 0, 1]]), w), () => [tr([5, 3])]],
  // ---- convolution and pooling
  ['conv1d', 'bias, stride 2, padding 1, dilation 2, groups 2', (x, w, b) => M.conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2, groups: 2 }), () => [rn([2, 4, 7]), rn([6, 2, 3]), rn([6])]],
  ['conv1d', "padding 'same', even kernel, transposed input", (x, w) => M.conv1d(x, w, null, { padding: 'same' }), () => [tr([1, 2, 6]), rn([3, 2, 4])]],
  ['conv2d', 'bias, stride 2, padding 1', (x, w, b) => M.conv2d(x, w, b, { stride: 2, padding: 1 }), () => [rn([2, 2, 5, 5]), rn([3, 2, 3, 3]), rn([3])]],
  ['conv2d', "padding 'same', even kernel, transposed input", (x, w) => M.conv2d(x, w, null, { padding: 'same' }), () => [tr([1, 2, 4, 5]), rn([2, 2, 2, 2])]],
  ['conv2d', 'dilation 2, rectangular kernel, pair stride', (x, w) => M.conv2d(x, w, null, { dilation: 2, stride: [1, 2], padding: [1, 0] }), () => [rn([1, 2, 6, 6]), rn([2, 2, 2, 3])]],
  ['conv2d', 'groups 2, strided weight', (x, w, b) => M.conv2d(x, w, b, { groups: 2, padding: 1 }), () => [rn([1, 4, 4, 4]), strided([4, 2, 3, 3]), rn([4])]],
  ['conv2d', '1x1 kernel, depthwise (groups = channels)', (x, w) => M.conv2d(x, w, null, { groups: 3 }), () => [tr([1, 3, 2, 3]), rn([6, 1, 1, 1])]],
  ['conv2d', 'unbatched [C,H,W] input', (x, w) => M.conv2d(x, w), () => [perm3([2, 4, 4]), rn([3, 2, 2, 2])]],
  ['convTranspose2d', 'bias, stride 2, padding 1, outputPadding 1', (x, w, b) => M.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }), () => [rn([2, 2, 3, 3]), rn([2, 3, 3, 3]), rn([3])]],
  ['convTranspose2d', 'groups 2, dilation 2, transposed input', (x, w) => M.convTranspose2d(x, w, null, { groups: 2, dilation: 2 }), () => [tr([1, 4, 3, 3]), rn([4, 1, 2, 2])]],
  ['convTranspose2d', 'outputPadding 1 >= stride 1 (below dilation 2), padding 1, groups 2, bias, rectangular kernel', (x, w, b) => M.convTranspose2d(x, w, b, { dilation: 2, padding: 1, outputPadding: 1, groups: 2 }), () => [rn([2, 4, 3, 4]), rn([4, 3, 2, 3]), rn([6])]],
  ['convTranspose2d', 'stride [2,1], dilation [1,3], outputPadding [1,2], padding [0,1], strided input', (x, w) => M.convTranspose2d(x, w, null, { stride: [2, 1], dilation: [1, 3], outputPadding: [1, 2], padding: [0, 1] }), () => [strided([1, 2, 3, 3]), rn([2, 2, 2, 3])]],
  ['maxPool2d', 'kernel 2', (x) => M.maxPool2d(x, 2), () => [distinct([1, 2, 4, 4])]],
  ['maxPool2d', 'kernel 3, stride 2, padding 1, transposed input', (x) => M.maxPool2d(x, 3, { stride: 2, padding: 1 }), () => [tr([2, 1, 5, 5], distinct)]],
  ['maxPool2d', 'ceilMode, dilation 2', (x) => M.maxPool2d(x, 2, { stride: 2, dilation: 2, ceilMode: true }), () => [distinct([1, 2, 7, 6])]],
  ['maxPool2dWithIndices', 'values', (x) => M.maxPool2dWithIndices(x, [2, 3])[0], () => [distinct([2, 5, 6])]],
  ['maxPool2d', 'global (kernel = whole plane)', (x) => M.maxPool2d(x, [4, 3]), () => [tr([2, 2, 4, 3], distinct)]],
  ['avgPool2d', 'kernel 2', (x) => M.avgPool2d(x, 2), () => [tr([1, 2, 4, 4])]],
  ['avgPool2d', 'kernel 3, stride 2, padding 1, countIncludePad false, ceilMode', (x) => M.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }), () => [rn([2, 1, 6, 6])]],
  ['avgPool2d', 'padding 1 counted in the divisor', (x) => M.avgPool2d(x, 3, { stride: 2, padding: 1 }), () => [strided([1, 2, 5, 5])]],
  ['adaptiveAvgPool2d', '5x7 -> 3x4 (overlapping windows)', (x) => M.adaptiveAvgPool2d(x, [3, 4]), () => [tr([1, 2, 7, 5])]],
  // ---- in-place writes (on a non-leaf) and moves between backends
  ['Tensor.add_', 'broadcast, alpha', (a, b) => a.mul(1).add_(b, 0.5), () => [tr([3, 4]), rn([4])]],
  ['Tensor.sub_', 'tensor', (a, b) => a.mul(1).sub_(b), () => [rn([2, 3]), strided([2, 3])]],
  ['Tensor.mul_', 'tensor', (a, b) => a.mul(1).mul_(b), () => [tr([3, 4]), rn([3, 4])]],
  ['Tensor.div_', 'tensor', (a, b) => a.mul(1).div_(b), () => [rn([2, 3]), pos([2, 3])]],
  ['Tensor.clamp_', 'both bounds', (a) => a.mul(1).clamp_(-0.45, 0.55), () => [tr([3, 4], distinct)]],
  ['Tensor.copy_', 'a whole tensor, then used', (a, b) => a.mul(1).copy_(b).mul(a), () => [rn([2, 3]), strided([2, 3])]],
  ['Tensor.fill_', 'then used with another input', (a, b) => a.mul(1).fill_(2).mul(b), () => [rn([2, 3]), tr([2, 3])]],
  ['Tensor.copy_', 'into a window of a non-leaf (the base takes the gradient)', (a, b) => { const c = a.mul(2); c.slice(1, 1, 3).copy_(b); return c; }, () => [tr([3, 4]), rn([3, 2])]],
  ['Tensor.mul_', 'a view read after its base changed in place (through the base)', (a, b) => { const c = a.mul(1); const v = c.slice(1, 0, 2); c.mul_(b); return v.mul(3); }, () => [tr([3, 4]), rn([3, 4])]],
  ['Tensor.toBackend', 'to another backend and back', (a) => a.toBackend(a.backend.name === 'js' ? 'wasm' : 'js').exp().toBackend(a.backend.name), () => [strided([2, 3])]],
  ['adaptiveAvgPool2d', 'null keeps a dim, unbatched', (x) => M.adaptiveAvgPool2d(x, [2, null]), () => [rn([2, 5, 3])]],
];

/**
 * Core exports of src/index.ts (tensor, autograd, backend and op modules) that are deliberately not gradient-checked,
 * with the reason. Every other core export that is a function must appear in the table above.
 */
const NOT_DIFFERENTIABLE: Record<string, string[]> = {
  'comparisons and logic (bool results)': ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor', 'logicalNot', 'isnan', 'isinf', 'all', 'any'],
  'integer results': ['argmax', 'argmin', 'oneHot'],
  'dtype arithmetic': ['resultType'],
  creation: [
    'tensor', 'zeros', 'ones', 'full', 'zerosLike', 'onesLike', 'fullLike', 'arange', 'linspace', 'eye', 'rand', 'randn',
    'uniform', 'normal', 'randint', 'randLike', 'randnLike', 'randintLike', 'randperm', 'manualSeed',
  ],
  'autograd machinery': ['noGrad', 'enableGrad', 'isGradEnabled', 'setGradEnabled', 'zeroGrad', 'formatGraph', 'formatAttr'],
  'op records': ['listOps', 'getOp'],
  backends: ['setBackend', 'getBackend', 'listBackends', 'registerBackend'],
  classes: ['Tensor', 'Generator', 'GradNode'],
};

/**
 * Differentiable ops of the core modules that src/index.ts deliberately does not export (they are reached through
 * the layers), with the function the table's rows stand for.
 */
const INTERNAL_OPS: Record<string, (...args: never[]) => unknown> = {
  // F.linear and nn.Linear run on it
  linearAct: Linear.linearAct,
  // losses (F.*) with an op record of their own
  crossEntropy: Losses.crossEntropy,
  binaryCrossEntropy: Losses.binaryCrossEntropy,
};

/**
 * The modules whose exports make up the core op set. Layers, losses, optimisers, data and training (also exported by
 * src/index.ts) are built from these ops and tested in their own folders; the losses that are op records of their own
 * (INTERNAL_OPS) are checked here too.
 */
const CORE_MODULES: Record<string, Record<string, unknown>> = {
  'ops/elementwise': Elementwise, 'ops/reduce': Reduce, 'ops/matmul': Matmul, 'ops/linear': Linear, 'ops/shape': Shape, 'ops/indexing': Indexing,
  'ops/softmax': SoftmaxOps, 'ops/dropout': DropoutOps, 'ops/embedding': EmbeddingOps, 'ops/conv': Conv, 'ops/pool': Pool, 'ops/op': OpRecords, 'autograd/graph': Graph, 'tensor/creation': Creation, 'tensor/random': Random,
  'tensor/tensor': TensorModule, 'autograd/engine': Engine, 'autograd/grad': Grad, 'backend/backend': BackendModule,
  'nn/losses': Losses,
};

describe('gradcheck: autograd matches central differences in float64', () => {
  for (const [op, what, f, inputs, options] of cases) {
    test(`${op}: ${what}`, () => {
      manualSeed(1234);
      gradcheck(f, inputs(), options);
    });
  }
});

test('every case gives the same values and gradients for views as for contiguous copies of them', () => {
  // gradcheck compares autograd with differences of the same forward; this pins the forward on views to the forward
  // on dense inputs, so a kernel that misreads strides cannot pass unnoticed
  for (const [op, what, f, inputs] of cases) {
    manualSeed(1234);
    const views = inputs().map((x) => x.detach().requiresGrad_());
    const dense = views.map((x) => x.contiguous().detach().requiresGrad_());
    const a = f(...views), b = f(...dense);
    assert.deepEqual(a.shape, b.shape, `${op} (${what}): shape`);
    assertClose(a.data(), b.data(), 1e-12, 1e-12, `${op} (${what}): values`);
    manualSeed(99);
    const w = rand64(a.shape.slice());
    a.mul(w).sum().backward();
    b.mul(w).sum().backward();
    views.forEach((x, i) => assertClose(x.grad!.data(), dense[i].grad!.data(), 1e-12, 1e-12, `${op} (${what}): gradient of input ${i}`));
  }
});

test('the input helpers give the views they promise', () => {
  manualSeed(1);
  assert.equal(tr([3, 4]).isContiguous(), false);
  assert.deepEqual(tr([2, 3, 4]).shape, [2, 3, 4]);
  assert.equal(strided([3, 4]).isContiguous(), false);
  assert.deepEqual(strided([3, 4]).shape, [3, 4]);
  assert.equal(perm3([2, 3, 4]).isContiguous(), false);
  assert.deepEqual(perm3([2, 3, 4]).shape, [2, 3, 4]);
  const d = Array.from(distinct([40]).data()).sort((a, b) => a - b);
  for (let i = 1; i < d.length; i++) assert.ok(d[i] - d[i - 1] > 0.01, 'distinct values are well separated');
  assert.ok(d.every((v) => Math.abs(v) >= 0.1), 'distinct values stay away from 0');
  // most cases use a non-contiguous input, and broadcasting is exercised
  const viewCases = cases.filter(([, , , inputs]) => { manualSeed(1); return inputs().some((x) => !x.isContiguous()); });
  assert.ok(viewCases.length > cases.length * 0.7, `${viewCases.length} of ${cases.length} cases use a non-contiguous input`);
});

test('every differentiable core export of src/index.ts is in the gradcheck table', () => {
  const coreValues = new Set(Object.values(CORE_MODULES).flatMap((m) => Object.values(m)).filter((v) => typeof v === 'function'));
  const exported = Object.entries(M).filter(([, v]) => typeof v === 'function' && coreValues.has(v)).map(([k]) => k);
  assert.ok(exported.length > 100, `only ${exported.length} core functions found in src/index.ts`);
  // a new op module must be added to CORE_MODULES (util.ts holds helpers, not ops)
  const opFiles = readdirSync(new URL('../../src/ops/', import.meta.url)).filter((f) => f.endsWith('.js')).map((f) => `ops/${f.slice(0, -3)}`);
  assert.deepEqual(opFiles.filter((f) => f !== 'ops/util' && !(f in CORE_MODULES)), [], 'op modules missing from CORE_MODULES');
  const checked = new Set(cases.map(([op]) => op));
  const excluded = new Set(Object.values(NOT_DIFFERENTIABLE).flat());
  const missing = exported.filter((name) => !checked.has(name) && !excluded.has(name));
  assert.deepEqual(missing, [], `core exports with neither a gradcheck case nor a place in NOT_DIFFERENTIABLE: ${missing.join(', ')}`);
  // the lists name real things, and nothing is in both
  for (const name of checked) {
    if (name.startsWith('Tensor.')) {
      const method = name.slice('Tensor.'.length);
      assert.ok(method in Tensor.prototype, `table row for a Tensor member that does not exist: ${name}`);
    } else if (name in INTERNAL_OPS) {
      assert.ok(coreValues.has(INTERNAL_OPS[name]), `INTERNAL_OPS names ${name}, which no core module exports`);
      assert.ok(!exported.includes(name), `${name} is exported by src/index.ts: remove it from INTERNAL_OPS`);
    } else {
      assert.ok(exported.includes(name), `table row for ${name}, which src/index.ts does not export from a core module`);
    }
  }
  for (const name of excluded) {
    assert.ok(exported.includes(name), `NOT_DIFFERENTIABLE names ${name}, which src/index.ts does not export from a core module`);
    assert.ok(!checked.has(name), `${name} is both gradchecked and listed as not differentiable`);
  }
});

test('gradcheck itself catches a wrong gradient', () => {
  manualSeed(5);
  // x * detach(x) has autograd gradient x, but the true derivative of x^2 is 2x
  assert.throws(() => gradcheck((a) => a.mul(a.detach()), [rn([3])]), /gradient mismatch for input 0/);
  // an input the output does not depend on through the graph has no gradient at all
  assert.throws(() => gradcheck((a, b) => a.mul(2).add(b.detach()), [rn([3]), rn([3])]), /input 1: no gradient/);
});

test('every differentiable op gives a gradient (not null) for a float input', () => {
  // a guard on the table: an op silently dropping its graph would make gradcheck compare zeros with differences
  for (const [op, what, f, inputs] of cases) {
    manualSeed(1234);
    const xs = inputs().map((x) => x.detach().requiresGrad_());
    const out = f(...xs);
    assert.ok(out.requiresGrad, `${op} (${what}): output does not require grad`);
  }
});

test('every op record with a backward is reached by a gradcheck case', () => {
  // by the op names of the nodes in the cases' graphs, so a record whose backward no case runs is found
  const reached = new Set<string>();
  for (const [, , f, inputs] of cases) {
    manualSeed(1234);
    const out = f(...inputs().map((x) => x.detach().requiresGrad_()));
    for (const node of Graph.graphNodes(out)) if (node.op) reached.add(node.op.name);
  }
  const missing = OpRecords.listOps().filter((op) => op.backward && !reached.has(op.name)).map((op) => op.name);
  assert.deepEqual(missing, [], `op records with a backward that no gradcheck case reaches: ${missing.join(', ')}`);
});
