/** The memory the host manages (where its heap starts) and the memory moves the kernels share. */

/**
 * Copies `bytes` bytes, as memmove. memory.copy is a call into the engine, which costs more than the copy for the
 * short rows convolution and strided copies move: those are copied inline with unaligned 16-byte moves (forwards,
 * so a destination overlapping the source from above still goes through memory.copy).
 */
// @ts-ignore: decorator
@inline export function copyBytes(dst: usize, src: usize, bytes: usize): void {
  if (bytes >= 512 || (dst > src && dst < src + bytes)) {
    memory.copy(dst, src, bytes);
    return;
  }
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i++) store<u8>(dst + i, load<u8>(src + i));
}

/** Zeroes `bytes` bytes (short spans inline, as copyBytes). */
// @ts-ignore: decorator
@inline export function zeroBytes(dst: usize, bytes: usize): void {
  if (bytes >= 512) {
    memory.fill(dst, 0, bytes);
    return;
  }
  const z = i32x4.splat(0);
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, z);
  for (; i < bytes; i++) store<u8>(dst + i, 0);
}

/** First byte after the module's static data: the host allocates from here up. */
export function heapBase(): usize {
  return __heap_base;
}
