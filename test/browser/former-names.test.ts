/**
 * Type names the public entry still exports after a rename, as aliases of the new ones. The check is at compile
 * time: the build fails if an alias stops naming exactly its new type.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConvGeometryOptions, ConvOptions, nn } from '../../src/index.js';

/** true exactly when A and B are the same type. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

test('ConvOptions and nn.ConvOptions are the former names of ConvGeometryOptions and nn.ConvLayerOptions', () => {
  const geometry: Same<ConvOptions, ConvGeometryOptions> = true;
  const layer: Same<nn.ConvOptions, nn.ConvLayerOptions> = true;
  const distinct: Same<ConvGeometryOptions, nn.ConvLayerOptions> = false;
  assert.deepEqual([geometry, layer, distinct], [true, true, false]);
});
