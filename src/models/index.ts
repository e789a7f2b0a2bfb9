/**
 * Ready-made architectures of the model zoo. Each is a plain Sequential, so it saves, loads and prints like any model.
 */
import { Sequential } from '../nn/containers.js';
import { RandomShift } from '../nn/augment.js';
import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sigmoid } from '../nn/layers/index.js';

/**
 * Digits MLP: 784-256-128-10 with ReLU and light dropout, trained on digits shifted by up to 2 pixels (RandomShift,
 * training only): about 0.955 test accuracy on the bundled digits, against 0.946 without the shifts.
 */
export function digitsMlp(): Sequential {
  return new Sequential(
    new RandomShift(2),
    new Flatten(),
    new Linear(784, 256), new ReLU(), new Dropout(0.2),
    new Linear(256, 128), new ReLU(),
    new Linear(128, 10),
  );
}

/**
 * The network of the classic handwritten-digit lesson: 784 inputs, two hidden layers of 16 sigmoid neurons, 10
 * outputs. Small enough to draw, and still about 0.92 accurate on the bundled digits when trained on digits shifted
 * by up to one pixel (0.906 without: 13,000 weights memorise 8,000 digits).
 */
export function digitsLesson(): Sequential {
  return new Sequential(
    new RandomShift(1),
    new Flatten(),
    new Linear(784, 16), new Sigmoid(),
    new Linear(16, 16), new Sigmoid(),
    new Linear(16, 10),
  );
}

/**
 * A LeNet-style CNN: conv5(16)-pool-conv5(32)-pool-dense(128)-dense(10), trained on digits shifted by up to one
 * pixel: about 0.98 on the bundled digits (0.974 without the shifts).
 */
export function digitsCnn(): Sequential {
  return new Sequential(
    new RandomShift(1),
    new Conv2d(1, 16, 5, { padding: 2 }), new ReLU(), new MaxPool2d(2), // 16x14x14
    new Conv2d(16, 32, 5), new ReLU(), new MaxPool2d(2), // 32x5x5
    new Flatten(),
    new Linear(32 * 5 * 5, 128), new ReLU(), new Dropout(0.3),
    new Linear(128, 10),
  );
}

/** Logistic regression over a bag-of-words vector: one logit, spam if positive. */
export function spamClassifier(vocabularySize: number): Sequential {
  return new Sequential(new Linear(vocabularySize, 1));
}

/** The beginners' XOR network: 2 inputs, 4 sigmoid hidden units, 1 sigmoid output. */
export function xorNet(): Sequential {
  return new Sequential(new Linear(2, 4), new Sigmoid(), new Linear(4, 1), new Sigmoid());
}
