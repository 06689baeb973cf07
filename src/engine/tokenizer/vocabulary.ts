// The model vocabulary: its file format, its id layout and its validation.
// Ids: 0..3 special, 4..259 the 256 bytes (byte fallback), 260.. the kept
// cl100k_base tokens in the order the file lists them.

export const SPECIAL = { PAD: 0, CLS: 1, SEP: 2, Q: 3 } as const;
export const SPECIAL_NAMES: readonly string[] = ['[PAD]', '[CLS]', '[SEP]', '[Q]'];

/** Model id of byte b is BYTE_ID_BASE + b. */
export const BYTE_ID_BASE = 4;
/** Model id of tokens[i] is FIRST_TOKEN_ID + i. */
export const FIRST_TOKEN_ID = BYTE_ID_BASE + 256;
/** The model's embedding table holds at most this many ids. */
export const MAX_VOCAB_SIZE = 32000;

export interface VocabularyFile {
  format: 'treeformer-vocab';
  version: string;
  base: 'cl100k_base';
  size: number;
  /** cl100k ranks kept, model id = 260 + index */
  tokens: number[];
  /**
   * What a cl100k token outside `tokens` becomes: 'bytes' (v1) its raw bytes;
   * 'subpieces' (v2) the longest kept tokens that spell it, left to right,
   * and raw bytes only where none does. Absent means 'bytes'.
   */
  fallback?: VocabularyFallback;
  trainedOn: { files: number; chars: number; sources: string[] };
}

export type VocabularyFallback = 'bytes' | 'subpieces';

export class VocabularyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VocabularyError';
  }
}

/**
 * Throws a VocabularyError naming the first problem found. `tokenLength(rank)`
 * gives a cl100k token's byte length; `rankCount` bounds the ranks.
 * Single-byte tokens are refused: the byte ids already stand for them, and two
 * ids for one thing would split its training signal.
 */
export function validateVocabulary(v: VocabularyFile, rankCount: number, tokenLength: (rank: number) => number): void {
  const fail = (what: string): never => {
    throw new VocabularyError(`invalid vocabulary${typeof v?.version === 'string' ? ` '${v.version}'` : ''}: ${what}`);
  };
  if (typeof v !== 'object' || v === null) fail('not an object');
  if (v.format !== 'treeformer-vocab') fail(`format is ${JSON.stringify(v.format)}, expected "treeformer-vocab"`);
  if (v.base !== 'cl100k_base') fail(`base is ${JSON.stringify(v.base)}, expected "cl100k_base"`);
  if (typeof v.version !== 'string' || v.version.length === 0) fail('version must be a non-empty string');
  if (!Array.isArray(v.tokens)) fail('tokens must be an array of cl100k ranks');
  if (v.size !== FIRST_TOKEN_ID + v.tokens.length) {
    fail(`size is ${v.size}, but ${FIRST_TOKEN_ID} fixed ids + ${v.tokens.length} tokens = ${FIRST_TOKEN_ID + v.tokens.length}`);
  }
  if (v.fallback !== undefined && v.fallback !== 'bytes' && v.fallback !== 'subpieces') {
    fail(`fallback is ${JSON.stringify(v.fallback)}, expected "bytes" or "subpieces"`);
  }
  if (v.size > MAX_VOCAB_SIZE) fail(`size ${v.size} exceeds the maximum ${MAX_VOCAB_SIZE}`);
  const seen = new Set<number>();
  v.tokens.forEach((rank, i) => {
    if (!Number.isInteger(rank) || rank < 0 || rank >= rankCount) fail(`tokens[${i}] = ${rank} is not a cl100k rank`);
    if (tokenLength(rank) < 2) fail(`tokens[${i}] = ${rank} is a single byte; byte ids cover it`);
    if (seen.has(rank)) fail(`tokens[${i}] = ${rank} is listed twice`);
    seen.add(rank);
  });
}
