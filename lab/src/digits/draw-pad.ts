/**
 * A square to draw a digit on, with mouse, finger or pen (pointer events), white ink on black as in MNIST. Every
 * stroke gives the 28x28 input the networks take (toMnistInput: cropped, scaled to 20x20 and centred by mass, as
 * MNIST was made). Without a pointer, "Show a real digit" puts one of the held-out digits on the pad (keyboard).
 */
import { toMnistInput } from 'myelin';
import { PIXELS } from './data.js';

export interface DrawPadTexts {
  /** the canvas's accessible name */
  label: string;
  clear: string;
  sample: string;
}

const SIDE = 280;

export class DrawPad {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly clearButton: HTMLButtonElement;
  private readonly sampleButton: HTMLButtonElement;
  private drawing = false;
  private last: [number, number] | null = null;
  private pending = false;
  private current: Float32Array | null = null;

  /**
   * `onChange` hears the new input after every stroke segment (at most once a frame), or null when the pad is empty.
   * `sample` returns a real digit's 784 pixels (0-1) for the keyboard button.
   */
  constructor(texts: DrawPadTexts, private readonly onChange: (input: Float32Array | null) => void, private readonly sample: () => Float32Array | null) {
    this.element = document.createElement('div');
    this.element.className = 'draw-pad';
    this.canvas = document.createElement('canvas');
    this.canvas.width = SIDE;
    this.canvas.height = SIDE;
    this.canvas.style.width = `${SIDE}px`;
    this.canvas.style.height = `${SIDE}px`;
    this.canvas.style.background = '#000';
    this.canvas.style.borderRadius = '8px';
    this.canvas.style.cursor = 'crosshair';
    this.canvas.setAttribute('role', 'img');
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    const buttons = document.createElement('div');
    buttons.className = 'row';
    buttons.style.marginTop = '8px';
    this.clearButton = document.createElement('button');
    this.clearButton.type = 'button';
    this.clearButton.addEventListener('click', () => this.clear());
    this.sampleButton = document.createElement('button');
    this.sampleButton.type = 'button';
    this.sampleButton.addEventListener('click', () => {
      const px = this.sample();
      if (px) this.showDigit(px);
    });
    buttons.append(this.clearButton, this.sampleButton);
    this.element.append(this.canvas, buttons);
    this.relabel(texts);
    this.clear();
    this.canvas.addEventListener('pointerdown', (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.last = this.at(e);
      this.stroke(this.last, this.last);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing || !this.last) return;
      const p = this.at(e);
      this.stroke(this.last, p);
      this.last = p;
    });
    const end = (): void => {
      this.drawing = false;
      this.last = null;
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
  }

  relabel(texts: DrawPadTexts): void {
    this.canvas.setAttribute('aria-label', texts.label);
    this.clearButton.textContent = texts.clear;
    this.sampleButton.textContent = texts.sample;
  }

  /** The current input (784 values in [0, 1]), or null when nothing is drawn. */
  input(): Float32Array | null {
    return this.current;
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, SIDE, SIDE);
    this.current = null;
    this.onChange(null);
  }

  /** Puts a 28x28 digit (784 values in [0, 1]) on the pad, scaled up, and makes it the input. */
  showDigit(pixels: Float32Array): void {
    const small = new ImageData(28, 28);
    for (let i = 0; i < PIXELS; i++) {
      const v = Math.round(pixels[i] * 255);
      small.data.set([v, v, v, 255], i * 4);
    }
    const tmp = document.createElement('canvas');
    tmp.width = 28;
    tmp.height = 28;
    tmp.getContext('2d')!.putImageData(small, 0, 0);
    this.ctx.imageSmoothingEnabled = false;
    this.ctx.drawImage(tmp, 0, 0, SIDE, SIDE);
    this.current = Float32Array.from(pixels);
    this.onChange(this.current);
  }

  private at(e: PointerEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIDE, ((e.clientY - r.top) / r.height) * SIDE];
  }

  private stroke(a: [number, number], b: [number, number]): void {
    const c = this.ctx;
    c.strokeStyle = '#fff';
    c.lineWidth = 20;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(a[0], a[1]);
    c.lineTo(b[0], b[1]);
    c.stroke();
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.update();
    });
  }

  private update(): void {
    const img = this.ctx.getImageData(0, 0, SIDE, SIDE);
    try {
      this.current = toMnistInput({ width: SIDE, height: SIDE, channels: 4, data: new Uint8Array(img.data.buffer) }, { invert: false });
    } catch {
      this.current = null; // nothing that stands out yet
    }
    this.onChange(this.current);
  }
}
