// The model tokenizer: cl100k_base tokens mapped onto the compact model
// vocabulary, with byte fallback and UTF-16 offsets for every token.
import * as fs from 'fs';
import { ByteBuffer, TokenBuffer } from './buffers';
import { Cl100k, LONE_SURROGATE } from './cl100k';
import { ByteWalker } from './offsets';
import { BYTE_ID_BASE, FIRST_TOKEN_ID, SPECIAL_NAMES, VocabularyFile, validateVocabulary } from './vocabulary';
import { decodeWtf8, displayBytes, hexByte, loneSurrogateBytes } from './wtf8';

export interface Encoding {
  ids: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
}

const NOT_KEPT = -1;

export class Tokenizer {
  readonly version: string;
  readonly vocabSize: number;
  private readonly base: Cl100k;
  /** Model id of each cl100k rank, or NOT_KEPT. */
  private readonly idOfRank: Int32Array;
  /** cl100k rank of model id FIRST_TOKEN_ID + i. */
  private readonly rankOfId: Int32Array;
  /** Kept tokens by their bytes (as latin1 strings), for the sub-piece fallback; absent for byte fallback. */
  private readonly idOfBytes?: Map<string, number>;
  private longestKept = 0;

  private constructor(v: VocabularyFile) {
    this.base = Cl100k.get();
    validateVocabulary(v, this.base.rankCount, (rank) => this.base.tokenLength(rank));
    this.version = v.version;
    this.vocabSize = v.size;
    this.rankOfId = Int32Array.from(v.tokens);
    this.idOfRank = new Int32Array(this.base.rankCount).fill(NOT_KEPT);
    v.tokens.forEach((rank, i) => (this.idOfRank[rank] = FIRST_TOKEN_ID + i));
    if (v.fallback === 'subpieces') {
      this.idOfBytes = new Map();
      v.tokens.forEach((rank, i) => {
        const bytes = this.base.tokenBytes(rank);
        this.idOfBytes!.set(latin1(bytes), FIRST_TOKEN_ID + i);
        this.longestKept = Math.max(this.longestKept, bytes.length);
      });
    }
  }

  /**
   * A token outside the vocabulary as kept tokens: at each byte the longest
   * kept token that matches there, else the raw byte. Greedy longest-first
   * keeps identifiers like `checksumOf` to 2–3 ids instead of 10 bytes.
   */
  private pushSubpieces(bytes: Uint8Array, push: (id: number, byteLength: number) => void): void {
    const map = this.idOfBytes!;
    for (let i = 0; i < bytes.length; ) {
      let taken = 0;
      for (let len = Math.min(this.longestKept, bytes.length - i); len >= 2; len--) {
        const id = map.get(latin1(bytes.subarray(i, i + len)));
        if (id !== undefined) {
          push(id, len);
          taken = len;
          break;
        }
      }
      if (taken === 0) {
        push(BYTE_ID_BASE + bytes[i], 1);
        taken = 1;
      }
      i += taken;
    }
  }

  static fromFile(path: string): Tokenizer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read the vocabulary ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return new Tokenizer(parsed as VocabularyFile);
  }

  static fromVocabulary(v: VocabularyFile): Tokenizer {
    return new Tokenizer(v);
  }

  /**
   * Lossless for every JS string, lone surrogates included (as WTF-8 bytes):
   * decode(encode(text).ids) === text. Offsets follow the rule in offsets.ts.
   */
  encode(text: string): Encoding {
    const out = new TokenBuffer(Math.ceil(text.length / 3));
    const walk = new ByteWalker(text);
    const pushBytes = (bytes: ArrayLike<number>) => {
      for (let k = 0; k < bytes.length; k++) {
        walk.advance(1);
        out.push(BYTE_ID_BASE + bytes[k], walk.start, walk.end);
      }
    };
    this.base.forEachToken(text, (rank) => {
      if (rank === LONE_SURROGATE) return pushBytes(loneSurrogateBytes(text.charCodeAt(walk.position)));
      const id = this.idOfRank[rank];
      if (id === NOT_KEPT) {
        if (!this.idOfBytes) return pushBytes(this.base.tokenBytes(rank));
        return this.pushSubpieces(this.base.tokenBytes(rank), (pieceId, byteLength) => {
          walk.advance(byteLength);
          out.push(pieceId, walk.start, walk.end);
        });
      }
      walk.advance(this.base.tokenLength(rank));
      out.push(id, walk.start, walk.end);
    });
    return out.finish();
  }

  /** Special ids decode to ''; bytes that form no character decode to U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    const bytes = new ByteBuffer();
    for (let i = 0; i < ids.length; i++) {
      const id = this.checkId(ids[i]);
      if (id >= FIRST_TOKEN_ID) bytes.append(this.base.tokenBytes(this.rankOfId[id - FIRST_TOKEN_ID]));
      else if (id >= BYTE_ID_BASE) bytes.push(id - BYTE_ID_BASE);
    }
    return decodeWtf8(bytes.view());
  }

  /**
   * For display: special ids as [PAD] [CLS] [SEP] [Q]; a byte id as its
   * character when printable ASCII, else <0xHH>; a token as its text, with
   * bytes that are only part of a character shown as <0xHH>.
   */
  tokenText(id: number): string {
    this.checkId(id);
    if (id < BYTE_ID_BASE) return SPECIAL_NAMES[id];
    if (id < FIRST_TOKEN_ID) {
      const b = id - BYTE_ID_BASE;
      return b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : hexByte(b);
    }
    return displayBytes(this.base.tokenBytes(this.rankOfId[id - FIRST_TOKEN_ID]));
  }

  private checkId(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`token id ${id} is outside the vocabulary '${this.version}' (0..${this.vocabSize - 1})`);
    }
    return id;
  }
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
