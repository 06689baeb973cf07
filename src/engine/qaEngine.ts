// The question-answering engine (DESIGN §8): files → chunks → lexical first
// stage (BM25 over code-aware terms, plus the tree-leaf score when the
// workspace index holds it) → the Treeformer reads the best candidates in
// context → fused scores → answers snapped to their chunk.
import { performance } from 'perf_hooks';
import { ChunkSet, Corpus, CorpusFile } from './corpus';
import { discoverFiles, DiscoveryOptions } from './discovery/discover';
import { EngineError, NothingToReadError, throwIfAborted } from './errors';
import { DEFAULT_FUSION, Features, fusedScore, FusionWeights, RankerKind } from './fusion';
import { EntryStore } from './index/entryStore';
import { bagOfPositions, packBags } from './index/leafBags';
import { LeafPostings } from './index/stage1';
import { buildInput, questionSide, QuestionSide } from './model/inputs';
import type { ModelRunner } from './model/runner';
import { Candidate, ReadContext, readCandidates, readForTrace } from './reader';
import { LexicalIndex, topIndexes } from './search/lexicalIndex';
import { expandQuery } from './search/synonyms';
import { questionTerms } from './search/terms';
import type { WorkerTokenizer } from './tokenizer';
import { buildTrace } from './trace';
import type { Answer, AskRequest, AskResult, DefinitionAnswer, DefinitionRequest, IndexStats, Progress, QaEngine } from './types';
import { WindowShape } from './windows';

export const DEFAULT_TOP_K = 5;
/** Longest question read; a longer one is clipped (and the result says so). */
export const MAX_QUESTION_CHARS = 4000;
/** An answer's text is clipped here (a chunk of minified code can be one multi-megabyte line). */
export const MAX_ANSWER_CHARS = 20_000;

export interface EngineParts {
  runner: ModelRunner;
  tokenizer: WorkerTokenizer;
  device: 'cpu' | 'cuda';
  /** G of the model card. */
  questionLength: number;
  windowShape: WindowShape;
  /** Document tokens the reader reads in one window (the card's read_tokens, ≤ max_window − G). */
  readTokens: number;
  /** The card's reader.chunk_top_tokens (reader.ts, chunkRelevance). */
  chunkTopTokens?: number;
  /** Fusion weights of the model card. */
  fusion?: FusionWeights;
  /** Entry store of the workspace index; in-memory index only when absent. */
  store?: EntryStore;
  discovery?: Pick<DiscoveryOptions, 'include' | 'exclude' | 'maxFileBytes'>;
  /** The token cap of one question's scope (EngineOptions.maxScopeTokens). */
  maxScopeTokens?: number;
}

interface Scope {
  files: CorpusFile[];
  chunkSets: ChunkSet[];
  windowCount: number;
}

/** The scope's chunks numbered in order: file i's chunk j is number offsets[i] + j. */
interface ScopeIndex {
  signature: string;
  lexical: LexicalIndex;
  offsets: number[];
  leaves?: LeafPostings;
}

export class Engine implements QaEngine {
  readonly device: 'cpu' | 'cuda';
  readonly fusion: FusionWeights;
  private readonly corpus: Corpus;
  private index?: ScopeIndex;

  constructor(private readonly parts: EngineParts) {
    this.device = parts.device;
    this.corpus = new Corpus(parts.tokenizer, parts.windowShape, parts.store);
    this.fusion = parts.fusion ?? DEFAULT_FUSION;
  }

  async ask(request: AskRequest): Promise<AskResult> {
    const started = performance.now();
    let question = request.question.trim();
    if (question === '') throw new EngineError('bad-request', 'the question is empty');
    const notes: string[] = [];
    if (question.length > MAX_QUESTION_CHARS) {
      question = question.slice(0, MAX_QUESTION_CHARS);
      notes.push(`the question was clipped to its first ${MAX_QUESTION_CHARS} characters`);
    }
    const topK = request.topK ?? DEFAULT_TOP_K;
    if (!Number.isInteger(topK) || topK < 1) throw new EngineError('bad-request', `top K must be a positive integer, got ${topK}`);
    const kind: RankerKind = request.ranker ?? 'hybrid';
    const { signal, onProgress } = request;
    const { scope, skipped } = await this.gather(request.paths, signal, onProgress);
    if (this.parts.store) await this.route(scope, signal, onProgress);
    const index = this.indexFor(scope);

    const terms = questionTerms(question);
    const lexical = index.lexical.score(expandQuery(terms));
    const questionTokens = await this.parts.tokenizer.encode(question);
    const side = questionSide(questionTokens.ids, this.parts.questionLength);
    if (this.fusion.leaves !== 0 && scope.files.every((f) => f.content.bags)) {
      await this.addLeafScores(scope, index, side, lexical, signal);
    }
    const readCount = kind === 'bm25' ? topK : Math.max(topK, this.fusion.candidates);
    const chosen = topIndexes(lexical, readCount);
    if (chosen.length === 0) notes.push('no chunk shares a word with the question');
    const best = chosen.length > 0 ? lexical[chosen[0]] : 1;
    const candidates = chosen.map((id) => this.candidate(scope, index, id));
    const features: Features[] = chosen.map((id) => ({ lexical: lexical[id] / best, relevance: 0, span: 0 }));

    // A card whose fitted model weights are 0 makes hybrid lexical: the reader is not run for nothing.
    const modelWeighs = kind === 'model' || this.fusion.relevance !== 0 || this.fusion.span !== 0;
    if (kind !== 'bm25' && (modelWeighs || request.withFeatures) && candidates.length > 0) {
      const { readings, crowded } = await readCandidates(this.parts.runner, side, candidates, { readTokens: this.parts.readTokens, chunkTopTokens: this.parts.chunkTopTokens, signal, onProgress });
      readings.forEach((r, i) => Object.assign(features[i], r));
      const worst = crowded.reduce<(typeof crowded)[number] | undefined>((a, b) => (a && a.share >= b.share ? a : b), undefined);
      if (worst) {
        notes.push(`one tree leaf holds ${Math.round(worst.share * 100)}% of the keys of a head in ${worst.file.path} (and ${crowded.length - 1} other windows): tree attention there costs nearly what dense attention does`);
      }
    }
    const order = candidates
      .map((c, i) => ({ c, score: fusedScore(kind, this.fusion, features[i]) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
    const answers = order.map(({ c, score }) => answerOf(c, score));
    const result: AskResult = {
      answers,
      stats: { tokens: countTokens(scope.files), windows: candidates.length, ms: 0 },
      skipped,
    };
    if (notes.length > 0) result.notes = notes;
    if (request.withFeatures) result.candidates = candidates.map((c, i) => ({ answer: answerOf(c, features[i].lexical), features: features[i] }));
    if (request.trace && order.length > 0) {
      const context = await readForTrace(this.parts.runner, side, order[0].c, this.parts.readTokens);
      if (context) result.trace = buildTrace(question, questionTokens, side, context, this.parts.runner.shape);
    }
    result.stats.ms = performance.now() - started;
    return result;
  }

  /**
   * Where `name` is defined in the paths (exact identifier match on the
   * parser's definition sites), as answers holding each definition's chunk
   * (its doc comment included), ranked by how well the chunk matches
   * `context` (the usage line), then by file order.
   */
  async definitions(request: DefinitionRequest): Promise<DefinitionAnswer[]> {
    const { scope } = await this.gather(request.paths, request.signal);
    const index = this.indexFor(scope);
    const lexical = index.lexical.score(questionTerms(request.context ?? request.name).map((term) => ({ term, weight: 1 })));
    const found: { c: Candidate; line: number; score: number }[] = [];
    scope.chunkSets.forEach((set, f) => {
      set.chunks.forEach((chunk, j) => {
        const d = chunk.definitions.find((x) => x.name === request.name);
        if (d) found.push({ c: { file: scope.files[f], chunks: set, chunk: j }, line: d.line, score: lexical[index.offsets[f] + j] });
      });
    });
    found.sort((a, b) => b.score - a.score);
    return found.slice(0, request.topK ?? DEFAULT_TOP_K).map(({ c, line, score }) => ({ ...answerOf(c, score), definitionLine: line }));
  }

  async buildIndex(
    paths: string[],
    options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
  ): Promise<IndexStats> {
    const started = performance.now();
    const { scope, skipped } = await this.gather(paths, options.signal, options.onProgress);
    const reused = scope.files.filter((f) => f.content.bags).length;
    await this.route(scope, options.signal, options.onProgress);
    this.indexFor(scope);
    return {
      files: scope.files.length,
      tokens: countTokens(scope.files),
      windows: scope.windowCount,
      chunks: scope.chunkSets.reduce((n, s) => n + s.chunks.length, 0),
      reused,
      ms: performance.now() - started,
      skipped,
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.parts.runner.dispose(), this.parts.tokenizer.dispose()]);
  }

  /**
   * Adds to every chunk's lexical score the tree-leaf score of the window
   * holding its first token (index/stage1.ts: the leaves that window shares
   * with the question, routed on its own), scaled to the best window's.
   */
  private async addLeafScores(scope: Scope, index: ScopeIndex, side: QuestionSide, lexical: Float64Array, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const runner = this.parts.runner;
    const input = buildInput(side, new Int32Array(0), 0, 0);
    const out = await runner.run(input, true);
    const bag = bagOfPositions(out.leaves!, runner.shape, input.inputIds.length, 1, 1 + side.questionTokens);
    index.leaves ??= leafPostings(scope);
    const windowScores = index.leaves.score(bag);
    let best = -Infinity;
    let worst = Infinity;
    for (const x of windowScores) {
      best = Math.max(best, x);
      worst = Math.min(worst, x);
    }
    const range = best - worst || 1;
    const topLexical = lexical.reduce((a, b) => Math.max(a, b), 1e-9);
    let window = 0;
    scope.files.forEach((f, i) => {
      const { stride } = this.parts.windowShape;
      const set = scope.chunkSets[i];
      const last = f.content.windows.length - 1;
      for (let j = 0; j < set.chunks.length; j++) {
        const w = window + Math.min(last, Math.floor(set.tokenStarts[j] / stride));
        lexical[index.offsets[i] + j] += this.fusion.leaves * topLexical * ((windowScores[w] - worst) / range);
      }
      window += f.content.windows.length;
    });
  }

  private candidate(scope: Scope, index: ScopeIndex, id: number): Candidate {
    let f = 0;
    while (f + 1 < index.offsets.length && index.offsets[f + 1] <= id) f++;
    return { file: scope.files[f], chunks: scope.chunkSets[f], chunk: id - index.offsets[f] };
  }

  private async gather(
    paths: string[],
    signal?: AbortSignal,
    onProgress?: (p: Progress) => void,
  ): Promise<{ scope: Scope; skipped: AskResult['skipped'] }> {
    const found = await discoverFiles(paths, { ...this.parts.discovery, signal, onProgress });
    if (found.files.length === 0) throw new NothingToReadError(found.skipped);
    checkScopeSize(found.files, this.parts.maxScopeTokens ?? DEFAULT_MAX_SCOPE_TOKENS);
    const loaded = await this.corpus.load(found.files, signal, onProgress);
    // A file of only a byte-order mark decodes to no text at all.
    const files = loaded.filter((f) => f.content.tokens.ids.length > 0);
    const skipped = [
      ...found.skipped,
      ...loaded.filter((f) => f.content.tokens.ids.length === 0).map((f) => ({ file: f.path, reason: 'empty' as const, detail: 'no text' })),
    ];
    if (files.length === 0) throw new NothingToReadError(skipped);
    const chunkSets: ChunkSet[] = [];
    for (const [i, f] of files.entries()) {
      throwIfAborted(signal);
      chunkSets.push(await this.corpus.chunksOf(f));
      onProgress?.({ phase: 'chunk', done: i + 1, total: files.length, file: f.path });
    }
    const windowCount = files.reduce((n, f) => n + f.content.windows.length, 0);
    return { scope: { files, chunkSets, windowCount }, skipped };
  }

  /**
   * Indexes files not indexed yet. With a leaf weight, every window runs once
   * with an empty question and keeps its leaf bag;
   * without one the model is not run and the entry holds empty bags, so the
   * tokens are still reused across processes.
   */
  private async route(scope: Scope, signal?: AbortSignal, onProgress?: (p: Progress) => void): Promise<void> {
    const pending = scope.files.filter((f) => !f.content.bags);
    const total = pending.reduce((n, f) => n + f.content.windows.length, 0);
    const runner = this.parts.runner;
    const empty = questionSide([], this.parts.questionLength);
    const g = empty.ids.length;
    const routes = this.fusion.leaves !== 0;
    let done = 0;
    for (const file of pending) {
      throwIfAborted(signal);
      const { content } = file;
      const bags = [];
      for (const w of content.windows) {
        if (!routes) {
          bags.push({ keys: new Uint32Array(0), counts: new Uint16Array(0) });
          continue;
        }
        throwIfAborted(signal);
        const input = buildInput(empty, content.tokens.ids, w.tokenStart, w.tokenEnd);
        const n = input.inputIds.length;
        const out = await runner.run(input, true);
        bags.push(bagOfPositions(out.leaves!, runner.shape, n, g, n));
        onProgress?.({ phase: 'index', done: ++done, total, file: file.path });
      }
      if (!routes) onProgress?.({ phase: 'index', done: (done += content.windows.length), total, file: file.path });
      await this.corpus.saveRouting(content, packBags(bags));
    }
  }

  /** The lexical index of the scope, rebuilt only when the scope's contents change. */
  private indexFor(scope: Scope): ScopeIndex {
    const signature = scope.files.map((f) => f.content.hash).join(',');
    if (this.index?.signature !== signature) {
      const offsets: number[] = [];
      let n = 0;
      for (const set of scope.chunkSets) {
        offsets.push(n);
        n += set.chunks.length;
      }
      this.index = { signature, lexical: new LexicalIndex(scope.chunkSets.flatMap((s) => s.terms)), offsets };
    }
    return this.index;
  }
}

function answerOf(c: Candidate, score: number): Answer {
  const chunk = c.chunks.chunks[c.chunk];
  const { lines } = c.file.content;
  const header = chunk.headers.map((h) => lines.lineText(h).trim()).join(' › ');
  return {
    file: c.file.path,
    startLine: chunk.startLine,
    endLine: chunk.endLine,
    score,
    text: clip(lines.linesText(chunk.startLine, chunk.endLine)),
    ...(header ? { header } : {}),
  };
}

function clip(text: string): string {
  return text.length > MAX_ANSWER_CHARS ? `${text.slice(0, MAX_ANSWER_CHARS)}…` : text;
}

function countTokens(files: readonly CorpusFile[]): number {
  return files.reduce((n, f) => n + f.content.tokens.ids.length, 0);
}

function leafPostings(scope: Scope): LeafPostings {
  const lengths = new Uint32Array(scope.windowCount);
  let i = 0;
  for (const f of scope.files) for (const w of f.content.windows) lengths[i++] = w.tokenEnd - w.tokenStart;
  return new LeafPostings(scope.files.map((f) => f.content.bags!), lengths);
}

/** Tokens a question may read by default: about 8 MB of code, a few minutes of tokenizing on 2 cores. */
export const DEFAULT_MAX_SCOPE_TOKENS = 2_000_000;
/** Bytes per token to estimate a scope before tokenizing it (code runs ~3.9; erring low keeps the cap). */
const BYTES_PER_TOKEN_ESTIMATE = 3;

/** Refuses, before any tokenizing, a scope whose estimated tokens pass the cap. */
function checkScopeSize(files: readonly { bytes: number }[], cap: number): void {
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  const estimate = Math.ceil(bytes / BYTES_PER_TOKEN_ESTIMATE);
  if (estimate <= cap) return;
  throw new EngineError(
    'scope-too-large',
    `the scope holds about ${estimate.toLocaleString('en-US')} tokens in ${files.length} file${files.length === 1 ? '' : 's'}, over the cap of ${cap.toLocaleString('en-US')} tokens a question; ` +
      'narrow the scope (a folder, or exclude globs) or raise the cap (--max-tokens, or the setting treeformer.maxTokensPerQuestion)',
  );
}
