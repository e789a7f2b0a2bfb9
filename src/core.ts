/**
 * Everything in the package that runs on every platform: tensors, ops, autograd, the js backend and the wasm
 * backend's controls, nn, optim, models, Dataset and DataLoader, text features, fit/evaluate/predict, metrics,
 * callbacks that write no files, safetensors and whole models as bytes. The entries add a platform: browser.ts (the
 * wasm kernels fetched at import) and index.ts (Node: the kernels, files, the bundled datasets, CSV loading).
 */
import './backend/js/index.js';
import './tensor/methods.js'; // the chainable forms of the ops (x.add(y), x.sum(), ...)

export { Tensor, type TensorOrScalar, type NestedArray } from './tensor/tensor.js';
export { type DType, type TypedArray } from './tensor/dtype.js';
export * from './tensor/creation.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, GradNode, type BackwardOptions } from './autograd/engine.js';
export { setBackend, getBackend, listBackends, registerBackend, type Backend, type Storage, type View } from './backend/backend.js';
// The wasm backend's controls: worker threads (default: one per core) and its memory budget.
export {
  setNumThreads, getNumThreads, warmUpThreads, setWasmMemoryBudget, wasmMemoryStats, wasmAvailable, wasmLoadError,
} from './backend/wasm/index.js';
export {
  add, sub, mul, div, pow, neg, abs, exp, log, sqrt, rsqrt, square, reciprocal, sin, cos, tanh, sigmoid, relu,
  leakyRelu, elu, gelu, softplus, erf, sign, floor, ceil, round, clamp, maximum, minimum, where, eq, ne, lt, le, gt, ge,
  logicalAnd, logicalOr, logicalXor, logicalNot, isnan, isinf, cast, resultType,
} from './ops/elementwise.js';
export { sum, mean, max, min, prod, variance as var, std, logsumexp, argmax, argmin, all, any, type VarOptions } from './ops/reduce.js';
export { matmul, outer, dot } from './ops/matmul.js';
export {
  reshape, view, flatten, squeeze, unsqueeze, transpose, permute, expand, contiguous, clone, slice, narrow, select,
  split, chunk, cat, stack, pad, repeat, triu, tril, maskedFill,
} from './ops/shape.js';
export { flip, roll } from './ops/shape.js';
export { gather, scatterAdd, indexSelect, indexAdd } from './ops/indexing.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { dropout, type DropoutOptions } from './ops/dropout.js';
export { embedding, oneHot } from './ops/embedding.js';
export {
  conv1d, conv2d, convTranspose2d, type ConvGeometryOptions, type ConvTransposeOptions, type IntPair,
  /** @deprecated the former name of ConvGeometryOptions */
  type ConvGeometryOptions as ConvOptions,
} from './ops/conv.js';
export {
  maxPool2d, maxPool2dWithIndices, avgPool2d, adaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions,
} from './ops/pool.js';
export { zeroGrad } from './autograd/grad.js';
export { formatGraph, formatAttr } from './autograd/graph.js';
export { listOps, getOp, type OpRecord, type OpAttrs } from './ops/op.js';

// Neural networks: `nn.Linear`, `nn.F.crossEntropy`, `nn.init.kaimingUniform`, ... (F and init also at the top level).
export * as nn from './nn/index.js';
export { Module, Parameter, Sequential, ModuleList, ModuleDict, F, init } from './nn/index.js';
export * as optim from './optim/index.js';
export * as models from './models/index.js';

// Data: Dataset/DataLoader, text features, CSV parsing (the Node entry adds the bundled datasets and loadCsv).
export * as data from './data/browser.js';
export {
  Dataset, TensorDataset, Subset, DataLoader, randomSplit, tokenize, Vocabulary, CountVectorizer, TfidfVectorizer,
  toMnistInput, type RasterImage,
} from './data/browser.js';

// Training: fit/evaluate/predict, metrics, callbacks (the Node entry adds ModelCheckpoint and JsonLogger, which write files).
export { fit, evaluate, predict, NonFiniteLossError, type FitOptions, type History, type EvaluateOptions, type LossFn } from './train/fit.js';
export {
  accuracy, topKAccuracy, confusionMatrix, precisionRecallF1, meanSquaredError, meanAbsoluteError, metricByName, type Metric, type MetricName,
} from './train/metrics.js';
export { EarlyStopping, LambdaCallback, type Callback, type Logs, type TrainingContext } from './train/callbacks.js';

// Bytes: whole models (weights + architecture) and raw safetensors in memory (the Node entry adds files).
export { modelToBytes, modelFromBytes } from './io/model.js';
export { encodeSafetensors, decodeSafetensors } from './io/safetensors.js';
export { version } from './version.js';
