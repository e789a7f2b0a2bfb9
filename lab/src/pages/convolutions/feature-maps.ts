/**
 * The shared digit model's layers run one by one on one digit, keeping what every convolution and pooling layer
 * gives: the feature maps, one small image per channel.
 */
import { nn, noGrad, softmax, tensor, type Module, type Tensor } from 'myelin';

export interface FeatureMap {
  /** the layer's position in the Sequential (0-based) */
  index: number;
  /** its type: 'Conv2d', 'MaxPool2d', ... */
  layer: string;
  /** e.g. '1 → 16, 5×5' for a convolution, '2×2' for a pooling layer */
  detail: string;
  channels: number;
  height: number;
  width: number;
  /** channels x height x width values */
  values: Float32Array;
}

const shown = (m: Module): boolean => m instanceof nn.Conv2d || m instanceof nn.MaxPool2d || m instanceof nn.AvgPool2d;

/** The layers of a digit model when it is a Sequential with a convolution in it (the zoo CNN), else null. */
export function convLayers(model: Module): Module[] | null {
  if (!(model instanceof nn.Sequential)) return null;
  const layers = model.children();
  return layers.some((m) => m instanceof nn.Conv2d) ? layers : null;
}

const pair = (k: number | readonly number[]): string => (typeof k === 'number' ? `${k}×${k}` : `${k[0]}×${k[1]}`);

function detail(m: Module): string {
  if (m instanceof nn.Conv2d) return `${m.inChannels} → ${m.outChannels}, ${pair(m.kernelSize)}`;
  if (m instanceof nn.MaxPool2d || m instanceof nn.AvgPool2d) return pair(m.kernelSize);
  return '';
}

/** Runs the layers on a 28x28 input; returns the maps of the layers shown and the ten class probabilities. */
export function featureMaps(layers: Module[], input: Float32Array): { maps: FeatureMap[]; probabilities: Float32Array } {
  return noGrad(() => {
    let x: Tensor = tensor(input).reshape([1, 1, 28, 28]);
    const maps: FeatureMap[] = [];
    layers.forEach((layer, index) => {
      x = layer.forward(x) as Tensor;
      if (!shown(layer)) return;
      const [, channels, height, width] = x.shape;
      maps.push({ index, layer: nn.moduleTypeName(layer), detail: detail(layer), channels, height, width, values: Float32Array.from(x.data() as Float32Array) });
    });
    return { maps, probabilities: Float32Array.from(softmax(x, 1).data() as Float32Array) };
  });
}
