/**
 * The same models in TensorFlow.js, written with tfjs-core ops and variables (tf.train.adam, softmax cross-entropy on
 * logits), initialised as PyTorch and Myelin do: weights and biases uniform in +-1/sqrt(fanIn). Images are NHWC for
 * tfjs ([n, 28, 28, 1], the same bytes as Myelin's [n, 1, 28, 28]).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { TF } from './tfjs.js';

type T = tfTypes.Tensor;
type Variable = tfTypes.Variable;

export interface TfModel {
  kind: 'mlp' | 'cnn';
  vars: Variable[];
  forward(x: T): T;
  dispose(): void;
}

let seed = 1;
function param(tf: TF, shape: number[], fanIn: number): Variable {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', seed++));
}

export function tfMlp(tf: TF): TfModel {
  const sizes = [784, 128, 64, 10];
  const vars: Variable[] = [];
  for (let i = 0; i < 3; i++) vars.push(param(tf, [sizes[i], sizes[i + 1]], sizes[i]), param(tf, [sizes[i + 1]], sizes[i]));
  return {
    kind: 'mlp',
    vars,
    forward(x) {
      let h = x;
      for (let i = 0; i < 3; i++) {
        h = tf.add(tf.matMul(h, vars[2 * i]), vars[2 * i + 1]);
        if (i < 2) h = tf.relu(h);
      }
      return h;
    },
    dispose: () => vars.forEach((v) => v.dispose()),
  };
}

export function tfCnn(tf: TF): TfModel {
  const vars = [
    param(tf, [5, 5, 1, 8], 25), param(tf, [8], 25),
    param(tf, [5, 5, 8, 16], 200), param(tf, [16], 200),
    param(tf, [256, 10], 256), param(tf, [10], 256),
  ];
  const [w1, b1, w2, b2, w3, b3] = vars;
  return {
    kind: 'cnn',
    vars,
    forward(x) {
      const block = (h: T, w: T, b: T): tfTypes.Tensor4D =>
        tf.maxPool(tf.relu(tf.add(tf.conv2d(h as tfTypes.Tensor4D, w as tfTypes.Tensor4D, 1, 'valid'), b)) as tfTypes.Tensor4D, 2, 2, 'valid');
      const h = block(block(x, w1, b1), w2, b2);
      return tf.add(tf.matMul(tf.reshape(h, [-1, 256]), w3), b3);
    },
    dispose: () => vars.forEach((v) => v.dispose()),
  };
}

export function tfInput(tf: TF, kind: 'mlp' | 'cnn', xs: Float32Array, n: number): T {
  return kind === 'mlp' ? tf.tensor2d(xs, [n, 784]) : tf.tensor4d(xs, [n, 28, 28, 1]);
}

/** A training step (Adam, mean softmax cross-entropy); returns the loss when asked (the caller disposes it). */
export function tfTrainer(tf: TF, model: TfModel, lr = 1e-3): (x: Float32Array, y: Int32Array, wantLoss?: boolean) => number | null {
  const opt = tf.train.adam(lr);
  return (xs, ys, wantLoss = false) => {
    const cost = tf.tidy((): tfTypes.Scalar | undefined => {
      const x = tfInput(tf, model.kind, xs, ys.length);
      const y = tf.oneHot(tf.tensor1d(ys, 'int32'), 10);
      return opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tfTypes.Scalar, wantLoss, model.vars) ?? undefined;
    });
    if (!cost) return null;
    const v = cost.dataSync()[0];
    cost.dispose();
    return v;
  };
}

export function tfAccuracy(tf: TF, model: TfModel, images: Float32Array, labels: Int32Array, chunk = 500): number {
  let right = 0;
  for (let s = 0; s < labels.length; s += chunk) {
    const n = Math.min(chunk, labels.length - s);
    const pred = tf.tidy(() => tf.argMax(model.forward(tfInput(tf, model.kind, images.subarray(s * 784, (s + n) * 784), n)), 1).dataSync());
    for (let i = 0; i < n; i++) if (pred[i] === labels[s + i]) right++;
  }
  return right / labels.length;
}
