// Token shards of one split, readable with numpy alone (src/data/README.md):
// tokens.i32, offsets.i32, docs.index.json, questions.i32, examples.i32,
// cuts.i32, candidates.i32, lexical-ranks.i32. Format 3 (data v2);
// models/treeformer/data.py is the reader.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const SHARD_FORMAT = 3;
/**
 * examples.i32 row: docTokenStart, docTokenCount, questionStart, questionCount,
 * cutStart, cutCount (rows of cuts.i32), candidateStart, candidateCount (rows
 * of candidates.i32), answerFirst, answerLast. Token positions in cuts,
 * candidates and the answer are relative to the document's first token.
 */
export const EXAMPLE_ROW_INTS = 10;
/** cuts.i32 row: first, stop (half-open) tokens cut from the shown document. */
export const CUT_ROW_INTS = 2;
/** candidates.i32 row: first, last (inclusive) tokens of a chunk of the same file, and its kind. */
export const CANDIDATE_ROW_INTS = 3;
export const CANDIDATE_KIND = { gold: 0, lexical: 1, random: 2 } as const;
/** lexical-ranks.i32: one int32 per example, in examples.i32 order: FileChunks.lexicalRank of its gold chunk. */
export const LEXICAL_RANKS_FILE = 'lexical-ranks.i32';

function appendInts(fd: number, values: Int32Array): void {
  fs.writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

export class ShardWriter {
  private readonly tokensFd: number;
  private readonly offsetsFd: number;
  private readonly questionsFd: number;
  private readonly examplesFd: number;
  private readonly cutsFd: number;
  private readonly candidatesFd: number;
  private readonly lexicalRanksFd: number;
  private cutRows = 0;
  private candidateRows = 0;
  private readonly index: Record<string, [number, number]> = {};
  private tokenCount = 0;
  private questionTokenCount = 0;

  constructor(private readonly dir: string) {
    if (os.endianness() !== 'LE') throw new Error('shards are little-endian; this machine is not');
    fs.mkdirSync(dir, { recursive: true });
    this.tokensFd = fs.openSync(path.join(dir, 'tokens.i32'), 'w');
    this.offsetsFd = fs.openSync(path.join(dir, 'offsets.i32'), 'w');
    this.questionsFd = fs.openSync(path.join(dir, 'questions.i32'), 'w');
    this.examplesFd = fs.openSync(path.join(dir, 'examples.i32'), 'w');
    this.cutsFd = fs.openSync(path.join(dir, 'cuts.i32'), 'w');
    this.candidatesFd = fs.openSync(path.join(dir, 'candidates.i32'), 'w');
    this.lexicalRanksFd = fs.openSync(path.join(dir, LEXICAL_RANKS_FILE), 'w');
  }

  /** Appends a document's tokens and their (start, end) offsets; returns [tokenStart, tokenCount]. */
  addDocument(docId: string, ids: Int32Array, starts: Int32Array, ends: Int32Array): [number, number] {
    if (docId in this.index) throw new Error(`document ${docId} written twice`);
    const offsets = new Int32Array(ids.length * 2);
    for (let i = 0; i < ids.length; i++) {
      offsets[2 * i] = starts[i];
      offsets[2 * i + 1] = ends[i];
    }
    appendInts(this.tokensFd, ids);
    appendInts(this.offsetsFd, offsets);
    const entry: [number, number] = [this.tokenCount, ids.length];
    this.index[docId] = entry;
    this.tokenCount += ids.length;
    return entry;
  }

  /** Appends a question's ids; returns [questionStart, questionCount]. */
  addQuestion(ids: Int32Array): [number, number] {
    appendInts(this.questionsFd, ids);
    const entry: [number, number] = [this.questionTokenCount, ids.length];
    this.questionTokenCount += ids.length;
    return entry;
  }

  /**
   * One example: its document, question, cuts [first, stop) and candidates
   * [first, last, kind], answer [first, last], and the lexical rank of its
   * gold chunk (FileChunks.lexicalRank).
   */
  addExample(doc: [number, number], question: [number, number], cuts: [number, number][],
    candidates: [number, number, number][], answer: [number, number], lexicalRank: number): void {
    appendInts(this.lexicalRanksFd, Int32Array.from([lexicalRank]));
    appendInts(this.cutsFd, Int32Array.from(cuts.flat()));
    appendInts(this.candidatesFd, Int32Array.from(candidates.flat()));
    appendInts(this.examplesFd, Int32Array.from([...doc, ...question, this.cutRows, cuts.length, this.candidateRows, candidates.length, ...answer]));
    this.cutRows += cuts.length;
    this.candidateRows += candidates.length;
  }

  close(): void {
    for (const fd of [this.tokensFd, this.offsetsFd, this.questionsFd, this.examplesFd, this.cutsFd, this.candidatesFd, this.lexicalRanksFd]) fs.closeSync(fd);
    fs.writeFileSync(path.join(this.dir, 'docs.index.json'), JSON.stringify(this.index) + '\n');
  }
}

export interface Shards {
  tokens: Int32Array;
  /** Interleaved (start, end) per token. */
  offsets: Int32Array;
  index: Record<string, [number, number]>;
  questions: Int32Array;
  /** EXAMPLE_ROW_INTS ints per example, in examples.jsonl order. */
  examples: Int32Array;
  cuts: Int32Array;
  candidates: Int32Array;
  /** One per example. */
  lexicalRanks: Int32Array;
}

function readInts(file: string): Int32Array {
  const buf = fs.readFileSync(file);
  return new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export function readShards(dir: string): Shards {
  return {
    tokens: readInts(path.join(dir, 'tokens.i32')),
    offsets: readInts(path.join(dir, 'offsets.i32')),
    index: JSON.parse(fs.readFileSync(path.join(dir, 'docs.index.json'), 'utf8')) as Record<string, [number, number]>,
    questions: readInts(path.join(dir, 'questions.i32')),
    examples: readInts(path.join(dir, 'examples.i32')),
    cuts: readInts(path.join(dir, 'cuts.i32')),
    candidates: readInts(path.join(dir, 'candidates.i32')),
    lexicalRanks: readInts(path.join(dir, LEXICAL_RANKS_FILE)),
  };
}
