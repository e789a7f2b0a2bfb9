/** Callbacks that write files, for Node: checkpoints of the model and a JSON-lines log. */
import * as fs from 'node:fs/promises';
import { dirname } from 'node:path';
import { saveModel } from '../io/model-file.js';
import { Monitor, type Callback, type Logs, type MonitorOptions, type TrainingContext } from './callbacks.js';

export interface ModelCheckpointOptions extends MonitorOptions {
  /** File to write; every `{epoch}` in it is replaced by the epoch number. */
  path: string;
  /** Only write when the monitored value improves (default true). */
  saveBestOnly?: boolean;
}

/** Saves the model (atomically) every epoch or whenever it improves. */
export class ModelCheckpoint implements Callback {
  private readonly monitor: Monitor;
  readonly saved: string[] = [];

  constructor(private readonly options: ModelCheckpointOptions) {
    this.monitor = new Monitor(options);
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    const best = this.options.saveBestOnly ?? true;
    if (best && !this.monitor.improved(logs)) return;
    const path = this.options.path.split('{epoch}').join(String(epoch));
    await saveModel(ctx.model, path, { metadata: { epoch: String(epoch), logs: JSON.stringify(logs) } });
    this.saved.push(path);
  }
}

/** Appends one JSON object per epoch ({epoch, ...logs}) to a file, creating its folder on the first write. */
export class JsonLogger implements Callback {
  private ready = false;
  constructor(private readonly path: string) {}
  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (!this.ready) {
      await fs.mkdir(dirname(this.path), { recursive: true });
      this.ready = true;
    }
    await fs.appendFile(this.path, JSON.stringify({ epoch, ...logs }) + '\n');
  }
}
