/** Shapes of benchmark results. */
import type { TF, TfBackend } from './tfjs.js';

export type ImplId = 'myelin' | 'tfjs-cpu' | 'tfjs-wasm';

/** One measured figure, or why there is none. */
export type Cell = { value: number; note?: string } | { na: string };

export interface Metric {
  key: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
}

export interface Workload {
  name: string;
  description: string;
  metrics: Metric[];
  myelin(): Promise<Record<string, Cell>>;
  tfjs(tf: TF, backend: TfBackend): Promise<Record<string, Cell>>;
}

export interface Row {
  workload: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  cells: Record<ImplId, Cell>;
  /** Myelin / peer for each peer with a figure. */
  ratios: Partial<Record<Exclude<ImplId, 'myelin'>, number>>;
}

export const isNa = (c: Cell): c is { na: string } => 'na' in c;
