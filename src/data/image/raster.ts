/**
 * The in-memory image type shared by the PNG codec and the preprocessing helpers: 8 bits per channel, rows top to
 * bottom, channels interleaved (grey, grey+alpha, RGB or RGBA). This module has no Node dependencies.
 */
export interface RasterImage {
  width: number;
  height: number;
  /** 1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA. */
  channels: 1 | 2 | 3 | 4;
  /** width * height * channels bytes, row-major, channels interleaved. */
  data: Uint8Array;
}

/** Throws a TypeError/RangeError naming `op` unless `image` is a well-formed RasterImage. */
export function checkRaster(op: string, image: RasterImage): void {
  if (image === null || typeof image !== 'object') throw new TypeError(`${op}: expected an image object {width, height, channels, data}`);
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(`${op}: image size must be positive integers, got ${String(width)}x${String(height)}`);
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new RangeError(`${op}: channels must be 1, 2, 3 or 4, got ${String(channels)}`);
  }
  if (!(data instanceof Uint8Array || (data as unknown) instanceof Uint8ClampedArray)) {
    throw new TypeError(`${op}: image data must be a Uint8Array`);
  }
  const need = width * height * channels;
  if (data.length !== need) {
    throw new RangeError(`${op}: a ${width}x${height} image with ${channels} channel(s) needs ${need} bytes, got ${data.length}`);
  }
}
