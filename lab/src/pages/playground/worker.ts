/**
 * The Playground's worker: it holds the Myelin model (wasm backend) and trains it with recipe.ts's functions, the
 * same ones "Show the code" prints. While playing it runs steps for about a frame at a time and sends a snapshot
 * (losses, the output and every neuron over the data area, the weights) whenever the page has drawn the last one.
 */
import { Generator, getBackend, nn, noGrad, setNumThreads, sigmoid, tensor, type Tensor } from 'myelin';
import { EXTENT, GRID, NODE_GRID, type FromWorker, type Snapshot, type ToWorker } from './protocol.js';
import { DATASETS, evaluate, featureRow, POINTS, startTraining, trainStep, type Recipe, type Training } from './recipe.js';

const port = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
};

// the networks are tiny: one thread is faster than waking a pool for each product
setNumThreads(1);

let run: Training | null = null;
let generation = 0;
let playing = false;
let pageReady = true;
/** steps were taken since the last snapshot while the page was still drawing */
let unsent = false;
let grid: Tensor | null = null;
let splitToSend: Snapshot['split'];

function linears(model: nn.Sequential): nn.Linear[] {
  return model.children().filter((m): m is nn.Linear => m instanceof nn.Linear);
}

/** The feature rows of the grid's cell centres, row 0 at the top. */
function gridTensor(recipe: Recipe): Tensor {
  const rows: number[] = [];
  for (let r = 0; r < GRID; r++) {
    for (let c = 0; c < GRID; c++) {
      const x1 = -EXTENT + ((c + 0.5) * 2 * EXTENT) / GRID;
      const x2 = EXTENT - ((r + 0.5) * 2 * EXTENT) / GRID;
      rows.push(...featureRow(x1, x2, recipe.features));
    }
  }
  return tensor(rows, { shape: [GRID * GRID, recipe.features.length] });
}

/** Every other cell of a [GRID*GRID, width] block, one map per column. */
function nodeMaps(values: ArrayLike<number>, width: number): Float32Array[] {
  const maps = Array.from({ length: width }, () => new Float32Array(NODE_GRID * NODE_GRID));
  const step = GRID / NODE_GRID;
  const offset = step >> 1;
  for (let r = 0; r < NODE_GRID; r++) {
    for (let c = 0; c < NODE_GRID; c++) {
      const base = ((r * step + offset) * GRID + c * step + offset) * width;
      for (let k = 0; k < width; k++) maps[k][r * NODE_GRID + c] = values[base + k];
    }
  }
  return maps;
}

function snapshot(): Snapshot {
  const r = run!;
  const { recipe, model } = r;
  const train = evaluate(model, r.train, recipe.problem);
  const test = evaluate(model, r.test, recipe.problem);
  model.eval();
  const nodes: Float32Array[][] = [];
  let output = new Float32Array(GRID * GRID);
  noGrad(() => {
    let x = grid!;
    nodes.push(nodeMaps(x.data(), recipe.features.length));
    const layers = model.children();
    layers.forEach((m, i) => {
      x = m.forward(x) as Tensor;
      // a hidden layer's neurons: what its activation (and, in training only, dropout) gives the next Linear layer
      const next = layers[i + 1];
      if (i < layers.length - 1 && next instanceof nn.Linear) nodes.push(nodeMaps(x.data(), x.shape[1]));
    });
    output = Float32Array.from((recipe.problem === 'classification' ? sigmoid(x) : x).data());
  });
  nodes.push(nodeMaps(output, 1));
  const ls = linears(model);
  const snap: Snapshot = {
    type: 'snapshot', generation, playing, step: r.step, epoch: r.epoch,
    trainLoss: finiteOrNull(train.loss), testLoss: finiteOrNull(test.loss),
    trainAccuracy: train.accuracy, testAccuracy: test.accuracy,
    output, nodes,
    weights: ls.map((l) => Float32Array.from(l.weight.data())),
    biases: ls.map((l) => Float32Array.from(l.bias!.data())),
  };
  if (splitToSend) {
    snap.split = splitToSend;
    splitToSend = undefined;
  }
  return snap;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function send(): void {
  if (!run) return;
  const s = snapshot();
  pageReady = false;
  unsent = false;
  port.postMessage(s, [s.output.buffer, ...s.nodes.flat().map((m) => m.buffer), ...s.weights.map((w) => w.buffer), ...s.biases.map((b) => b.buffer)]);
}

// zero-delay turns of the event loop (setTimeout clamps nested calls to 4 ms), so messages get through between chunks
const tick = new MessageChannel();
let scheduled = false;
tick.port1.onmessage = () => {
  scheduled = false;
  loop();
};
function schedule(): void {
  if (!scheduled) {
    scheduled = true;
    tick.port2.postMessage(null);
  }
}

function loop(): void {
  if (!playing || !run || run.order.length === 0) return;
  try {
    const t0 = performance.now();
    do trainStep(run);
    while (performance.now() - t0 < 14);
    if (pageReady) send();
    else unsent = true;
  } catch (e) {
    playing = false;
    port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    return;
  }
  schedule();
}

function configure(msg: Extract<ToWorker, { type: 'configure' }>): void {
  generation = msg.generation;
  const { recipe } = msg;
  const points = recipe.dataset === 'custom' ? msg.points : DATASETS[recipe.dataset](POINTS, recipe.noise, new Generator(recipe.seed));
  run = startTraining(recipe, points);
  grid = gridTensor(recipe);
  splitToSend = { train: run.train.points, test: run.test.points };
  send();
}

port.onmessage = (e) => {
  const msg = e.data;
  try {
    switch (msg.type) {
      case 'configure':
        configure(msg);
        if (playing) schedule();
        break;
      case 'play':
        playing = true;
        schedule();
        break;
      case 'pause':
        playing = false;
        if (pageReady) send();
        else unsent = true;
        break;
      case 'step':
        playing = false;
        if (run && run.order.length > 0) trainStep(run);
        send();
        break;
      case 'setWeight': {
        const layer = run ? linears(run.model)[msg.layer] : undefined;
        if (!layer || !(msg.row >= 0 && msg.row < layer.outFeatures && msg.col >= 0 && msg.col < layer.inFeatures)) break;
        noGrad(() => {
          const values = Float32Array.from(layer.weight.data());
          values[msg.row * layer.inFeatures + msg.col] = msg.value;
          layer.weight.copy_(tensor(values, { shape: layer.weight.shape }));
        });
        send();
        break;
      }
      case 'drawn':
        pageReady = true;
        if (unsent && !playing) send();
        break;
    }
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};

port.postMessage({ type: 'ready', backend: getBackend().name });
