/**
 * The page's side of digit training: starts train.worker.ts, passes its messages on, and keeps the shared digit
 * model (store.ts) up to date with the weights it sends.
 */
import { digitsUrl } from './data.js';
import type { TrainRequest, WorkerMessage } from './protocol.js';
import { digitModelFromBytes, setDigitModel, type DigitArch } from './store.js';

export type TrainOptions = Omit<TrainRequest, 'type' | 'dataUrl'>;

export class DigitTrainer {
  private worker: Worker | null = null;
  running = false;

  /** `onMessage` hears everything the worker says; the shared model follows the weights unless `share` is false. */
  constructor(private readonly onMessage: (m: WorkerMessage) => void, private readonly share = true) {}

  start(options: TrainOptions): void {
    this.stop();
    const w = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' });
    this.worker = w;
    this.running = true;
    const arch: DigitArch | null = typeof options.arch === 'string' ? options.arch : null;
    const name = typeof options.arch === 'string' ? options.arch : `mlp ${options.arch.hidden.join('-')}`;
    w.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      // the worker's handler exists only once the library has loaded there: send the request then
      if (m.type === 'ready') w.postMessage({ type: 'train', dataUrl: digitsUrl(), ...options } satisfies TrainRequest);
      if (this.share && (m.type === 'weights' || m.type === 'done')) {
        setDigitModel(digitModelFromBytes(m.bytes, { arch, name, source: 'trained', testAccuracy: m.type === 'done' ? m.testAccuracy : null }));
      }
      if (m.type === 'done' || m.type === 'error') {
        this.running = false;
        w.terminate();
        if (this.worker === w) this.worker = null;
      }
      this.onMessage(m);
    };
    w.onerror = (e) => {
      this.running = false;
      this.onMessage({ type: 'error', message: e.message });
    };
  }

  /** Asks the worker to stop after the current step (it then sends 'done' with the model so far). */
  requestStop(): void {
    this.worker?.postMessage({ type: 'stop' });
  }

  /** Ends the worker at once (leaving the page). */
  stop(): void {
    this.worker?.terminate();
    this.worker = null;
    this.running = false;
  }
}
