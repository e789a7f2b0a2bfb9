/** The reference device with its kernels, registered as the 'js' backend. */
import { registerBackend } from '../device.js';
import { JsDevice } from './device.js';
import './kernels/elementwise.js';
import './kernels/reduce.js';
import './kernels/matmul.js';
import './kernels/linear.js';
import './kernels/indexing.js';
import './kernels/conv.js';
import './kernels/pool.js';
import './kernels/optim.js';
import './kernels/loss.js';
import './kernels/random.js';
import './kernels/check.js';
import './kernels/image.js';

export { JsDevice } from './device.js';

registerBackend('js', () => new JsDevice());
