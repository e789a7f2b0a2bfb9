/** The messages between a page and the digit-training worker (train.worker.ts). */
import type { DigitArch } from './store.js';

export interface TrainRequest {
  type: 'train';
  /** the data file's absolute URL (digitsUrl()) */
  dataUrl: string;
  /** a zoo model ('lesson' 784-16-16-10, 'mlp', 'cnn'), or an MLP of the given hidden sizes (no augmentation) */
  arch: DigitArch | { hidden: number[]; dropout: number };
  epochs: number;
  lr: number;
  batchSize: number;
  /** how many training digits to use (the first n of the fixed split); default all 8,000 */
  trainSize?: number;
  /** Adam's L2 penalty */
  weightDecay?: number;
  /**
   * measure the first n training digits after each epoch as the test digits are (eval mode: no dropout, the epoch's
   * final weights) instead of averaging over the epoch's batches while it trains; costs a forward pass over them
   */
  evalTrain?: number;
  seed: number;
  /** send the weights about this often while training (ms) */
  snapshotMs?: number;
}

export type WorkerMessage =
  /** the worker listens (its imports have loaded: a message sent before this may be lost) */
  | { type: 'ready' }
  | { type: 'loaded'; train: number; test: number }
  | { type: 'step'; step: number; epoch: number; loss: number; samplesPerSecond: number }
  | { type: 'epoch'; epoch: number; trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number }
  | { type: 'weights'; step: number; bytes: Uint8Array }
  | { type: 'done'; step: number; testAccuracy: number; confusion: number[][]; bytes: Uint8Array; stopped: boolean }
  | { type: 'error'; message: string };

export type PageMessage = TrainRequest | { type: 'stop' };
