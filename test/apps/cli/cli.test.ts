/** The `myelin` command as a user runs it: a child process, its output and its exit code. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const cli = join(root, 'dist/src/apps/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'myelin-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function myelin(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('myelin CLI', () => {
  it('stops quietly when the reader of its output goes away (myelin --help | true)', () => {
    // `true` exits without reading, so the pipe is closed before the command's first write
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cli}" --help | true; echo "status \${PIPESTATUS[0]}"`], { cwd: work, encoding: 'utf8' });
    assert.equal(r.stderr, '', 'no stack trace');
    assert.match(r.stdout, /status 0/);
  });

  it('prints its version and help', () => {
    const v = myelin('--version');
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
    const h = myelin('--help');
    assert.equal(h.code, 0);
    for (const cmd of ['train mnist', 'train spam', 'train xor', 'eval FILE', 'predict FILE IMAGE.png', 'info FILE']) assert.ok(h.stdout.includes(cmd), cmd);
  });

  it('runs as an executable, the way npx myelin and the package bin start it', { skip: process.platform === 'win32' }, () => {
    const r = spawnSync(cli, ['--version'], { cwd: work, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.error, undefined, `${cli} could not be executed (npm run build makes it executable): ${r.error?.message}`);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('rejects bad commands and flags with one line and a non-zero exit', () => {
    for (const args of [['frobnicate'], ['train'], ['train', 'mnist', '--model', 'rnn'], ['train', 'xor', '--epochs', 'ten'], ['train', 'xor', '--bogus'], ['train', 'xor', '--lr'], ['train', 'mnist', '--lesson', '--model', 'cnn'], ['train', 'spam', '--lesson']]) {
      const r = myelin(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^myelin: /);
    }
    const missing = myelin('eval', 'nope.safetensors');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^myelin: cannot read 'nope.safetensors': no such file\n$/);
  });

  it('train xor learns XOR and reports JSON; info and eval read the saved model', () => {
    const r = myelin('train', 'xor', '--json', '--out', 'xor.safetensors');
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    const summary = lines[lines.length - 1];
    assert.deepEqual(Object.keys(summary).sort(), ['epochs', 'model', 'out', 'samples_per_s', 'task', 'test_accuracy', 'train_loss']);
    assert.equal(summary.task, 'xor');
    assert.ok((summary.train_loss as number) < 0.01, `mse ${summary.train_loss}`);
    assert.equal(summary.test_accuracy, 1);
    const info = myelin('info', 'xor.safetensors', '--json');
    assert.equal(info.code, 0, info.stderr);
    const i = JSON.parse(info.stdout) as { parameters: number; architecture: string; metadata: Record<string, string> };
    assert.equal(i.parameters, 2 * 4 + 4 + 4 + 1);
    assert.match(i.architecture, /Linear\(inFeatures=2, outFeatures=4/);
    assert.equal(i.metadata.task, 'xor');
    const ev = myelin('eval', 'xor.safetensors', '--json');
    assert.equal(ev.code, 0, ev.stderr);
    assert.equal((JSON.parse(ev.stdout) as { accuracy: number }).accuracy, 1);
    // predict refuses a model that is not a digit classifier
    const p = myelin('predict', 'xor.safetensors', join(root, 'examples/digits/7.png'));
    assert.equal(p.code, 1);
    assert.match(p.stderr, /not a digit classifier/);
  });

  it('train mnist (lesson network, one epoch) saves a model that predict and eval use', () => {
    const r = myelin('train', 'mnist', '--lesson', '--epochs', '1', '--json', '--out', 'lesson.safetensors');
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.equal(lines.length, 2); // one epoch line, one summary
    assert.equal(lines[0].epoch, 1);
    const summary = lines[1];
    assert.equal(summary.task, 'mnist');
    assert.equal(summary.model, 'lesson');
    assert.ok((summary.test_accuracy as number) > 0.6, `accuracy after one epoch ${summary.test_accuracy}`);
    assert.ok(readdirSync(work).includes('lesson.safetensors'));
    assert.ok(!readdirSync(work).some((f) => f.endsWith('.tmp')), 'no temp files left');

    const p = myelin('predict', 'lesson.safetensors', join(root, 'examples/digits/7.png'), '--json');
    assert.equal(p.code, 0, p.stderr);
    const top = (JSON.parse(p.stdout) as { top: { class: number; probability: number }[] }).top;
    assert.equal(top.length, 3);
    assert.ok(top[0].probability >= top[1].probability && top[1].probability >= top[2].probability);
    const sum = top.reduce((s, t) => s + t.probability, 0);
    assert.ok(sum > 0 && sum <= 1.000001);

    const bad = join(work, 'not-a-png.png');
    writeFileSync(bad, 'hello');
    const pb = myelin('predict', 'lesson.safetensors', bad);
    assert.equal(pb.code, 1);
    assert.match(pb.stderr, /^myelin: .*not-a-png\.png': png: /);
    const pm = myelin('predict', 'lesson.safetensors', 'missing.png');
    assert.equal(pm.code, 1);
    assert.match(pm.stderr, /cannot read image 'missing.png'/);

    const ev = myelin('eval', 'lesson.safetensors', '--json');
    assert.equal(ev.code, 0, ev.stderr);
    const e = JSON.parse(ev.stdout) as { accuracy: number; samples: number; confusion_matrix: number[][] };
    assert.equal(e.samples, 2000);
    assert.ok(Math.abs(e.accuracy - (summary.test_accuracy as number)) < 1e-4, 'eval agrees with the accuracy train reported');
    assert.equal(e.confusion_matrix.flat().reduce((a, b) => a + b, 0), 2000);
  });

  it('a corrupt model file gives a clear error, not a crash', () => {
    writeFileSync(join(work, 'corrupt.safetensors'), Buffer.from([255, 255, 255, 255, 0, 0, 0, 0, 123]));
    const r = myelin('info', 'corrupt.safetensors');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^myelin: safetensors: /);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});

it('the library version equals package.json\'s', async () => {
  const { version } = await import('../../../src/version.js');
  const { readFileSync } = await import('node:fs');
  assert.equal(version, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
});
