// Pieces (cl100k pre-tokens) that cannot go to js-tiktoken as they are:
// - a piece holding a lone surrogate: js-tiktoken's TextEncoder would turn it
//   into U+FFFD (lossy), so each lone surrogate is split out and the caller
//   writes it as WTF-8;
// - a piece longer than MAX_PIECE code units (a long run of letters, spaces or
//   symbols): js-tiktoken merges a piece in time quadratic in its length, so
//   it is cut into chunks of at most MAX_PIECE code units, never inside a
//   surrogate pair, which keeps encoding linear in the text length.

export const MAX_PIECE = 64;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isRegularPiece(piece: string): boolean {
  return piece.length <= MAX_PIECE && !LONE_SURROGATE.test(piece);
}

export interface PartSink {
  /** A well-formed part of at most MAX_PIECE code units. */
  part(text: string): void;
  loneSurrogate(codeUnit: number): void;
}

/** Splits an irregular piece into regular parts and lone surrogates, in order. */
export function splitPiece(piece: string, sink: PartSink): void {
  let partStart = 0;
  const flush = (end: number) => {
    while (partStart < end) {
      let stop = Math.min(partStart + MAX_PIECE, end);
      if (stop < end && isHigh(piece.charCodeAt(stop - 1)) && isLow(piece.charCodeAt(stop))) stop--;
      sink.part(piece.slice(partStart, stop));
      partStart = stop;
    }
  };
  for (let i = 0; i < piece.length; i++) {
    const c = piece.charCodeAt(i);
    if (isHigh(c) && isLow(piece.charCodeAt(i + 1))) {
      i++; // a well-formed pair
    } else if (isHigh(c) || isLow(c)) {
      flush(i);
      sink.loneSurrogate(c);
      partStart = i + 1;
    }
  }
  flush(piece.length);
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
