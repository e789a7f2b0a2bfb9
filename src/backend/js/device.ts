/** The reference device: storage is plain typed arrays on the JavaScript heap; float32, float64, int32 and bool. */
import type { Device, Storage, View } from '../device.js';
import { type Kernels, kernelTable } from '../kernels.js';
import { type DType, type TypedArray, typedArrayFor } from '../../tensor/dtype.js';
import { JsStorage, denseData } from './storage.js';

export class JsDevice implements Device {
  readonly kernels: Kernels;

  /** Another name and chain make a device of host storage that runs other kernels first (tests, new devices). */
  constructor(readonly name = 'js', readonly kernelChain: readonly string[] = ['js']) {
    this.kernels = kernelTable(this);
  }

  supportsDType(_dtype: DType): boolean {
    return true;
  }
  adopt(data: TypedArray, dtype: DType): Storage {
    return new JsStorage(this, dtype, data);
  }
  fromTypedArray(data: TypedArray, dtype: DType): Storage {
    const copy = typedArrayFor(dtype, data.length);
    copy.set(data);
    return new JsStorage(this, dtype, copy);
  }
  zeros(dtype: DType, length: number): Storage {
    return new JsStorage(this, dtype, typedArrayFor(dtype, length));
  }
  readSync(x: View): TypedArray {
    return denseData(x).slice();
  }
  read(x: View): Promise<TypedArray> {
    return Promise.resolve(this.readSync(x));
  }
}
