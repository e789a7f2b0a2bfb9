/**
 * The threads builds of the kernels differ from the private-memory builds only in their memory import: the same
 * code, importing a shared memory (limits flag 0x03, with a maximum). So only the private builds are shipped, and
 * the shared one is made from it here: build.mjs checks, each time it compiles the kernels, that this gives exactly
 * the bytes the compiler produces for the threads build. Self-contained (build.mjs loads it on its own).
 */

/** The maximum (in 64 KiB pages) of the shared memory the threads builds import: 4 GiB. */
export const SHARED_MAX_PAGES = 65536;

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0, shift = 0, b: number;
  do {
    if (at >= bytes.length) throw new Error('wasm: truncated LEB128 number');
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

/** The module with its imported memory made shared (maximum SHARED_MAX_PAGES); throws if it imports none. */
export function withSharedMemory(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = readLeb(bytes, at + 1);
    const end = body + size;
    if (id === 2) {
      // import section: vec of (module name, field name, kind, description)
      let [count, p] = readLeb(bytes, body);
      for (; count > 0; count--) {
        for (let name = 0; name < 2; name++) {
          const [len, q] = readLeb(bytes, p);
          p = q + len;
        }
        const kind = bytes[p++];
        if (kind === 2) {
          const flags = bytes[p];
          const [min, afterMin] = readLeb(bytes, p + 1);
          const q = flags & 1 ? readLeb(bytes, afterMin)[1] : afterMin;
          const limits = [0x03, ...leb(min), ...leb(SHARED_MAX_PAGES)];
          const section = [...bytes.subarray(body, p), ...limits, ...bytes.subarray(q, end)];
          const out = new Uint8Array(at + 1 + leb(section.length).length + section.length + (bytes.length - end));
          out.set(bytes.subarray(0, at + 1));
          out.set(leb(section.length), at + 1);
          out.set(section, at + 1 + leb(section.length).length);
          out.set(bytes.subarray(end), out.length - (bytes.length - end));
          return out;
        }
        if (kind === 0) p = readLeb(bytes, p)[1];
        else if (kind === 1) {
          const flags = bytes[p + 1];
          p = readLeb(bytes, p + 2)[1];
          if (flags & 1) p = readLeb(bytes, p)[1];
        } else if (kind === 3) p += 2;
        else throw new Error(`wasm: unknown import kind ${kind}`);
      }
    }
    at = end;
  }
  throw new Error('wasm: the module imports no memory');
}
