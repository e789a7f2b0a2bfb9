/** safetensors files, for Node: saving atomically, and reading with a size limit checked before anything is read. */
import * as fs from 'node:fs/promises';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomic.js';
import {
  DEFAULT_MAX_FILE_BYTES, decodeSafetensors, encodeSafetensors, fail, type LoadOptions, type SafetensorsContents,
} from './safetensors.js';

/** Writes tensors to `path` atomically (temp file in the same directory, fsync, rename). */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads a safetensors file; files larger than `options.maxFileBytes` (default 2 GiB) are refused unread. */
export async function loadSafetensors(path: string, options: LoadOptions = {}): Promise<SafetensorsContents> {
  const bytes = await readFileLimited(path, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  return decodeSafetensors(bytes, options);
}

async function readFileLimited(path: string, limit: number): Promise<Uint8Array> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    throw rewrap(e, `cannot open '${path}'`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) fail(`'${path}' is not a regular file`);
    if (st.size > limit) fail(`'${path}' is ${st.size} bytes, larger than the limit of ${limit} bytes (options.maxFileBytes)`);
    const bytes = new Uint8Array(st.size);
    let pos = 0;
    while (pos < st.size) {
      const { bytesRead } = await handle.read(bytes, pos, st.size - pos, pos);
      if (bytesRead === 0) fail(`'${path}' shrank from ${st.size} to ${pos} bytes while being read`);
      pos += bytesRead;
    }
    const extra = await handle.read(new Uint8Array(1), 0, 1, st.size);
    if (extra.bytesRead !== 0) fail(`'${path}' grew while being read`);
    return bytes;
  } finally {
    await handle.close();
  }
}

function rewrap(e: unknown, what: string): Error {
  const err = new Error(`safetensors: ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== undefined) Object.assign(err, { code });
  return err;
}
