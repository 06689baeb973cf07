// The engine's public contract (DESIGN.md §6, §8): what the CLI and the
// extension call. No vscode imports here or anywhere under src/engine.
import type { Features, RankerKind } from './fusion';

/** One ranked answer: an exact span of a file, 1-based inclusive lines. */
export interface Answer {
  file: string;
  startLine: number;
  endLine: number;
  score: number;
  text: string;
  /** First lines of the enclosing definitions (class, impl, interface …), outermost first, joined by ' › '. */
  header?: string;
}

export interface AskStats {
  tokens: number;
  windows: number;
  ms: number;
}

/** A file the engine did not read, and why (shown to the user). */
export interface SkippedFile {
  file: string;
  reason: 'binary' | 'too-large' | 'empty' | 'excluded' | 'unreadable';
  detail?: string;
}

export interface Progress {
  phase: 'discover' | 'tokenize' | 'chunk' | 'index' | 'read';
  done: number;
  total: number;
  file?: string;
}

export interface AskRequest {
  question: string;
  /** Files or folders. */
  paths: string[];
  topK?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Keep the attention trace of the best answer's read for the inspector. */
  trace?: boolean;
  /** What ranks the answers (fusion.ts); default hybrid. */
  ranker?: RankerKind;
  /** Return every candidate with its features (for fitting the fusion weights). */
  withFeatures?: boolean;
}

/** A definition's chunk (its doc comment included) and the line the name is defined on. */
export interface DefinitionAnswer extends Answer {
  definitionLine: number;
}

/** Where a symbol is defined (hover). */
export interface DefinitionRequest {
  name: string;
  paths: string[];
  /** Text around the usage (its line): ranks several definitions of one name. */
  context?: string;
  topK?: number;
  signal?: AbortSignal;
}

/** For the attention inspector: where each question token was routed. */
export interface AttentionTrace {
  layers: number;
  heads: number;
  /** Leaves per tree (2^depth). */
  leaves: number;
  questionTokens: { text: string; start: number; end: number }[];
  /** The window the trace was taken from. */
  window: { file: string; charStart: number; charEnd: number };
  /** Document tokens of that window: text, file char offsets, 1-based line. */
  documentTokens: { text: string; start: number; end: number; line: number }[];
  /** leafIds[layer][head][i]: leaf of question token i (then document token i - questionTokens.length). */
  leafIds: number[][][];
}

export interface AskResult {
  answers: Answer[];
  stats: AskStats;
  skipped: SkippedFile[];
  trace?: AttentionTrace;
  /** What the user should know about how the question was read (clipped, no words in common …). */
  notes?: string[];
  /** With `withFeatures`: every candidate read, in lexical order, and its features. */
  candidates?: { answer: Answer; features: Features }[];
}

export interface EngineOptions {
  /** The .onnx model; its card (same name, .json) sits beside it. */
  modelPath: string;
  /** Tokenizer vocabulary; defaults to the one the model card names. */
  vocabPath?: string;
  device?: 'auto' | 'cpu' | 'cuda';
  /** Folder with the native runtime; defaults to dist/native/<platform>-<arch>. */
  nativeDir?: string;
  /** Where the workspace index is cached; no cache when absent. */
  cacheDir?: string;
  /** Glob patterns (relative to each folder given) to include / exclude. */
  include?: string[];
  exclude?: string[];
  /** Files larger than this are skipped with reason 'too-large'. */
  maxFileBytes?: number;
  /** A question over a scope of more (estimated) tokens than this fails with 'scope-too-large'; default DEFAULT_MAX_SCOPE_TOKENS. */
  maxScopeTokens?: number;
  /** ONNX Runtime intra-op threads; 0 or absent: every physical core. */
  threads?: number;
}

export interface IndexStats {
  files: number;
  tokens: number;
  windows: number;
  chunks: number;
  /** Files whose cached entry was reused. */
  reused: number;
  ms: number;
  skipped: SkippedFile[];
}

/** Implemented in src/engine (openEngine in src/engine/index.ts). */
export interface QaEngine {
  readonly device: 'cpu' | 'cuda';
  ask(request: AskRequest): Promise<AskResult>;
  definitions(request: DefinitionRequest): Promise<DefinitionAnswer[]>;
  buildIndex(paths: string[], options?: { signal?: AbortSignal; onProgress?: (p: Progress) => void }): Promise<IndexStats>;
  dispose(): Promise<void>;
}
