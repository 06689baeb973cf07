// cl100k_base through js-tiktoken: the token stream of a string, plus the
// bytes of every cl100k token (js-tiktoken keeps those private).
import { Tiktoken } from 'js-tiktoken/lite';
import cl100kRanks from 'js-tiktoken/ranks/cl100k_base';
import { isRegularPiece, splitPiece } from './pieces';

/** Stands in the token stream for a lone surrogate (3 WTF-8 bytes). */
export const LONE_SURROGATE = -1;

/** Distinct pieces remembered before the cache starts over (bounds memory). */
const CACHE_LIMIT = 1 << 17;

export class Cl100k {
  private readonly tiktoken: Tiktoken;
  /** cl100k's pre-tokenizer: the text is cut into pieces, each merged alone. */
  private readonly pieceRegex: RegExp;
  /** piece → its ranks: text repeats pieces, and js-tiktoken's merge is slow. */
  private readonly cache = new Map<string, readonly number[]>();
  /** Bytes of token r are bytes[byteStart[r] .. byteStart[r + 1]). */
  private readonly bytes: Uint8Array;
  private readonly byteStart: Int32Array;

  private constructor() {
    this.tiktoken = new Tiktoken(cl100kRanks);
    this.pieceRegex = new RegExp(cl100kRanks.pat_str, 'gu');
    const table = parseRanks(cl100kRanks.bpe_ranks);
    this.bytes = table.bytes;
    this.byteStart = table.byteStart;
  }

  private static shared: Cl100k | undefined;

  /** Built once per process: parsing the ranks takes a few hundred ms. */
  static get(): Cl100k {
    return (Cl100k.shared ??= new Cl100k());
  }

  /** Ranks are 0 .. rankCount − 1 (special tokens are never produced). */
  get rankCount(): number {
    return this.byteStart.length - 1;
  }

  tokenLength(rank: number): number {
    return this.byteStart[rank + 1] - this.byteStart[rank];
  }

  tokenBytes(rank: number): Uint8Array {
    return this.bytes.subarray(this.byteStart[rank], this.byteStart[rank + 1]);
  }

  /**
   * Calls onToken with each cl100k rank of `text` in order, or LONE_SURROGATE
   * for a lone surrogate. The tokens' bytes, concatenated, are the WTF-8
   * encoding of `text`. Text is cut into pieces by cl100k's own pattern and
   * each piece is merged by js-tiktoken, so ordinary text gets exactly
   * cl100k's tokens; pieces.ts says how the rest is cut. Text that looks like
   * a special token ("<|endoftext|>") is encoded as ordinary text.
   */
  forEachToken(text: string, onToken: (rank: number) => void): void {
    const emit = (ranks: readonly number[]) => {
      for (let i = 0; i < ranks.length; i++) onToken(ranks[i]);
    };
    const irregular = { part: (part: string) => emit(this.ranksOf(part)), loneSurrogate: () => onToken(LONE_SURROGATE) };
    const take = (piece: string) => {
      const cached = this.cache.get(piece);
      if (cached !== undefined) emit(cached);
      else if (isRegularPiece(piece)) emit(this.ranksOf(piece));
      else splitPiece(piece, irregular);
    };
    const pieces = new RegExp(this.pieceRegex); // own lastIndex: safe if calls nest
    let done = 0;
    for (let m = pieces.exec(text); m !== null; m = pieces.exec(text)) {
      // the pattern matches every character; a gap would still be encoded
      if (m.index > done) take(text.slice(done, m.index));
      take(m[0]);
      done = m.index + m[0].length;
    }
    if (done < text.length) take(text.slice(done));
  }

  /** Ranks of one regular piece, through the cache. */
  private ranksOf(piece: string): readonly number[] {
    let ranks = this.cache.get(piece);
    if (ranks === undefined) {
      ranks = this.tiktoken.encode(piece, [], []);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(detached(piece), ranks);
    }
    return ranks;
  }
}

/**
 * A copy of a piece that does not point into the text it was cut from (V8
 * keeps a sliced string's parent alive), so the cache never holds documents.
 */
function detached(piece: string): string {
  return (' ' + piece).slice(1);
}

/** bpe_ranks lines read "<name> <first rank> <base64 token> <base64 token> …". */
function parseRanks(bpeRanks: string): { bytes: Uint8Array; byteStart: Int32Array } {
  const tokens: Buffer[] = [];
  for (const line of bpeRanks.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split(' ');
    const first = Number.parseInt(fields[1], 10);
    for (let i = 2; i < fields.length; i++) tokens[first + i - 2] = Buffer.from(fields[i], 'base64');
  }
  const byteStart = new Int32Array(tokens.length + 1);
  for (let r = 0; r < tokens.length; r++) {
    if (tokens[r] === undefined) throw new Error(`cl100k_base ranks have a gap at rank ${r}`);
    byteStart[r + 1] = byteStart[r] + tokens[r].length;
  }
  const bytes = new Uint8Array(byteStart[tokens.length]);
  tokens.forEach((t, r) => bytes.set(t, byteStart[r]));
  return { bytes, byteStart };
}
