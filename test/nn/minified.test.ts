/**
 * A minified bundle renames classes: the layers' type names must not come from `constructor.name`. A child process
 * loads the library through a hook that turns every class declaration in dist/src/nn into a class expression named
 * 'xs' (as a minifier does, before anything registers), then prints, saves, reloads and runs models.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const HOOK = `
export async function load(url, context, next) {
  const result = await next(url, context);
  if (!url.includes('/dist/src/nn/')) return result;
  const source = String(result.source).replace(/^(export )?class (\\w+)( extends [\\w.]+)? \\{/gm,
    (_, exp, name, ext) => (exp ?? '') + 'const ' + name + ' = class xs' + (ext ?? '') + ' {');
  return { ...result, source };
}`;

const CHILD = `
import assert from 'node:assert/strict';
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));
const src = ${JSON.stringify(new URL('../../src/', import.meta.url).href)};
const { nn, models, modelToBytes, modelFromBytes, manualSeed, noGrad, randn } = await import(src + 'index.js');
const { keepsTensors } = await import(src + 'nn/registry.js');
for (const cls of [nn.Module, nn.Linear, nn.Conv2d, nn.Sequential, nn.ReLU, nn.RandomShift]) assert.equal(cls.name, 'xs', 'the hook renamed the classes');
manualSeed(5);
const model = models.digitsCnn().eval();
const every = new nn.ModuleDict({
  conv1: new nn.Conv1d(2, 2, 3), convT: new nn.ConvTranspose2d(2, 2, 3), avg: new nn.AvgPool2d(2), adaptive: new nn.AdaptiveAvgPool2d(1),
  unflatten: new nn.Unflatten(1, [2, 2]), bn1: new nn.BatchNorm1d(2), bn2: new nn.BatchNorm2d(2), ln: new nn.LayerNorm(2),
  emb: new nn.Embedding(3, 2), list: new nn.ModuleList([new nn.Identity(), new nn.Sigmoid(), new nn.Tanh(), new nn.GELU()]),
  acts: new nn.Sequential(new nn.LeakyReLU(), new nn.ELU(), new nn.Softplus(), new nn.Softmax(), new nn.LogSoftmax()),
});
for (const m of [model, every]) {
  const text = m.toString();
  assert.doesNotMatch(text, /xs/, text);
  const loaded = modelFromBytes(modelToBytes(m)).model;
  assert.equal(loaded.toString(), text);
  assert.deepEqual(loaded.config(), m.config());
  assert.doesNotMatch(JSON.stringify(m.config()), /xs/);
}
assert.match(model.toString(), /^Sequential\\(\\n  \\(0\\): RandomShift\\(maxShift=1\\)\\n  \\(1\\): Conv2d\\(1, 16, kernelSize=5/);
const x = randn([2, 1, 28, 28]);
const loaded = modelFromBytes(modelToBytes(model)).model;
assert.deepEqual(Array.from(noGrad(() => loaded.forward(x)).data()), Array.from(noGrad(() => model.forward(x)).data()));
assert.equal(keepsTensors(new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU())), false, 'early release still applies');
assert.throws(() => new nn.BatchNorm2d(2).forward(randn([1, 3, 2, 2])), /^RangeError: BatchNorm2d: expected input with 4 dims and 2 channels/);
assert.throws(() => new nn.Conv2d(0, 1, 3), /^RangeError: Conv2d: inChannels must be a positive integer, got 0/);
assert.throws(() => nn.moduleFromConfig({ type: 'xs' }), /unknown module type 'xs'/);
console.log('ok');
process.exit(0);
`;

test('a minified build (every nn class renamed) prints, saves and reloads models by their declared names', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, /ok/);
});
