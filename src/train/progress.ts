/**
 * Training progress: a live bar on a terminal (epoch, step/total, loss, metrics, samples/s, ETA), one plain line
 * per epoch when output is not a terminal (logs, CI, pipes).
 */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A logged number as Keras shows it: 4 decimals, or 4 significant digits in exponent form below 1e-3 (a small lr). */
export function formatValue(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v) || Math.abs(v) >= 1000) return String(v);
  return Math.abs(v) >= 1e-3 ? v.toFixed(4) : v.toExponential(4);
}

export function formatLogs(logs: Record<string, number>): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join(' - ');
}

export class ProgressBar {
  private lastDraw = -Infinity;
  private start = 0;
  private readonly tty: boolean;

  constructor(private readonly stream: ProgressStream, private readonly epochs: number, private readonly steps: number, tty?: boolean) {
    this.tty = tty ?? Boolean(stream.isTTY);
  }

  epochStart(): void {
    this.start = performance.now();
    this.lastDraw = -Infinity;
  }

  /** Redraws the bar (at most ~10 times a second) after a step. */
  step(epoch: number, step: number, samples: number, logs: Record<string, number>): void {
    if (!this.tty) return;
    const now = performance.now();
    if (step < this.steps && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const rate = samples / Math.max(elapsed, 1e-9);
    const eta = ((this.steps - step) * elapsed) / Math.max(step, 1);
    const width = 24;
    const filled = Math.round((width * step) / Math.max(this.steps, 1));
    const bar = '='.repeat(Math.max(filled - 1, 0)) + (filled > 0 ? (step >= this.steps ? '=' : '>') : '') + ' '.repeat(width - filled);
    // on a narrow terminal the logs are shortened first, so the position, rate and ETA stay visible
    const head = `Epoch ${epoch}/${this.epochs} [${bar}] ${step}/${this.steps}`;
    const tail = ` - ${Math.round(rate)} samples/s - ETA ${formatDuration(eta)}`;
    let middle = ` - ${formatLogs(logs)}`;
    const cols = this.stream.columns ?? 120;
    const room = cols - 1 - head.length - tail.length;
    if (middle.length > room) middle = room >= 4 ? middle.slice(0, room - 3) + '...' : '';
    let line = head + middle + tail;
    if (line.length > cols - 1) line = line.slice(0, cols - 1);
    this.stream.write(`\r${line}\x1b[K`);
  }

  /** Ends the epoch: the bar's final state on a terminal, one summary line otherwise. */
  epochEnd(epoch: number, samples: number, logs: Record<string, number>): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const summary = `Epoch ${epoch}/${this.epochs} - ${formatLogs(logs)} - ${Math.round(samples / Math.max(elapsed, 1e-9))} samples/s - ${formatDuration(elapsed)}`;
    this.stream.write(this.tty ? `\r${summary}\x1b[K\n` : `${summary}\n`);
  }
}
