/**
 * The shipped typings compile in a strict Node project that has neither the DOM lib nor skipLibCheck (only ES2022 and
 * @types/node), and `load(path, { into })` is typed as the model passed in.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

test('the typings type-check in a strict Node project without the DOM lib', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-typings-'));
  try {
    const entry = JSON.stringify(join(ROOT, 'dist/src/index.js'));
    writeFileSync(join(dir, 'main.ts'), `
import { load, nn, tensor, type Tensor } from ${entry};
class Net extends nn.Module {
  fc = new nn.Linear(2, 1);
  forward(x: Tensor): Tensor { return this.fc.forward(x); }
}
export async function run(path: string): Promise<number[]> {
  const net: Net = await load(path, { into: new Net() });
  return Array.from(net.forward(tensor([[1, 2]])).data());
}
`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        lib: ['ES2022'], types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')], skipLibCheck: false,
      },
      files: ['main.ts'],
    }));
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
