/** Optimisers, learning-rate schedules and gradient clipping. */
export {
  Optimizer, registerUpdateRule, type BaseOptions, type ParamGroup, type ParamGroupInput, type Params, type UpdateRule,
  type OptimizerStateDict, type SerializedState, type SerializedTensor,
} from './optimizer.js';
export { SGD, sgdUpdate, type SGDOptions, type SGDState } from './sgd.js';
export { Adam, AdamW, adamUpdate, adamwUpdate, type AdamOptions, type AdamState } from './adam.js';
export { RMSprop, rmspropUpdate, type RMSpropOptions, type RMSpropState } from './rmsprop.js';
export { Adagrad, adagradUpdate, type AdagradOptions, type AdagradState } from './adagrad.js';
export {
  LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, ConstantLR, LambdaLR, ReduceLROnPlateau,
  type SchedulerOptions, type SchedulerStateDict, type StepLROptions, type MultiStepLROptions, type ExponentialLROptions,
  type CosineAnnealingLROptions, type LinearLROptions, type ConstantLROptions, type LambdaLROptions, type ReduceLROnPlateauOptions,
} from './schedulers.js';
export { clipGradNorm, clipGradValue } from './clip.js';
