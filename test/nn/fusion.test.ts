/**
 * Fusion as a rewrite of a Sequential's children (src/nn/fusion.ts): the plan is made once and made again when the
 * children change (added, replaced, or given a forward of their own), so a fused run always matches its layers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualSeed, randn, type Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import { FUSIONS, fusionPlan } from '../../src/nn/fusion.js';

/** Counts the fused Linear+ReLU calls made while f runs. */
function fusedCalls(f: () => void): number {
  const own = nn.Linear.prototype.forwardRelu;
  let n = 0;
  nn.Linear.prototype.forwardRelu = function (this: nn.Linear, x: Tensor) {
    n++;
    return own.call(this, x);
  };
  try {
    f();
  } finally {
    nn.Linear.prototype.forwardRelu = own;
  }
  return n;
}

describe('fusion plans', () => {
  it('the rules are a list, today Linear+ReLU', () => {
    assert.deepEqual(FUSIONS.map((r) => r.name), ['Linear+ReLU']);
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1), new nn.Sigmoid());
    assert.deepEqual(fusionPlan(seq, seq.children()).map((s) => [s.rule?.name ?? null, s.layers.length]), [['Linear+ReLU', 2], [null, 1], [null, 1]]);
    // asked again for the same children, the same plan
    assert.equal(fusionPlan(seq, seq.children()), fusionPlan(seq, seq.children()));
  });

  it('is made again when a child is pushed, replaced or given a forward of its own', () => {
    manualSeed(4);
    const x = randn([3, 2]);
    const seq = new nn.Sequential(new nn.Linear(2, 3));
    assert.equal(fusedCalls(() => seq.forward(x)), 0);
    seq.push(new nn.ReLU());
    assert.equal(fusedCalls(() => seq.forward(x)), 1, 'a ReLU pushed after the Linear fuses with it');
    let seen = 0;
    class Watched extends nn.ReLU {
      override forward(t: Tensor): Tensor {
        seen++;
        return super.forward(t);
      }
    }
    (seq as unknown as Record<string, nn.Module>)['1'] = new Watched();
    assert.equal(fusedCalls(() => seq.forward(x)), 0, 'a replaced child runs its own forward');
    assert.equal(seen, 1);
    (seq as unknown as Record<string, nn.Module>)['1'] = new nn.ReLU();
    assert.equal(fusedCalls(() => seq.forward(x)), 1);
    const linear = seq.at(0) as nn.Linear;
    let watched = 0;
    const own = linear.forward.bind(linear);
    linear.forward = (t: Tensor) => {
      watched++;
      return own(t);
    };
    assert.equal(fusedCalls(() => seq.forward(x)), 0, 'a forward replaced on the instance after a run is honoured');
    assert.equal(watched, 1);
  });
});
