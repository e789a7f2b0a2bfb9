/**
 * Atomic file replacement for Node: the data goes to a fresh temp file in the target's directory, is flushed to disk
 * (fsync), and is renamed over the target, so readers see either the old file or the complete new one, never a
 * torn write. On any failure the temp file is removed and the old file is left untouched.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as pathMod from 'node:path';

export interface AtomicWriteOptions {
  /** Permission bits for a new file (default: those of the file being replaced, else 0o666 less the umask). */
  mode?: number;
}

let counter = 0;

/** Writes `data` (bytes, or a string as UTF-8) to `path` atomically. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new TypeError(`writeFileAtomic: data must be a Uint8Array or a string, got ${data === null ? 'null' : typeof data}`);
  }
  // Replace what a symlink points to rather than the link itself.
  let target = pathMod.resolve(path);
  try {
    target = await fs.realpath(target);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  }
  let mode = options.mode;
  if (mode === undefined) {
    try {
      const st = await fs.stat(target);
      if (st.isFile()) mode = st.mode & 0o7777;
    } catch {
      // no existing file: default permissions
    }
  }
  const dir = pathMod.dirname(target);
  const tmp = pathMod.join(dir, `.${pathMod.basename(target)}.${process.pid}.${(counter++).toString(36)}${randomBytes(4).toString('hex')}.tmp`);

  // 'wx': create exclusively, so an unexpected existing file (or a planted symlink) is never written through.
  const handle = await fs.open(tmp, 'wx', mode ?? 0o666);
  let closed = false;
  try {
    if (mode !== undefined) await handle.chmod(mode); // open's mode is reduced by the umask; an explicit mode is kept
    await handle.writeFile(data);
    await handle.sync();
    closed = true;
    await handle.close();
    await fs.rename(tmp, target);
  } catch (e) {
    if (!closed) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  // Make the rename itself durable. Directory fsync is not possible everywhere (Windows); it is best effort.
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // best effort
  }
}
