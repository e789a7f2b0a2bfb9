import type { Conv2dParams, View } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';

export function conv2dKernel(_x: View, _w: View, _p: Conv2dParams): TypedArray {
  throw new Error('conv2d: not implemented yet');
}
export function conv2dBackwardInputKernel(_g: View, _w: View, _inputShape: Shape, _p: Conv2dParams): TypedArray {
  throw new Error('conv2d: not implemented yet');
}
export function conv2dBackwardWeightKernel(_x: View, _g: View, _weightShape: Shape, _p: Conv2dParams): TypedArray {
  throw new Error('conv2d: not implemented yet');
}
