// Token shards of one split, readable with numpy alone (src/data/README.md):
// tokens.i32, offsets.i32, docs.index.json, questions.i32, examples.i32.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** examples.i32 row: docTokenStart, docTokenCount, questionStart, questionCount, removedStart, removedStop, answerFirst, answerLast. */
export const EXAMPLE_ROW_INTS = 8;

function appendInts(fd: number, values: Int32Array): void {
  fs.writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

export class ShardWriter {
  private readonly tokensFd: number;
  private readonly offsetsFd: number;
  private readonly questionsFd: number;
  private readonly examplesFd: number;
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

  addExampleRow(row: number[]): void {
    if (row.length !== EXAMPLE_ROW_INTS) throw new Error(`an example row has ${EXAMPLE_ROW_INTS} ints, got ${row.length}`);
    appendInts(this.examplesFd, Int32Array.from(row));
  }

  close(): void {
    for (const fd of [this.tokensFd, this.offsetsFd, this.questionsFd, this.examplesFd]) fs.closeSync(fd);
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
  };
}
