/**
 * The kernel registry: every computation on a device's storage is a kernel, registered by name and device
 * (`registerKernel('matmul', 'wasm', impl)`) into this one table. Ops call kernels; kernels never call ops.
 *
 * A kernel reads its inputs through strided views (so transposes and slices need no copy) and returns fresh,
 * contiguous storage of the calling device (in-place kernels return true). An impl receives the calling device
 * first and may decline a call (return undefined, e.g. for a dtype it lacks): the next device of the calling device's
 * kernelChain then runs over the same storage. The js impls read any storage whose elements are host-visible and hand
 * back a typed array the calling device adopts as its own storage. The last impl of a chain takes every call (the js
 * ones do), except for the optional kernels, whose callers take undefined as "no fused kernel here".
 *
 * A kernel with a natural decomposition into other kernels (DECOMPOSITIONS) has it as the last link of every chain, so
 * a device with the parts has the whole.
 *
 * Dispatch stays one property read and a direct call: each device's table is resolved when the device is made and
 * again for just the kernel a later registerKernel changes, with the fallback chain composed into the functions then,
 * never searched per call (see kernelTable for how the engine inlines the call).
 */
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import type { Generator } from '../tensor/random.js';
import type { Device, Storage, View } from './device.js';

export type UnaryOp =
  | 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu'
  | 'leakyRelu' | 'elu' | 'gelu' | 'softplus' | 'erf' | 'sign' | 'floor' | 'ceil' | 'round' | 'reciprocal'
  | 'square' | 'logicalNot' | 'isnan' | 'isinf' | 'identity';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr' | 'logicalXor'
  /** relu's gradient: a (the incoming gradient) where b (relu's output) is > 0 or NaN, else 0 */
  | 'reluBackward';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min';

/** How nllLoss reduces its terms. */
export type NllReduction = 'none' | 'sum' | 'mean';

export interface Conv2dParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

export interface Pool2dParams {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  /** avg pooling only: count padded zeros in the divisor (PyTorch's default true). */
  countIncludePad: boolean;
}

/** Activation applied by the fused linear kernel. */
export type LinearActivation = 'none' | 'relu';

/** Adam's step in one pass: p *= decay; g' = g + l2 p; m, v updated; p -= stepSize m / (sqrt(v) / bc2Sqrt + eps). */
export interface AdamCoefficients {
  beta1: number;
  beta2: number;
  stepSize: number;
  bc2Sqrt: number;
  eps: number;
  decay: number;
  l2: number;
}

/** SGD's step in one pass (see sgdUpdate in src/optim/sgd.ts). */
export interface SgdCoefficients {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Every kernel, as ops call it. */
export interface KernelSignatures {
  /** Writes `src` (broadcast to dst's shape, converted to dst's dtype) into the elements of `dst`, in place. */
  assign(dst: View, src: View): true;

  unary(op: UnaryOp, x: View, outDType: DType, alpha?: number, beta?: number): Storage;
  binary(op: BinaryOp, a: View, b: View, outShape: Shape, outDType: DType): Storage;
  where(cond: View, a: View, b: View, outShape: Shape, outDType: DType): Storage;
  /** Reduces over `dims`; the result has x's shape with those dims set to 1. */
  reduce(op: ReduceOp, x: View, dims: readonly number[], outDType: DType): Storage;
  /** Index (int32) of the first max/min along `dim`; result has x's shape with dim set to 1. */
  argReduce(op: 'argmax' | 'argmin', x: View, dim: number): Storage;
  /** a: [...batchA, M, K], b: [...batchB, K, N] -> [...outBatch, M, N], batch dims broadcast. */
  matmul(a: View, b: View, outBatch: Shape): Storage;
  /**
   * Optional fused linear layer: act(x @ w^T + bias) for x: [M, K], w: [N, K], bias: [N] or null -> [M, N], rounded
   * as the unfused matmul, add and activation would round it. Ops fall back to those where a device lacks it.
   */
  linear(x: View, w: View, bias: View | null, activation: LinearActivation): Storage;
  softmax(x: View, dim: number, log: boolean): Storage;

  /** out[...i_dim...] = x[..., index[...], ...] (torch.gather); result has index's shape. */
  gather(x: View, dim: number, index: View): Storage;
  /** A copy of base with src added at positions given by index along dim (torch.scatter_add). */
  scatterAdd(base: View, dim: number, index: View, src: View): Storage;
  /** Selects entries of x along dim by a 1-D int32 index (torch.index_select). */
  indexSelect(x: View, dim: number, index: View): Storage;
  /** A copy of base with src's slices added at index along dim (torch.index_add). */
  indexAdd(base: View, dim: number, index: View, src: View): Storage;

  /** x: [N,C,H,W], w: [O,C/groups,kH,kW] -> [N,O,outH,outW]. */
  conv2d(x: View, w: View, p: Conv2dParams): Storage;
  /** Gradient of conv2d with respect to its input, shaped `inputShape` (the output size is gradOut's). */
  conv2dBackwardInput(gradOut: View, w: View, inputShape: Shape, p: Conv2dParams): Storage;
  /** Gradient of conv2d with respect to its weight, shaped `weightShape`. */
  conv2dBackwardWeight(x: View, gradOut: View, weightShape: Shape, p: Conv2dParams): Storage;

  /** Max pooling over [N,C,H,W]; indices are flat positions h*W+w within each input plane (as PyTorch). */
  maxPool2d(x: View, p: Pool2dParams, outH: number, outW: number): { out: Storage; indices: Storage };
  maxPool2dBackward(gradOut: View, indices: View, inputShape: Shape): Storage;
  avgPool2d(x: View, p: Pool2dParams, outH: number, outW: number): Storage;
  avgPool2dBackward(gradOut: View, inputShape: Shape, p: Pool2dParams): Storage;
  adaptiveAvgPool2d(x: View, outH: number, outW: number): Storage;
  adaptiveAvgPool2dBackward(gradOut: View, inputShape: Shape): Storage;

  /**
   * Optional fused Adam/AdamW step, in place on p, m and v. Undefined when no device in the chain takes these
   * views (the optimiser then runs its reference rule).
   */
  adamStep(p: View, g: View, m: View, v: View, c: AdamCoefficients): true | undefined;
  /** Optional fused SGD step in place (buf: the momentum buffer, null without momentum); undefined as adamStep. */
  sgdStep(p: View, g: View, buf: View | null, c: SgdCoefficients): true | undefined;

  /**
   * -logp[i, target[i]] over the rows of logp [N, C] with int32 targets [N], reduced ('none': [N]; 'sum', 'mean': one
   * value); rows whose target is ignoreIndex count 0 and are left out of 'mean'. A target outside [0, C) throws
   * outOfRange(target).
   */
  nllLoss(logp: View, target: View, ignoreIndex: number, reduction: NllReduction, outOfRange: (target: number) => Error): Storage;
  /** The gradient of nllLoss's result with respect to logits [N, C], from probs = softmax(logits): (probs - onehot) * grad's share. */
  nllLossBackward(probs: View, target: View, grad: View, ignoreIndex: number, reduction: NllReduction): Storage;
  /** n values: 1/(1-p) where a uniform draw from generator falls below 1-p, else 0 (dropout's mask). */
  dropoutMask(n: number, dtype: 'float32' | 'float64', p: number, generator: Generator): Storage;
  /** Each image n of x [N, C, H, W] moved by (dy[n], dx[n]) whole pixels, the uncovered border zero (RandomShift). */
  shiftImages(x: View, dy: Int32Array, dx: Int32Array): Storage;
  /**
   * Throws fail(min, max) when a value of x is below lo or above hi (a NaN passes, as min() and max() give NaN). How an
   * op checks values without reading them back: a device that cannot check at once may report the failure later.
   */
  assertRange(x: View, lo: number, hi: number, fail: (min: number, max: number) => Error): true;
}

export type KernelName = keyof KernelSignatures;

/** Kernels a table may lack (their callers have another way). */
type OptionalKernel = 'linear' | 'adamStep' | 'sgdStep';
const OPTIONAL: ReadonlySet<KernelName> = new Set<OptionalKernel>(['linear', 'adamStep', 'sgdStep']);

/** Every kernel name, at run time (the check below keeps it complete). */
export const KERNEL_NAMES = [
  'assign', 'unary', 'binary', 'where', 'reduce', 'argReduce', 'matmul', 'linear', 'softmax', 'gather', 'scatterAdd',
  'indexSelect', 'indexAdd', 'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'maxPool2d', 'maxPool2dBackward',
  'avgPool2d', 'avgPool2dBackward', 'adaptiveAvgPool2d', 'adaptiveAvgPool2dBackward', 'adamStep', 'sgdStep',
  'nllLoss', 'nllLossBackward', 'dropoutMask', 'shiftImages', 'assertRange',
] as const satisfies readonly KernelName[];
const everyKernelListed: Exclude<KernelName, (typeof KERNEL_NAMES)[number]> extends never ? true : never = true;
void everyKernelListed;

/** A device's resolved kernels: ready functions (the optional ones undefined where no device in the chain has them). */
export type Kernels = { readonly [K in Exclude<KernelName, OptionalKernel>]: KernelSignatures[K] } & {
  readonly [K in OptionalKernel]?: KernelSignatures[K];
};

/** One device's implementation of kernel K: the calling device, then the kernel's arguments; undefined declines. */
export type KernelImpl<K extends KernelName, D extends Device = Device> =
  (device: D, ...args: Parameters<KernelSignatures[K]>) => ReturnType<KernelSignatures[K]> | undefined;

// Resolved functions pass at most five arguments on (the largest kernel arity; the check keeps it so).
type LongerThanFive = { [K in KernelName]: Parameters<KernelSignatures[K]>['length'] extends 0 | 1 | 2 | 3 | 4 | 5 ? never : K }[KernelName];
const everyKernelFits: LongerThanFive extends never ? true : never = true;
void everyKernelFits;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyImpl = (device: Device, a?: any, b?: any, c?: any, d?: any, e?: any) => any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKernel = (a?: any, b?: any, c?: any, d?: any, e?: any) => any;

/** What a kernel is in terms of other kernels, where that is natural: the last resort of every chain. */
const DECOMPOSITIONS: { [K in KernelName]?: KernelImpl<K> } = {
  // act(x @ w^T + bias), rounded as the fused kernel must round it; the intermediate results are freed at once
  linear(d, x, w, bias, activation) {
    const M = x.shape[0], N = w.shape[0];
    const whole = (s: Storage): View => ({ storage: s, shape: [M, N], strides: [N, 1], offset: 0 });
    const step = (prev: Storage, next: Storage): Storage => {
      d.release?.(prev, 'an intermediate result of a linear layer computed as matmul, add and relu');
      return next;
    };
    const wT: View = { storage: w.storage, shape: [w.shape[1], N], strides: [w.strides[1], w.strides[0]], offset: w.offset };
    let out = d.kernels.matmul(x, wT, []);
    if (bias) out = step(out, d.kernels.binary('add', whole(out), bias, [M, N], out.dtype));
    if (activation === 'relu') out = step(out, d.kernels.unary('relu', whole(out), out.dtype));
    return out;
  },
};

const impls = new Map<KernelName, Map<string, AnyImpl>>();
/** The tables handed out, by device, so that a later registration reaches them. */
const tables = new Map<Device, Record<string, AnyKernel | undefined>>();

/**
 * Registers `impl` as kernel `name` of the device named `device` (replacing an earlier one), and updates the tables
 * of every device whose chain includes that device. `D` is the device type the impl expects: the device itself, or
 * one that falls back to it.
 */
export function registerKernel<K extends KernelName, D extends Device = Device>(name: K, device: string, impl: KernelImpl<K, D>): void {
  let byDevice = impls.get(name);
  if (!byDevice) impls.set(name, (byDevice = new Map()));
  byDevice.set(device, impl as unknown as AnyImpl);
  for (const [dev, table] of tables) if (dev.kernelChain.includes(device)) table[name] = resolve(name, dev);
}

/** Removes a registration (tests); tables are updated as by registerKernel. */
export function unregisterKernel(name: KernelName, device: string): void {
  impls.get(name)?.delete(device);
  for (const [dev, table] of tables) if (dev.kernelChain.includes(device)) table[name] = resolve(name, dev);
}

/**
 * The kernel table of `device` (its constructor calls this once, after setting kernelChain); the registry keeps it
 * current as kernels are registered.
 */
export function kernelTable(device: Device): Kernels {
  const functions: Record<string, AnyKernel | undefined> = {};
  for (const name of KERNEL_NAMES) functions[name] = resolve(name, device);
  tables.set(device, functions);
  // The functions sit on the table's prototype: the engine treats a prototype's properties as constants (and drops
  // code that relied on one when a later registration changes it), so an op's call can be inlined as a method's is.
  return Object.create(functions) as Kernels;
}

/** Kernel `name` for `device`: its chain's impls composed, each declining to the next. */
function resolve(name: KernelName, device: Device): AnyKernel | undefined {
  const byDevice = impls.get(name);
  const chain = device.kernelChain.map((d) => byDevice?.get(d)).filter((f): f is AnyImpl => f !== undefined);
  const decomposition = DECOMPOSITIONS[name] as AnyImpl | undefined;
  if (decomposition) chain.push(decomposition);
  if (chain.length === 0) {
    if (OPTIONAL.has(name)) return undefined;
    return () => {
      throw new Error(`${name}: no kernel for device '${device.name}' (looked on ${device.kernelChain.map((d) => `'${d}'`).join(', ')})`);
    };
  }
  // the last link bound (one frame fewer than a closure), each earlier one declining to the next
  let fn: AnyKernel = chain[chain.length - 1].bind(undefined, device);
  for (let i = chain.length - 2; i >= 0; i--) {
    const first = chain[i], next = fn;
    fn = (a, b, c, d, e) => first(device, a, b, c, d, e) ?? next(a, b, c, d, e);
  }
  return fn;
}
