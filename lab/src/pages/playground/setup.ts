/**
 * The Playground's set-up in the URL (#playground?dataset=circle&layers=4_4&...), so that a link gives the same data
 * and the same network: the Recipe, and the drawn points of the 'custom' dataset. Lists are joined with '_' (a
 * character URLSearchParams leaves as it is); commas are read too. Anything missing or out of range takes its default.
 */
import type { Activation, DatasetName, Feature, OptimizerName, Point, Problem, Recipe, Regularization } from './recipe.js';

export const FEATURE_NAMES: readonly Feature[] = ['x1', 'x2', 'x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2'];
export const CLASSIFICATION_DATASETS: readonly DatasetName[] = ['circle', 'xor', 'gaussians', 'spiral', 'custom'];
export const REGRESSION_DATASETS: readonly DatasetName[] = ['plane', 'bumps'];
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'sigmoid', 'linear'];
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'adam'];
export const REGULARIZATIONS: readonly Regularization[] = ['none', 'l1', 'l2'];
export const LEARNING_RATES: readonly number[] = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const REGULARIZATION_RATES: readonly number[] = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const DROPOUT_RATES: readonly number[] = [0, 0.1, 0.2, 0.3, 0.5];
export const MAX_LAYERS = 6;
export const MAX_NEURONS = 8;

export const DEFAULT_RECIPE: Readonly<Recipe> = Object.freeze<Recipe>({
  problem: 'classification',
  dataset: 'circle',
  noise: 0,
  trainFraction: 0.5,
  batchSize: 10,
  features: ['x1', 'x2'],
  hidden: [4, 4],
  activation: 'tanh',
  learningRate: 0.03,
  optimizer: 'adam',
  regularization: 'none',
  regularizationRate: 0,
  dropout: 0,
  seed: 1,
});

export function datasetsFor(problem: Problem): readonly DatasetName[] {
  return problem === 'classification' ? CLASSIFICATION_DATASETS : REGRESSION_DATASETS;
}

function list(s: string): string[] {
  return s.split(/[_,\s]+/).filter((x) => x !== '');
}

function oneOf<T extends string>(value: string | null, options: readonly T[], fallback: T): T {
  return value !== null && (options as readonly string[]).includes(value) ? (value as T) : fallback;
}

/** The option nearest to the value (by ratio; 0 only for 0), or the fallback. */
function nearest(value: string | null, options: readonly number[], fallback: number): number {
  const v = value === null || value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(v) || v < 0) return fallback;
  const distance = (o: number): number => (o === 0 || v === 0 ? (o === v ? 0 : Infinity) : Math.abs(Math.log(o / v)));
  const best = options.reduce((a, b) => (distance(b) < distance(a) ? b : a));
  return distance(best) < Infinity ? best : fallback;
}

function intIn(value: string | null, low: number, high: number, fallback: number): number {
  const v = value === null || value.trim() === '' ? NaN : Number(value);
  return Number.isInteger(v) && v >= low && v <= high ? v : fallback;
}

/** The set-up a URL describes. */
export function readParams(params: URLSearchParams): { recipe: Recipe; points: Point[] } {
  const d = DEFAULT_RECIPE;
  const problem = oneOf(params.get('problem'), ['classification', 'regression'] as const, d.problem);
  const datasets = datasetsFor(problem);
  const dataset = oneOf(params.get('dataset'), datasets, datasets[0]);
  const features = FEATURE_NAMES.filter((f) => list(params.get('features') ?? '').includes(f));
  const layers = params.get('layers');
  const hidden = layers === null ? d.hidden.slice() : list(layers).map(Number);
  const recipe: Recipe = {
    problem,
    dataset,
    noise: intIn(params.get('noise'), 0, 50, 0) / 100,
    trainFraction: intIn(params.get('split'), 10, 90, 50) / 100,
    batchSize: intIn(params.get('batch'), 1, 30, d.batchSize),
    features: features.length > 0 ? features : d.features.slice(),
    hidden: hidden.length <= MAX_LAYERS && hidden.every((n) => Number.isInteger(n) && n >= 1 && n <= MAX_NEURONS) ? hidden : d.hidden.slice(),
    activation: oneOf(params.get('activation'), ACTIVATIONS, d.activation),
    learningRate: nearest(params.get('lr'), LEARNING_RATES, d.learningRate),
    optimizer: oneOf(params.get('optimizer'), OPTIMIZERS, d.optimizer),
    regularization: oneOf(params.get('reg'), REGULARIZATIONS, d.regularization),
    regularizationRate: nearest(params.get('regRate'), REGULARIZATION_RATES, d.regularizationRate),
    dropout: nearest(params.get('dropout'), DROPOUT_RATES, d.dropout),
    seed: intIn(params.get('seed'), 0, 999_999, d.seed),
  };
  const points: Point[] = [];
  const raw = list(params.get('points') ?? '').map(Number);
  for (let i = 0; i + 2 < raw.length; i += 3) {
    const [x1, x2, label] = raw.slice(i, i + 3);
    if (Math.abs(x1) <= 6 && Math.abs(x2) <= 6 && (label === 0 || label === 1)) points.push({ x1, x2, label });
  }
  return { recipe, points };
}

/** The URL's form of a set-up (readParams reads it back). */
export function writeParams(recipe: Recipe, points: readonly Point[]): URLSearchParams {
  const p = new URLSearchParams();
  p.set('problem', recipe.problem);
  p.set('dataset', recipe.dataset);
  p.set('noise', String(Math.round(recipe.noise * 100)));
  p.set('split', String(Math.round(recipe.trainFraction * 100)));
  p.set('batch', String(recipe.batchSize));
  p.set('features', recipe.features.join('_'));
  p.set('layers', recipe.hidden.join('_'));
  p.set('activation', recipe.activation);
  p.set('lr', String(recipe.learningRate));
  p.set('optimizer', recipe.optimizer);
  p.set('reg', recipe.regularization);
  p.set('regRate', String(recipe.regularizationRate));
  p.set('dropout', String(recipe.dropout));
  p.set('seed', String(recipe.seed));
  if (recipe.dataset === 'custom') p.set('points', points.map((q) => `${q.x1.toFixed(2)}_${q.x2.toFixed(2)}_${q.label}`).join('_'));
  return p;
}
