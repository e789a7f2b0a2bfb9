/** The reference backend: plain TypeScript over typed arrays; float32, float64, int32 and bool. */
import type { Backend, BinaryOp, LinearActivation, Conv2dParams, Pool2dParams, ReduceOp, Storage, UnaryOp, View } from '../backend.js';
import { registerBackend } from '../backend.js';
import { type DType, type TypedArray, typedArrayFor } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { JsStorage, denseData } from './storage.js';
import { assignKernel, binaryKernel, unaryKernel, whereKernel } from './elementwise.js';
import { argReduceKernel, reduceKernel, softmaxKernel } from './reduce.js';
import { matmulKernel } from './matmul.js';
import { linearKernel } from './linear.js';
import { gatherKernel, indexAddKernel, indexSelectKernel, scatterAddKernel } from './indexing.js';
import { conv2dBackwardInputKernel, conv2dBackwardWeightKernel, conv2dKernel } from './conv.js';
import {
  adaptiveAvgPool2dBackwardKernel, adaptiveAvgPool2dKernel, avgPool2dBackwardKernel, avgPool2dKernel,
  maxPool2dBackwardKernel, maxPool2dKernel,
} from './pool.js';

export class JsBackend implements Backend {
  readonly name = 'js';

  supportsDType(_dtype: DType): boolean {
    return true;
  }

  private wrap(data: TypedArray, dtype: DType): Storage {
    return new JsStorage(this, dtype, data);
  }

  fromTypedArray(data: TypedArray, dtype: DType): Storage {
    const copy = typedArrayFor(dtype, data.length);
    copy.set(data);
    return this.wrap(copy, dtype);
  }
  zeros(dtype: DType, length: number): Storage {
    return this.wrap(typedArrayFor(dtype, length), dtype);
  }
  read(x: View): TypedArray {
    return denseData(x).slice();
  }
  assign(dst: View, src: View): void {
    assignKernel(dst, src);
  }
  unary(op: UnaryOp, x: View, outDType: DType, alpha?: number, beta?: number): Storage {
    return this.wrap(unaryKernel(op, x, outDType, alpha, beta), outDType);
  }
  binary(op: BinaryOp, a: View, b: View, outShape: Shape, outDType: DType): Storage {
    return this.wrap(binaryKernel(op, a, b, outShape, outDType), outDType);
  }
  where(cond: View, a: View, b: View, outShape: Shape, outDType: DType): Storage {
    return this.wrap(whereKernel(cond, a, b, outShape, outDType), outDType);
  }
  reduce(op: ReduceOp, x: View, dims: readonly number[], outDType: DType): Storage {
    return this.wrap(reduceKernel(op, x, dims, outDType), outDType);
  }
  argReduce(op: 'argmax' | 'argmin', x: View, dim: number): Storage {
    return this.wrap(argReduceKernel(op, x, dim), 'int32');
  }
  matmul(a: View, b: View, outBatch: Shape): Storage {
    return this.wrap(matmulKernel(a, b, outBatch), a.storage.dtype);
  }
  linear(x: View, w: View, bias: View | null, activation: LinearActivation): Storage {
    return this.wrap(linearKernel(x, w, bias, activation), x.storage.dtype);
  }
  softmax(x: View, dim: number, log: boolean): Storage {
    return this.wrap(softmaxKernel(x, dim, log), x.storage.dtype);
  }
  gather(x: View, dim: number, index: View): Storage {
    return this.wrap(gatherKernel(x, dim, index), x.storage.dtype);
  }
  scatterAdd(base: View, dim: number, index: View, src: View): Storage {
    return this.wrap(scatterAddKernel(base, dim, index, src), base.storage.dtype);
  }
  indexSelect(x: View, dim: number, index: View): Storage {
    return this.wrap(indexSelectKernel(x, dim, index), x.storage.dtype);
  }
  indexAdd(base: View, dim: number, index: View, src: View): Storage {
    return this.wrap(indexAddKernel(base, dim, index, src), base.storage.dtype);
  }
  conv2d(x: View, w: View, p: Conv2dParams): Storage {
    return this.wrap(conv2dKernel(x, w, p), x.storage.dtype);
  }
  conv2dBackwardInput(gradOut: View, w: View, inputShape: Shape, p: Conv2dParams): Storage {
    return this.wrap(conv2dBackwardInputKernel(gradOut, w, inputShape, p), gradOut.storage.dtype);
  }
  conv2dBackwardWeight(x: View, gradOut: View, weightShape: Shape, p: Conv2dParams): Storage {
    return this.wrap(conv2dBackwardWeightKernel(x, gradOut, weightShape, p), x.storage.dtype);
  }
  maxPool2d(x: View, p: Pool2dParams, outH: number, outW: number): { out: Storage; indices: Storage } {
    const { out, indices } = maxPool2dKernel(x, p, outH, outW);
    return { out: this.wrap(out, x.storage.dtype), indices: this.wrap(indices, 'int32') };
  }
  maxPool2dBackward(gradOut: View, indices: View, inputShape: Shape): Storage {
    return this.wrap(maxPool2dBackwardKernel(gradOut, indices, inputShape), gradOut.storage.dtype);
  }
  avgPool2d(x: View, p: Pool2dParams, outH: number, outW: number): Storage {
    return this.wrap(avgPool2dKernel(x, p, outH, outW), x.storage.dtype);
  }
  avgPool2dBackward(gradOut: View, inputShape: Shape, p: Pool2dParams): Storage {
    return this.wrap(avgPool2dBackwardKernel(gradOut, inputShape, p), gradOut.storage.dtype);
  }
  adaptiveAvgPool2d(x: View, outH: number, outW: number): Storage {
    return this.wrap(adaptiveAvgPool2dKernel(x, outH, outW), x.storage.dtype);
  }
  adaptiveAvgPool2dBackward(gradOut: View, inputShape: Shape): Storage {
    return this.wrap(adaptiveAvgPool2dBackwardKernel(gradOut, inputShape), gradOut.storage.dtype);
  }
}

registerBackend('js', () => new JsBackend());
