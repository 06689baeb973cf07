// The tokenizer used both to write training data and at inference (DESIGN §6).
//
// Base BPE: cl100k_base (js-tiktoken). Model ids: 0 [PAD], 1 [CLS], 2 [SEP],
// 3 [Q]; 4..259 the bytes 0x00..0xFF; 260.. the cl100k tokens the vocabulary
// keeps. A cl100k token that is not kept is written as its bytes, so every
// string encodes losslessly; a lone surrogate is written as its 3 WTF-8 bytes
// (U+D800 → ED A0 80) and decodes back to the same code unit.
//
// Offsets are UTF-16 code units of the input: token i covers
// text.slice(starts[i], ends[i]). Tokens tile the text in order: starts[0] = 0,
// the last end = text.length, and between consecutive tokens either
// starts[i + 1] === ends[i], or the boundary falls inside one character, which
// then belongs to both tokens (a token that holds only some bytes of a
// character gets the whole character's range; see offsets.ts).
export { Tokenizer } from './tokenizer';
export type { Encoding } from './tokenizer';
export { SPECIAL, MAX_VOCAB_SIZE, VocabularyError } from './vocabulary';
export type { VocabularyFile } from './vocabulary';
export { WorkerTokenizer } from './workerTokenizer';
