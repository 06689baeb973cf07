// Records the data pipeline reads and writes (src/data/README.md describes the files).

/** Where a document comes from; one id per corpus. */
export type SourceId = 'npm-dts' | 'python' | 'go' | 'rust' | 'python-faq';

export type Split = 'train' | 'dev' | 'test';
export const SPLITS: readonly Split[] = ['train', 'dev', 'test'];

export type ExampleKind = 'doc2decl' | 'comment2code' | 'usage2def' | 'faq';
export const EXAMPLE_KINDS: readonly ExampleKind[] = ['doc2decl', 'comment2code', 'usage2def', 'faq'];

/** UTF-16 character offsets [start, end) into a document's text. */
export interface Span {
  start: number;
  end: number;
}

/** A span plus its 1-based inclusive lines (endLine is the line of character end − 1). */
export interface LineSpan extends Span {
  startLine: number;
  endLine: number;
}

/** A corpus file found by the walker. */
export interface CorpusFile {
  source: SourceId;
  /** Source-qualified package name, e.g. "go:net/http"; the unit of the split. */
  package: string;
  /** Relative to the source's root, '/'-separated. */
  path: string;
  absPath: string;
}

/** One line of <split>/docs.jsonl. */
export interface DocRecord {
  docId: string;
  package: string;
  source: SourceId;
  path: string;
  text: string;
}

/** A document as read, before mining. */
export interface LoadedDocument {
  record: DocRecord;
  /** Where the file was read from (the Python helper parses it there); never written out. */
  absPath: string;
}

/** One line of <split>/examples.jsonl, before token ranges are added. */
export interface ExampleRecord {
  id: string;
  source: SourceId;
  kind: ExampleKind;
  package: string;
  docId: string;
  question: string;
  /** doc2decl: the developer's kind of question (locate / explain / config). */
  questionKind?: 'locate' | 'explain' | 'config';
  /**
   * Characters of the document that the model's input omits, sorted and
   * disjoint: none (the document intact), or the comment asked about together
   * with distractor cuts elsewhere (data v2), or a FAQ section's title.
   */
  cuts: Span[];
  answer: LineSpan;
  /** usage2def: the symbol asked about and where the query's usage sits in the document. */
  symbol?: string;
  usage?: Span;
}
