// Character spans to token ranges. Token offsets never go backwards (tokens
// tile the text in order), so binary searches find the ends.

export interface TokenOffsets {
  starts: Int32Array;
  ends: Int32Array;
}

/** Smallest i with values[i] > x (or with values[i] >= x when `orEqual`), values non-decreasing. */
function firstAbove(values: Int32Array, x: number, orEqual: boolean): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (values[mid] > x || (orEqual && values[mid] === x)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** The tokens overlapping characters [start, end): a half-open token range [first, stop). */
export function overlappingTokens(enc: TokenOffsets, start: number, end: number): [number, number] {
  const first = firstAbove(enc.ends, start, false);
  const stop = firstAbove(enc.starts, end, true);
  return [first, Math.max(first, stop)];
}
