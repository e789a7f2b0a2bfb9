#!/usr/bin/env node
/** The `myelin` command: train, evaluate, inspect and use models from a terminal. */
import '../../index.js'; // the library as a user's program loads it (the entry attaches the Tensor methods)
import { readFile, stat } from 'node:fs/promises';
import { datasets } from '../../data/index.js';
import { TfidfVectorizer } from '../../data/text.js';
import { decodePng } from '../image/png.js';
import { toMnistInput } from '../../data/image/preprocess.js';
import { loadModelWithMetadata } from '../../io/model-file.js';
import type { Module } from '../../nn/module.js';
import { softmax } from '../../ops/softmax.js';
import { tensor } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { evaluate, predict } from '../../train/fit.js';
import { confusionMatrix, metricByName, precisionRecallF1 } from '../../train/metrics.js';
import { getBackend } from '../../backend/backend.js';
import { version } from '../../version.js';
import { type FlagSpec, parseArgs, UsageError } from './args.js';
import { DIGIT_MODELS, formatConfusion, type Output, trainMnist, trainSpam, trainXor } from './tasks.js';

const HELP = `myelin ${version}: deep learning in TypeScript

Usage:
  myelin train mnist [--model mlp|cnn|lesson | --lesson] [--epochs N] [--batch-size N] [--lr X] [--seed N] [--out FILE] [--json]
  myelin train spam  [--epochs N] [--batch-size N] [--lr X] [--seed N] [--out FILE] [--json]
  myelin train xor   [--epochs N] [--lr X] [--seed N] [--out FILE] [--json]
  myelin eval FILE [--json]            evaluate a saved model on its task's held-out data
  myelin predict FILE IMAGE.png [--top N] [--json]
                                       classify a digit image of any size (mnist models)
  myelin info FILE [--json]            architecture, parameter count and metadata of a saved model
  myelin --version | --help

train mnist uses the 10,000 real handwritten digits bundled with the 'mnist' package (8,000 train / 2,000 test);
train spam uses the SpamAssassin corpus. Models are saved as safetensors (loadable in PyTorch by tensor name).
`;

const TRAIN_FLAGS: Record<string, FlagSpec> = {
  model: { type: 'string', choices: DIGIT_MODELS },
  lesson: { type: 'boolean' },
  epochs: { type: 'int' },
  'batch-size': { type: 'int' },
  lr: { type: 'number' },
  seed: { type: 'int' },
  out: { type: 'string' },
  json: { type: 'boolean' },
};

function output(json: boolean): Output {
  return {
    line: (text) => {
      if (!json) process.stdout.write(text + '\n');
    },
    json: (value) => process.stdout.write(JSON.stringify(value) + '\n'),
  };
}

async function train(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, TRAIN_FLAGS);
  const task = positionals[0];
  if (positionals.length !== 1) throw new UsageError(`train needs one task: mnist, spam or xor${positionals.length ? ` (got ${positionals.join(' ')})` : ''}`);
  if (flags.lesson) {
    if (flags.model !== undefined && flags.model !== 'lesson') throw new UsageError(`--lesson and --model ${flags.model} disagree`);
    flags.model = 'lesson'; // --lesson is short for --model lesson
  }
  if (flags.model !== undefined && task !== 'mnist') throw new UsageError('--model and --lesson apply to train mnist only');
  for (const k of ['epochs', 'batch-size'] as const) {
    if (flags[k] !== undefined && (flags[k] as number) < 1) throw new UsageError(`--${k} must be at least 1`);
  }
  if (flags.lr !== undefined && !((flags.lr as number) > 0)) throw new UsageError('--lr must be positive');
  const json = Boolean(flags.json);
  const trainFlags = {
    model: flags.model as string | undefined,
    epochs: flags.epochs as number | undefined,
    batchSize: flags['batch-size'] as number | undefined,
    lr: flags.lr as number | undefined,
    seed: (flags.seed as number | undefined) ?? 0,
    out: flags.out as string | undefined,
    json,
  };
  const out = output(json);
  if (!json) out.line(`Backend: ${getBackend().name}`);
  const run = { mnist: trainMnist, spam: trainSpam, xor: trainXor }[task];
  if (!run) throw new UsageError(`unknown task '${task}' (tasks: mnist, spam, xor)`);
  const summary = await run(trainFlags, out);
  if (json) out.json(summary);
}

async function loadForCli(file: string): Promise<{ model: Module; metadata: Record<string, string> }> {
  try {
    await stat(file);
  } catch {
    throw new Error(`cannot read '${file}': no such file`);
  }
  return loadModelWithMetadata(file);
}

async function evalCommand(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('eval needs one model file');
  const { model, metadata } = await loadForCli(positionals[0]);
  const json = Boolean(flags.json);
  const out = output(json);
  const task = metadata.task;
  if (task === 'mnist') {
    const { test } = datasets.mnist();
    const logs = evaluate(model, [test.images, test.labels], { metrics: ['accuracy'] });
    const cm = confusionMatrix(predict(model, test.images), test.labels, 10);
    if (json) out.json({ task, samples: test.labels.shape[0], loss: logs.loss, accuracy: logs.accuracy, confusion_matrix: cm });
    else {
      out.line(`mnist test set (${test.labels.shape[0]} digits): accuracy ${(100 * logs.accuracy).toFixed(2)}%, loss ${logs.loss.toFixed(4)}`);
      out.line(formatConfusion(cm, Array.from({ length: 10 }, (_, i) => String(i))));
    }
  } else if (task === 'spam') {
    const vectorizer = TfidfVectorizer.fromJSON(JSON.parse(metadata.vectorizer ?? 'null'));
    const { test } = datasets.spamAssassin();
    const x = vectorizer.transform(test.texts);
    const y = tensor(Array.from(test.labels), { dtype: 'float32' }).reshape([-1, 1]);
    const logits = predict(model, x);
    const prf = precisionRecallF1(logits, y, { threshold: 0 });
    const cm = confusionMatrix(logits, y, 2, { threshold: 0 });
    const accuracy = (cm[0][0] + cm[1][1]) / test.texts.length;
    if (json) out.json({ task, samples: test.texts.length, accuracy, precision: prf.precision, recall: prf.recall, f1: prf.f1, confusion_matrix: cm });
    else {
      out.line(`spam test set (${test.texts.length} emails): accuracy ${(100 * accuracy).toFixed(2)}%, precision ${prf.precision.toFixed(4)}, recall ${prf.recall.toFixed(4)}, F1 ${prf.f1.toFixed(4)}`);
      out.line(formatConfusion(cm, ['ham', 'spam']));
    }
  } else if (task === 'xor') {
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([[0], [1], [1], [0]]);
    const logs = evaluate(model, [x, y], { loss: 'mse', metrics: [metricByName('accuracy')] });
    if (json) out.json({ task, samples: 4, mse: logs.loss, accuracy: logs.accuracy });
    else out.line(`xor: mse ${logs.loss.toFixed(6)}, ${Math.round(logs.accuracy * 4)}/4 correct`);
  } else {
    throw new Error(`'${positionals[0]}' has no task recorded (it was not saved by 'myelin train'); evaluate it from code with evaluate()`);
  }
}

async function predictCommand(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { json: { type: 'boolean' }, top: { type: 'int' } });
  if (positionals.length !== 2) throw new UsageError('predict needs a model file and an image: myelin predict FILE IMAGE.png');
  const [file, imagePath] = positionals;
  const top = (flags.top as number | undefined) ?? 3;
  if (top < 1 || top > 10) throw new UsageError('--top must be between 1 and 10');
  const { model, metadata } = await loadForCli(file);
  if (metadata.task !== 'mnist') throw new Error(`'${file}' is not a digit classifier (task: ${metadata.task ?? 'unknown'}); predict takes models from 'myelin train mnist'`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(imagePath);
  } catch {
    throw new Error(`cannot read image '${imagePath}'`);
  }
  let pixels: Float32Array;
  try {
    pixels = toMnistInput(decodePng(bytes));
  } catch (e) {
    throw new Error(`'${imagePath}': ${(e as Error).message}`);
  }
  const input = new Tensor(getBackend().fromTypedArray(pixels, 'float32'), [1, 1, 28, 28]);
  const probs = softmax(predict(model, input), 1).data();
  const ranked = Array.from(probs, (p, c) => ({ class: c, probability: p })).sort((a, b) => b.probability - a.probability).slice(0, top);
  const out = output(Boolean(flags.json));
  if (flags.json) out.json({ top: ranked.map((r) => ({ class: r.class, probability: Number(r.probability.toFixed(6)) })) });
  else {
    out.line(`${imagePath}: looks like a ${ranked[0].class}`);
    for (const r of ranked) out.line(`  ${r.class}  ${(100 * r.probability).toFixed(2).padStart(6)}%`);
  }
}

async function infoCommand(argv: string[]): Promise<void> {
  const { positionals, flags } = parseArgs(argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('info needs one model file');
  const file = positionals[0];
  const { model, metadata } = await loadForCli(file);
  const parameters = model.parameters().reduce((n, p) => n + p.size, 0);
  const size = (await stat(file)).size;
  const shown = Object.fromEntries(Object.entries(metadata).filter(([k]) => k !== 'myelin.config' && k !== 'vectorizer'));
  const out = output(Boolean(flags.json));
  if (flags.json) out.json({ file, bytes: size, parameters, architecture: model.toString(), metadata: shown });
  else {
    out.line(`${file} (${size} bytes)`);
    out.line(model.toString()); // ends with the parameter count
    for (const [k, v] of Object.entries(shown)) out.line(`${k}: ${v}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(HELP);
        return 0;
      case '--version':
      case '-v':
        process.stdout.write(`${version}\n`);
        return 0;
      case 'train': await train(rest); return 0;
      case 'eval': await evalCommand(rest); return 0;
      case 'predict': await predictCommand(rest); return 0;
      case 'info': await infoCommand(rest); return 0;
      default:
        throw new UsageError(`unknown command '${command}' (commands: train, eval, predict, info; see myelin --help)`);
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`myelin: ${message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

// a reader that stops early (`myelin info m.safetensors | head`) closes the pipe: stop quietly, as Unix tools do
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(0);
});
process.exitCode = await main(process.argv.slice(2));
