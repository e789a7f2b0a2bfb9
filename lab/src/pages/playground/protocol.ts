/** What the Playground's page and its worker (worker.ts) say to each other, and the grids they share. */
import type { Point, Recipe } from './recipe.js';

/** The output's grid over the data area, and the neurons' (every other cell of it). */
export const GRID = 64;
export const NODE_GRID = 32;
/** The data area is [-EXTENT, EXTENT] in both coordinates. */
export const EXTENT = 6;

export type ToWorker =
  | { type: 'configure'; generation: number; recipe: Recipe; points: Point[] }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'setWeight'; layer: number; row: number; col: number; value: number }
  | { type: 'drawn' };

export interface Snapshot {
  type: 'snapshot';
  /** which configure this belongs to: the page drops snapshots of an older set-up */
  generation: number;
  /** whether the worker was playing when it took this (after a pause, the last steps arrive in one with false) */
  playing: boolean;
  step: number;
  epoch: number;
  trainLoss: number | null;
  testLoss: number | null;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  /**
   * GRID x GRID, row 0 at the top (x2 = EXTENT): the probability of class 1 for classification, the value for
   * regression
   */
  output: Float32Array;
  /** per column of the network (the input features, then each hidden layer), per node: NODE_GRID x NODE_GRID values */
  nodes: Float32Array[][];
  /** per Linear layer: the weights [out, in] row by row, and the biases */
  weights: Float32Array[];
  biases: Float32Array[];
  /** only in the first snapshot after a configure: the split the worker made */
  split?: { train: Point[]; test: Point[] };
}

export type FromWorker =
  | { type: 'ready'; backend: string }
  | Snapshot
  | { type: 'error'; message: string };
