// The evaluation split as the data pipeline writes it:
// models/data/<split>/docs.jsonl and examples.jsonl, one JSON object a line.
import * as fs from 'fs';
import * as readline from 'readline';
import { EXAMPLE_KINDS, ExampleKind } from '../data/types';

export interface SourceDocument {
  docId: string;
  package: string;
  source: string;
  path: string;
  text: string;
}

export type { ExampleKind };

/** Character offsets [start, end) and 1-based inclusive lines, all in the ORIGINAL document text. */
export interface GoldSpan {
  start: number;
  end: number;
  startLine: number;
  endLine: number;
}

export interface Example {
  id: string;
  source: string;
  kind: ExampleKind;
  package: string;
  docId: string;
  question: string;
  /** Characters [start, end) cut out of the document before it is shown, sorted and disjoint (src/data/types.ts). */
  cuts: { start: number; end: number }[];
  answer: GoldSpan;
}

async function* jsonLines(file: string): AsyncGenerator<{ value: unknown; line: number }> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { value: JSON.parse(text), line };
    } catch (err) {
      throw new Error(`${file}:${line}: not JSON (${(err as Error).message})`);
    }
  }
}

function hasStrings(value: unknown, keys: string[]): value is Record<string, string> {
  return typeof value === 'object' && value !== null && keys.every((k) => typeof (value as Record<string, unknown>)[k] === 'string');
}

function isOffsetPair(value: unknown): value is { start: number; end: number } {
  const v = value as { start?: unknown; end?: unknown } | null;
  return typeof v === 'object' && v !== null && Number.isInteger(v.start) && Number.isInteger(v.end);
}


export async function readExamples(file: string): Promise<Example[]> {
  const examples: Example[] = [];
  for await (const { value, line } of jsonLines(file)) {
    const v = value as Partial<Example>;
    const ok =
      hasStrings(value, ['id', 'source', 'kind', 'package', 'docId', 'question']) &&
      EXAMPLE_KINDS.includes(v.kind as ExampleKind) &&
      isOffsetPair(v.answer) &&
      Number.isInteger(v.answer.startLine) &&
      Number.isInteger(v.answer.endLine) &&
      Array.isArray(v.cuts) &&
      v.cuts.every(isOffsetPair);
    if (!ok) throw new Error(`${file}:${line}: not an example {id, source, kind, package, docId, question, cuts, answer}`);
    examples.push(v as Example);
  }
  return examples;
}

/** The documents with the given ids (only those are kept in memory). */
export async function readDocuments(file: string, wanted: ReadonlySet<string>): Promise<Map<string, SourceDocument>> {
  const documents = new Map<string, SourceDocument>();
  for await (const { value, line } of jsonLines(file)) {
    if (!hasStrings(value, ['docId', 'package', 'source', 'path', 'text'])) {
      throw new Error(`${file}:${line}: not a document {docId, package, source, path, text}`);
    }
    if (wanted.has(value.docId)) documents.set(value.docId, value as unknown as SourceDocument);
  }
  return documents;
}
