/**
 * The Playground's program: the datasets, the input features, the network, the optimiser and one training step. The
 * page's worker runs these functions, and "Show the code" (code.ts) copies them, as text, into the program it shows:
 * the code a learner takes home is the code that trained the network on the page. So this file imports nothing but
 * 'myelin', and every top-level declaration starts at the beginning of a line, after its own comment (code.ts picks
 * declarations by name and follows the names they use).
 */
import { Generator, manualSeed, nn, noGrad, optim, tensor, type Tensor } from 'myelin';

/** Classification: labels 0 and 1. Regression: a value, about -1 to 1. */
export type Problem = 'classification' | 'regression';
export type DatasetName = 'circle' | 'xor' | 'gaussians' | 'spiral' | 'plane' | 'bumps' | 'custom';
export type Feature = 'x1' | 'x2' | 'x1sq' | 'x2sq' | 'x1x2' | 'sinx1' | 'sinx2';
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'linear';
export type OptimizerName = 'sgd' | 'momentum' | 'adam';
export type Regularization = 'none' | 'l1' | 'l2';

/** Everything that decides what is trained, and how. */
export interface Recipe {
  problem: Problem;
  dataset: DatasetName;
  /** 0 to 0.5 */
  noise: number;
  /** the part of the points that is trained on; the rest is the test set */
  trainFraction: number;
  batchSize: number;
  features: Feature[];
  /** neurons in each hidden layer */
  hidden: number[];
  activation: Activation;
  learningRate: number;
  optimizer: OptimizerName;
  regularization: Regularization;
  regularizationRate: number;
  /** the dropout rate after every hidden layer */
  dropout: number;
  seed: number;
}

/** A point of the data area, [-6, 6] x [-6, 6], with its label (0 or 1) or its value. */
export interface Point {
  x1: number;
  x2: number;
  label: number;
}

/** How many points a dataset has. */
export const POINTS = 500;

// A number drawn uniformly from [low, high).
function uniform(rng: Generator, low: number, high: number): number {
  return low + (high - low) * rng.random();
}

/** Label 1 inside a circle of radius 2.5, label 0 on a ring from 3.5 to 5 around it. */
export function circle(n: number, noise: number, rng: Generator): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const inside = i < n / 2;
    const r = inside ? uniform(rng, 0, 2.5) : uniform(rng, 3.5, 5);
    const angle = uniform(rng, 0, 2 * Math.PI);
    const x1 = r * Math.sin(angle);
    const x2 = r * Math.cos(angle);
    // with noise, a point is labelled by where it would have been
    const d = Math.hypot(x1 + uniform(rng, -5, 5) * noise, x2 + uniform(rng, -5, 5) * noise);
    points.push({ x1, x2, label: d < 2.5 ? 1 : 0 });
  }
  return points;
}

/** Label 1 where x1 and x2 have the same sign (the quadrants top right and bottom left), else 0. */
export function xor(n: number, noise: number, rng: Generator): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    let x1 = uniform(rng, -5, 5);
    let x2 = uniform(rng, -5, 5);
    // keep the points off the axes
    x1 += x1 > 0 ? 0.3 : -0.3;
    x2 += x2 > 0 ? 0.3 : -0.3;
    const same = (x1 + uniform(rng, -5, 5) * noise) * (x2 + uniform(rng, -5, 5) * noise) >= 0;
    points.push({ x1, x2, label: same ? 1 : 0 });
  }
  return points;
}

/** Two round clouds: label 1 around (2, 2), label 0 around (-2, -2); noise widens them until they overlap. */
export function gaussians(n: number, noise: number, rng: Generator): Point[] {
  const points: Point[] = [];
  const spread = Math.sqrt(0.5 + 7 * noise);
  for (let i = 0; i < n; i++) {
    const label = i < n / 2 ? 1 : 0;
    const centre = label === 1 ? 2 : -2;
    points.push({ x1: centre + spread * rng.normal(), x2: centre + spread * rng.normal(), label });
  }
  return points;
}

/** Two interleaved spiral arms, label 1 and label 0. */
export function spiral(n: number, noise: number, rng: Generator): Point[] {
  const points: Point[] = [];
  const half = Math.floor(n / 2);
  for (const [label, turn] of [[1, 0], [0, Math.PI]]) {
    for (let i = 0; i < half; i++) {
      const r = (5 * i) / half;
      const t = (1.75 * 2 * Math.PI * i) / half + turn;
      points.push({
        x1: r * Math.sin(t) + uniform(rng, -1, 1) * 2 * noise,
        x2: r * Math.cos(t) + uniform(rng, -1, 1) * 2 * noise,
        label,
      });
    }
  }
  return points;
}

/** Regression: the value rises evenly from -1 at the bottom left to 1 at the top right. */
export function plane(n: number, noise: number, rng: Generator): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = uniform(rng, -6, 6);
    const x2 = uniform(rng, -6, 6);
    const label = (x1 + uniform(rng, -6, 6) * noise + x2 + uniform(rng, -6, 6) * noise) / 12;
    points.push({ x1, x2, label });
  }
  return points;
}

/** Regression: six Gaussian bumps, three up and three down, in two rows. */
export function bumps(n: number, noise: number, rng: Generator): Point[] {
  const centres = [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]];
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = uniform(rng, -6, 6);
    const x2 = uniform(rng, -6, 6);
    const n1 = x1 + uniform(rng, -6, 6) * noise;
    const n2 = x2 + uniform(rng, -6, 6) * noise;
    let label = 0;
    for (const [c1, c2, sign] of centres) label += sign * Math.exp(-((n1 - c1) ** 2 + (n2 - c2) ** 2) / 3);
    points.push({ x1, x2, label });
  }
  return points;
}

/** The generated datasets by name ('custom' is the points a learner draws). */
export const DATASETS: Record<Exclude<DatasetName, 'custom'>, (n: number, noise: number, rng: Generator) => Point[]> = {
  circle, xor, gaussians, spiral, plane, bumps,
};

/** What the network sees of a point: the input features, computed from its two coordinates. */
export const FEATURES: Record<Feature, (x1: number, x2: number) => number> = {
  x1: (x1) => x1,
  x2: (_, x2) => x2,
  x1sq: (x1) => x1 * x1,
  x2sq: (_, x2) => x2 * x2,
  x1x2: (x1, x2) => x1 * x2,
  sinx1: (x1) => Math.sin(x1),
  sinx2: (_, x2) => Math.sin(x2),
};

/** The chosen features of one point, in the order given. */
export function featureRow(x1: number, x2: number, features: Feature[]): number[] {
  return features.map((f) => FEATURES[f](x1, x2));
}

/** Points as tensors: x is [n, features], y is [n, 1] (labels or values). */
export interface Data {
  points: Point[];
  rows: number[][];
  x: Tensor;
  y: Tensor;
}

/** The points' features and labels, as the network takes them. */
export function toData(points: Point[], features: Feature[]): Data {
  const rows = points.map((p) => featureRow(p.x1, p.x2, features));
  return {
    points,
    rows,
    x: tensor(rows.flat(), { shape: [points.length, features.length] }),
    y: tensor(points.map((p) => p.label), { shape: [points.length, 1] }),
  };
}

/** A shuffled copy (Fisher-Yates). */
export function shuffled<T>(items: T[], rng: Generator): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * The network: for every hidden layer a Linear layer, its activation and (when the rate is above 0) dropout; then a
 * Linear layer to one output, with no activation (a logit for classification, the value for regression).
 */
export function makeNetwork(inputs: number, hidden: number[], activation: Activation, dropout: number): nn.Sequential {
  const model = new nn.Sequential();
  let width = inputs;
  for (const neurons of hidden) {
    model.push(new nn.Linear(width, neurons));
    if (activation === 'relu') model.push(new nn.ReLU());
    if (activation === 'tanh') model.push(new nn.Tanh());
    if (activation === 'sigmoid') model.push(new nn.Sigmoid());
    if (dropout > 0) model.push(new nn.Dropout(dropout));
    width = neurons;
  }
  model.push(new nn.Linear(width, 1));
  return model;
}

/** The weight matrices (not the biases): what regularisation keeps small. */
export function weightsOf(model: nn.Sequential): Tensor[] {
  return model.parameters().filter((p) => p.ndim === 2);
}

/** The optimiser; L2 regularisation is weight decay on the weights. */
export function makeOptimizer(model: nn.Sequential, recipe: Recipe): optim.Optimizer {
  const weights = weightsOf(model);
  const biases = model.parameters().filter((p) => p.ndim === 1);
  const decay = recipe.regularization === 'l2' ? recipe.regularizationRate : 0;
  const groups = [{ params: weights, weightDecay: decay }, { params: biases, weightDecay: 0 }];
  const lr = recipe.learningRate;
  if (recipe.optimizer === 'sgd') return new optim.SGD(groups, { lr });
  if (recipe.optimizer === 'momentum') return new optim.SGD(groups, { lr, momentum: 0.9 });
  return new optim.Adam(groups, { lr });
}

/** Binary cross-entropy on the logits for classification, mean squared error for regression. */
export function dataLoss(output: Tensor, target: Tensor, problem: Problem): Tensor {
  return problem === 'classification'
    ? nn.F.binaryCrossEntropyWithLogits(output, target)
    : nn.F.mseLoss(output, target);
}

/** A network in training: its data, its optimiser and where it is in the current epoch. */
export interface Training {
  recipe: Recipe;
  model: nn.Sequential;
  optimizer: optim.Optimizer;
  train: Data;
  test: Data;
  /** this epoch's order of the training points, and how far the steps have come through it */
  order: number[];
  position: number;
  /** steps (batches) and whole passes through the training points so far */
  step: number;
  epoch: number;
  rng: Generator;
}

/**
 * Splits the points into a training and a test set, seeds the weights and builds the network and its optimiser. With
 * the same recipe and points, it starts the same training every time.
 */
export function startTraining(recipe: Recipe, points: Point[]): Training {
  const rng = new Generator(recipe.seed + 1);
  const mixed = shuffled(points, rng);
  const nTrain = mixed.length === 0 ? 0 : Math.min(mixed.length, Math.max(1, Math.round(mixed.length * recipe.trainFraction)));
  manualSeed(recipe.seed);
  const model = makeNetwork(recipe.features.length, recipe.hidden, recipe.activation, recipe.dropout);
  const train = toData(mixed.slice(0, nTrain), recipe.features);
  return {
    recipe, model, optimizer: makeOptimizer(model, recipe), train, test: toData(mixed.slice(nTrain), recipe.features),
    order: shuffled(train.rows.map((_, i) => i), rng), position: 0, step: 0, epoch: 0, rng,
  };
}

/** One step: the next batch of training points, the loss (plus the L1 penalty), its gradients, an update. */
export function trainStep(run: Training): number {
  const { recipe, model, optimizer, train } = run;
  if (run.order.length === 0) return NaN;
  const batch = run.order.slice(run.position, run.position + recipe.batchSize);
  run.position += batch.length;
  const x = tensor(batch.flatMap((i) => train.rows[i]), { shape: [batch.length, recipe.features.length] });
  const y = tensor(batch.map((i) => train.points[i].label), { shape: [batch.length, 1] });
  model.train();
  optimizer.zeroGrad();
  let loss = dataLoss(model.forward(x), y, recipe.problem);
  const value = loss.item();
  if (recipe.regularization === 'l1' && recipe.regularizationRate > 0) {
    const penalty = weightsOf(model).map((w) => w.abs().sum()).reduce((a, b) => a.add(b));
    loss = loss.add(penalty.mul(recipe.regularizationRate));
  }
  loss.backward();
  optimizer.step();
  run.step++;
  if (run.position >= run.order.length) {
    run.epoch++;
    run.position = 0;
    run.order = shuffled(run.order, run.rng);
  }
  return value;
}

/** The loss on a set of points and, for classification, the share the network gets right (null for regression). */
export function evaluate(model: nn.Sequential, data: Data, problem: Problem): { loss: number; accuracy: number | null } {
  if (data.points.length === 0) return { loss: NaN, accuracy: null };
  model.eval();
  return noGrad(() => {
    const output = model.forward(data.x);
    const loss = dataLoss(output, data.y, problem).item();
    if (problem === 'regression') return { loss, accuracy: null };
    const predicted = output.data();
    let right = 0;
    data.points.forEach((p, i) => {
      if ((predicted[i] > 0 ? 1 : 0) === p.label) right++;
    });
    return { loss, accuracy: right / data.points.length };
  });
}
