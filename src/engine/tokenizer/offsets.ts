// Maps a walk through a string's WTF-8 bytes back to UTF-16 offsets.
//
// The rule: a token that spans bytes [a, b) of the text gets
//   start = first code unit of the character holding byte a,
//   end   = one past the last code unit of the character holding byte b − 1,
// where a character is a code point (a surrogate pair is one character of 2
// code units, a lone surrogate one character of 1). So a token that covers
// part of a multi-byte character gets that whole character's range, and the
// tokens sharing a split character share its range.

export class ByteWalker {
  /** Range of the last span passed to advance(). */
  start = 0;
  end = 0;
  /** Current character: starts at code unit `at`, `unitLength` units, `byteLength` bytes. */
  private at = 0;
  private unitLength = 0;
  private byteLength = 0;
  /** Bytes of the current character already walked over. */
  private taken = 0;

  constructor(private readonly text: string) {
    this.measure();
  }

  /** The code unit where the next byte's character begins. */
  get position(): number {
    return this.at;
  }

  /** Walks over the next n ≥ 1 bytes and sets start/end to their range. */
  advance(n: number): void {
    this.start = this.at;
    let left = n;
    for (;;) {
      const step = Math.min(left, this.byteLength - this.taken);
      this.taken += step;
      left -= step;
      if (this.taken < this.byteLength) {
        this.end = this.at + this.unitLength; // ends inside this character
        return;
      }
      this.at += this.unitLength;
      this.taken = 0;
      this.measure();
      if (left === 0) {
        this.end = this.at;
        return;
      }
      if (this.at >= this.text.length) throw new RangeError('token bytes run past the end of the text');
    }
  }

  private measure(): void {
    if (this.at >= this.text.length) {
      this.unitLength = 0;
      this.byteLength = 0;
      return;
    }
    const c = this.text.charCodeAt(this.at);
    this.unitLength = 1;
    if (c < 0x80) this.byteLength = 1;
    else if (c < 0x800) this.byteLength = 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(this.text.charCodeAt(this.at + 1))) {
      this.unitLength = 2;
      this.byteLength = 4;
    } else this.byteLength = 3; // rest of the BMP, lone surrogates included
  }
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
