/**
 * The digit model the pages share: Digits trains one (or loads a file from the CLI), Convolutions and Inside look
 * into it. It lives on the page's thread (training happens in a worker, which sends the weights over), so drawing
 * gives a prediction at once.
 */
import { modelFromBytes, noGrad, softmax, tensor, type Module, type Tensor } from 'myelin';

export type DigitArch = 'lesson' | 'mlp' | 'cnn';

export interface DigitModel {
  model: Module;
  /** what the model is, when the Lab made it; null for a model loaded from a file */
  arch: DigitArch | null;
  /** accuracy on the 2,000 held-out digits, when measured */
  testAccuracy: number | null;
  source: 'trained' | 'file';
  /** a name to show: the file's, or the architecture's */
  name: string;
}

let current: DigitModel | null = null;
const listeners = new Set<(m: DigitModel | null) => void>();

export function currentDigitModel(): DigitModel | null {
  return current;
}

export function setDigitModel(m: DigitModel | null): void {
  current = m;
  for (const f of listeners) f(m);
}

/** Calls `f` on every change; returns a function that stops it. */
export function onDigitModel(f: (m: DigitModel | null) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** A model from the bytes of a .safetensors model file (the CLI's, or the worker's snapshot), in eval mode. */
export function digitModelFromBytes(bytes: Uint8Array, info: Omit<DigitModel, 'model'>): DigitModel {
  const { model } = modelFromBytes(bytes);
  return { ...info, model: model.eval() };
}

/** The ten class probabilities for one 784-pixel input (every digit model takes [N, 1, 28, 28]). */
export function predictDigit(model: Module, input: Float32Array): Float32Array {
  return noGrad(() => {
    const logits = model.forward(tensor(input).reshape([1, 1, 28, 28])) as Tensor;
    return softmax(logits, 1).data() as Float32Array;
  });
}
