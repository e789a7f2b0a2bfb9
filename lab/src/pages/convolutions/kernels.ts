/**
 * The kernels to try: each preset at 3x3 and 5x5, with numbers that print short (1/16 rather than 1/9), so the
 * arithmetic line on the page stays readable.
 */
export type Kernel = number[][];
export type KernelSize = 3 | 5;

export const PRESETS = ['identity', 'blur', 'sharpen', 'edgesH', 'edgesV', 'sobel', 'outline', 'emboss'] as const;
export type PresetName = (typeof PRESETS)[number];
/** a preset, or 'custom': the learner's own numbers */
export type KernelName = PresetName | 'custom';

const grid = (k: number, f: (r: number, c: number) => number): Kernel =>
  Array.from({ length: k }, (_, r) => Array.from({ length: k }, (_, c) => f(r, c)));

const TABLES: Record<PresetName, Record<KernelSize, Kernel>> = {
  identity: { 3: grid(3, (r, c) => (r === 1 && c === 1 ? 1 : 0)), 5: grid(5, (r, c) => (r === 2 && c === 2 ? 1 : 0)) },
  // a Gaussian blur at 3x3, the plain average at 5x5
  blur: { 3: [[1, 2, 1], [2, 4, 2], [1, 2, 1]].map((row) => row.map((v) => v / 16)), 5: grid(5, () => 0.04) },
  sharpen: {
    3: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    5: grid(5, (r, c) => (r === 2 && c === 2 ? 1 : r === 0 || r === 4 || c === 0 || c === 4 ? -0.125 : 0.25)),
  },
  // a horizontal edge: dark above, bright below
  edgesH: { 3: grid(3, (r) => r - 1), 5: grid(5, (r) => Math.sign(r - 2)) },
  edgesV: { 3: grid(3, (_, c) => c - 1), 5: grid(5, (_, c) => Math.sign(c - 2)) },
  // Sobel's x kernels (vertical edges, weighting the middle rows most)
  sobel: {
    3: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    5: [[-1, -2, 0, 2, 1], [-4, -8, 0, 8, 4], [-6, -12, 0, 12, 6], [-4, -8, 0, 8, 4], [-1, -2, 0, 2, 1]],
  },
  outline: { 3: grid(3, (r, c) => (r === 1 && c === 1 ? 8 : -1)), 5: grid(5, (r, c) => (r === 2 && c === 2 ? 24 : -1)) },
  emboss: {
    3: [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    5: grid(5, (r, c) => (r === 2 && c === 2 ? 1 : Math.sign(r + c - 4))),
  },
};

export function preset(name: PresetName, size: KernelSize): Kernel {
  return TABLES[name][size].map((row) => row.slice());
}

/** The learner's numbers at another size: kept around the centre, cut off or padded with zeros. */
export function resize(kernel: Kernel, size: KernelSize): Kernel {
  const off = (kernel.length - size) / 2;
  return grid(size, (r, c) => kernel[r + off]?.[c + off] ?? 0);
}

/** Which preset these numbers are, if any. */
export function nameOf(kernel: Kernel): KernelName {
  const size = kernel.length as KernelSize;
  if (size !== 3 && size !== 5) return 'custom';
  return PRESETS.find((p) => TABLES[p][size].every((row, r) => row.every((v, c) => v === kernel[r][c]))) ?? 'custom';
}
