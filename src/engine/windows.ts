// Splits a tokenized document into the overlapping windows the model reads
// (and the BM25 baseline ranks), so both see exactly the same text units.

/** Tokens of one text: ids plus each token's [start, end) character offsets. */
export interface Encoding {
  ids: ArrayLike<number>;
  starts: ArrayLike<number>;
  ends: ArrayLike<number>;
}

/** A window: tokens [tokenStart, tokenEnd) covering characters [charStart, charEnd). */
export interface TokenWindow {
  tokenStart: number;
  tokenEnd: number;
  charStart: number;
  charEnd: number;
}

export interface WindowShape {
  /** Tokens per window. */
  size: number;
  /** Tokens between the starts of consecutive windows; size - stride tokens overlap. */
  stride: number;
}

export const WINDOW_SIZE = 512;
export const WINDOW_STRIDE = 384;

/**
 * Windows of `size` tokens every `stride` tokens; the last one ends at the last
 * token (clipped, never padded), so every token is in at least one window.
 * An empty encoding has no windows.
 */
export function splitIntoWindows(
  encoding: Encoding,
  shape: WindowShape = { size: WINDOW_SIZE, stride: WINDOW_STRIDE },
): TokenWindow[] {
  const { size, stride } = shape;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > size) {
    // A stride above the size would skip tokens that no window covers.
    throw new RangeError(`window stride must be an integer in [1, size=${size}], got ${stride}`);
  }
  const count = encoding.ids.length;
  if (encoding.starts.length !== count || encoding.ends.length !== count) {
    throw new RangeError(
      `encoding has ${count} ids but ${encoding.starts.length} starts and ${encoding.ends.length} ends`,
    );
  }
  const windows: TokenWindow[] = [];
  for (let tokenStart = 0; tokenStart < count; tokenStart += stride) {
    const tokenEnd = Math.min(tokenStart + size, count);
    windows.push({ tokenStart, tokenEnd, charStart: encoding.starts[tokenStart], charEnd: encoding.ends[tokenEnd - 1] });
    if (tokenEnd === count) break;
  }
  return windows;
}
