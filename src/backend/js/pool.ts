import type { Pool2dParams, View } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';

export function maxPool2dKernel(_x: View, _p: Pool2dParams, _oh: number, _ow: number): { out: TypedArray; indices: Int32Array } {
  throw new Error('maxPool2d: not implemented yet');
}
export function maxPool2dBackwardKernel(_g: View, _indices: View, _inputShape: Shape): TypedArray {
  throw new Error('maxPool2d: not implemented yet');
}
export function avgPool2dKernel(_x: View, _p: Pool2dParams, _oh: number, _ow: number): TypedArray {
  throw new Error('avgPool2d: not implemented yet');
}
export function avgPool2dBackwardKernel(_g: View, _inputShape: Shape, _p: Pool2dParams): TypedArray {
  throw new Error('avgPool2d: not implemented yet');
}
export function adaptiveAvgPool2dKernel(_x: View, _oh: number, _ow: number): TypedArray {
  throw new Error('adaptiveAvgPool2d: not implemented yet');
}
export function adaptiveAvgPool2dBackwardKernel(_g: View, _inputShape: Shape): TypedArray {
  throw new Error('adaptiveAvgPool2d: not implemented yet');
}
