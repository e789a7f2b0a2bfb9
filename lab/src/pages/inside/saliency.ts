/**
 * Saliency: how much a class's score (its logit) changes when one input pixel changes a little, the gradient of
 * the score with respect to the pixels, which is what backward() computes for an input made with requiresGrad.
 */
import { tensor, type Module, type Tensor } from 'myelin';

/** d(logit of `cls`)/d(pixel) for the 784 pixels of `input`. */
export function saliency(model: Module, input: Float32Array, cls: number): Float32Array {
  const x = tensor(input, { requiresGrad: true });
  const logits = model.forward(x.reshape([1, 1, 28, 28])) as Tensor;
  logits.narrow(1, cls, 1).sum().backward();
  const grad = Float32Array.from(x.grad!.data() as Float32Array);
  model.zeroGrad(); // the parameters' gradients came along; the shared model keeps none
  return grad;
}

// a diverging scale from the palette: blue (lowers the score), white (no effect), vermilion (raises it)
const NEG = [0x00, 0x72, 0xb2], POS = [0xd5, 0x5e, 0x00];

/** The map over the digit: colour by the gradient's sign and size (relative to `max`), the digit's ink darker. */
export function drawSaliency(canvas: HTMLCanvasElement, input: Float32Array, grad: Float32Array, max: number): void {
  const img = new ImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const s = max > 0 ? Math.max(-1, Math.min(1, grad[i] / max)) : 0;
    // the square root lifts small effects into view; the sign and the order of sizes stay
    const end = s < 0 ? NEG : POS, a = Math.sqrt(Math.abs(s));
    const shade = 1 - 0.45 * input[i];
    for (let c = 0; c < 3; c++) img.data[i * 4 + c] = Math.round((255 + (end[c] - 255) * a) * shade);
    img.data[i * 4 + 3] = 255;
  }
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  small.getContext('2d')!.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
