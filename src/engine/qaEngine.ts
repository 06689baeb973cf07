// The question-answering engine: files → tokens → windows → (first stage over
// the tree-routing index) → full reads → ranked line spans.
import { performance } from 'perf_hooks';
import { Corpus, CorpusFile } from './corpus';
import { discoverFiles, DiscoveryOptions } from './discovery/discover';
import { EngineError, NothingToReadError, throwIfAborted } from './errors';
import { EntryStore } from './index/entryStore';
import { bagOfPositions, packBags } from './index/leafBags';
import { LeafPostings } from './index/stage1';
import { buildInput, QuestionSide, questionSide } from './model/inputs';
import type { ModelRunner } from './model/runner';
import { mergeAndRank } from './ranking';
import { readWindows, WindowRef } from './reader';
import { bestSpanMargin } from './spans';
import type { WorkerTokenizer } from './tokenizer';
import { buildTrace } from './trace';
import type { AskRequest, AskResult, IndexStats, Progress, QaEngine } from './types';
import { WindowShape } from './windows';

export const DEFAULT_TOP_K = 5;
/** Windows read by the full model after the first stage. */
export const DEFAULT_READ_BUDGET = 32;

export interface EngineParts {
  runner: ModelRunner;
  tokenizer: WorkerTokenizer;
  device: 'cpu' | 'cuda';
  /** G of the model card. */
  questionLength: number;
  windowShape: WindowShape;
  /** Entry store of the workspace index; in-memory index only when absent. */
  store?: EntryStore;
  discovery?: Pick<DiscoveryOptions, 'include' | 'exclude' | 'maxFileBytes'>;
  readBudget?: number;
}

/** How the first stage orders windows: shared leaves fused with the answer prior, or shared leaves alone. */
export type FirstStageOrder = 'fused' | 'leaves';

/** A window of a file, by character range. */
export interface ChosenWindow {
  file: string;
  charStart: number;
  charEnd: number;
}

interface Scope {
  files: CorpusFile[];
  windowCount: number;
}

export class Engine implements QaEngine {
  readonly device: 'cpu' | 'cuda';
  private readonly corpus: Corpus;
  private readonly readBudget: number;
  private postings?: { signature: string; postings: LeafPostings };

  constructor(private readonly parts: EngineParts) {
    this.device = parts.device;
    this.corpus = new Corpus(parts.tokenizer, parts.windowShape, parts.store);
    this.readBudget = parts.readBudget ?? DEFAULT_READ_BUDGET;
  }

  async ask(request: AskRequest): Promise<AskResult> {
    const started = performance.now();
    const question = request.question.trim();
    if (question === '') throw new EngineError('bad-request', 'the question is empty');
    const topK = request.topK ?? DEFAULT_TOP_K;
    if (!Number.isInteger(topK) || topK < 1) throw new EngineError('bad-request', `top K must be a positive integer, got ${topK}`);
    const { signal, onProgress } = request;
    const { scope, skipped } = await this.gather(request.paths, signal, onProgress);
    const questionTokens = await this.parts.tokenizer.encode(question);
    const side = questionSide(questionTokens.ids, this.parts.questionLength);
    const all = allWindows(scope.files);
    const useFirstStage = all.length > this.readBudget && (this.parts.store !== undefined || scope.files.every((f) => f.content.bags));
    let chosen = all;
    if (useFirstStage) {
      await this.route(scope, signal, onProgress);
      chosen = await this.firstStage(scope, side, all, signal);
    }
    const read = await readWindows(this.parts.runner, side, chosen, { signal, onProgress, keepBestLeaves: request.trace === true });
    const ranked = mergeAndRank(read.spans).slice(0, topK);
    const byPath = new Map(scope.files.map((f) => [f.path, f.content]));
    const answers = ranked.map((s) => ({
      file: s.file,
      startLine: s.startLine,
      endLine: s.endLine,
      score: s.score,
      text: byPath.get(s.file)!.lines.linesText(s.startLine, s.endLine),
    }));
    const result: AskResult = {
      answers,
      stats: { tokens: countTokens(scope.files), windows: chosen.length, ms: performance.now() - started },
      skipped,
    };
    if (request.trace && read.best) {
      result.trace = buildTrace(question, questionTokens, side, read.best, this.parts.runner.shape);
    }
    return result;
  }

  async buildIndex(
    paths: string[],
    options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {},
  ): Promise<IndexStats> {
    const started = performance.now();
    const { scope, skipped } = await this.gather(paths, options.signal, options.onProgress);
    const reused = scope.files.filter((f) => f.content.bags).length;
    await this.route(scope, options.signal, options.onProgress);
    return {
      files: scope.files.length,
      tokens: countTokens(scope.files),
      windows: scope.windowCount,
      reused,
      ms: performance.now() - started,
      skipped,
    };
  }

  /**
   * The windows the first stage would hand to the full read for this
   * question (indexing what is not indexed yet), best first. For measuring
   * the first stage against a full read; `order: 'leaves'` ranks by the
   * shared leaves alone, without the answer prior.
   */
  async firstStageWindows(
    request: Pick<AskRequest, 'question' | 'paths' | 'signal'>,
    order: FirstStageOrder = 'fused',
  ): Promise<ChosenWindow[]> {
    const { scope } = await this.gather(request.paths, request.signal);
    await this.route(scope, request.signal);
    const side = questionSide((await this.parts.tokenizer.encode(request.question.trim())).ids, this.parts.questionLength);
    const chosen = await this.firstStage(scope, side, allWindows(scope.files), request.signal, order);
    return chosen.map((ref) => {
      const w = ref.file.content.windows[ref.window];
      return { file: ref.file.path, charStart: w.charStart, charEnd: w.charEnd };
    });
  }

  /**
   * Windows the first stage picks: the question is routed on its own, and
   * windows are ranked by the leaves they share with it.
   */
  private async firstStage(
    scope: Scope,
    side: QuestionSide,
    all: WindowRef[],
    signal?: AbortSignal,
    order: FirstStageOrder = 'fused',
  ): Promise<WindowRef[]> {
    throwIfAborted(signal);
    const runner = this.parts.runner;
    const input = buildInput(side, new Int32Array(0), 0, 0);
    const out = await runner.run(input, true);
    const question = bagOfPositions(out.leaves!, runner.shape, input.inputIds.length, 1, 1 + side.questionTokens);
    return this.postingsFor(scope)
      .top(question, this.readBudget, order === 'fused')
      .map((id) => all[id]);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.parts.runner.dispose(), this.parts.tokenizer.dispose()]);
  }

  private async gather(
    paths: string[],
    signal?: AbortSignal,
    onProgress?: (p: Progress) => void,
  ): Promise<{ scope: Scope; skipped: AskResult['skipped'] }> {
    const found = await discoverFiles(paths, { ...this.parts.discovery, signal, onProgress });
    if (found.files.length === 0) throw new NothingToReadError(found.skipped);
    const loaded = await this.corpus.load(found.files, signal, onProgress);
    // A file of only a byte-order mark decodes to no text at all.
    const files = loaded.filter((f) => f.content.tokens.ids.length > 0);
    const skipped = [
      ...found.skipped,
      ...loaded.filter((f) => f.content.tokens.ids.length === 0).map((f) => ({ file: f.path, reason: 'empty' as const, detail: 'no text' })),
    ];
    if (files.length === 0) throw new NothingToReadError(skipped);
    const windowCount = files.reduce((n, f) => n + f.content.windows.length, 0);
    return { scope: { files, windowCount }, skipped };
  }

  /**
   * Runs every window of files not yet indexed once with an empty question and
   * keeps its leaf bag and its answer prior (best span margin over [CLS]).
   */
  private async route(scope: Scope, signal?: AbortSignal, onProgress?: (p: Progress) => void): Promise<void> {
    const pending = scope.files.filter((f) => !f.content.bags);
    const total = pending.reduce((n, f) => n + f.content.windows.length, 0);
    const runner = this.parts.runner;
    const empty = questionSide([], this.parts.questionLength);
    const g = empty.ids.length;
    let done = 0;
    for (const file of pending) {
      const { content } = file;
      const bags = [];
      const priors = new Float32Array(content.windows.length);
      for (const [i, w] of content.windows.entries()) {
        throwIfAborted(signal);
        const input = buildInput(empty, content.tokens.ids, w.tokenStart, w.tokenEnd);
        const n = input.inputIds.length;
        const out = await runner.run(input, true);
        bags.push(bagOfPositions(out.leaves!, runner.shape, n, g, n));
        priors[i] = bestSpanMargin(out.start, out.end, g, n);
        onProgress?.({ phase: 'index', done: ++done, total, file: file.path });
      }
      await this.corpus.saveRouting(content, packBags(bags), priors);
    }
  }

  /** Postings over the scope's windows, rebuilt only when the scope's contents change. */
  private postingsFor(scope: Scope): LeafPostings {
    const signature = scope.files.map((f) => f.content.hash).join(',');
    if (this.postings?.signature !== signature) {
      const lengths = new Uint32Array(scope.windowCount);
      let i = 0;
      for (const f of scope.files) for (const w of f.content.windows) lengths[i++] = w.tokenEnd - w.tokenStart;
      const postings = new LeafPostings(
        scope.files.map((f) => f.content.bags!),
        lengths,
        concatFloats(scope.files.map((f) => f.content.priors!)),
      );
      this.postings = { signature, postings };
    }
    return this.postings.postings;
  }
}

function allWindows(files: readonly CorpusFile[]): WindowRef[] {
  const refs: WindowRef[] = [];
  for (const file of files) {
    for (let window = 0; window < file.content.windows.length; window++) refs.push({ file, window, id: refs.length });
  }
  return refs;
}

function concatFloats(parts: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

function countTokens(files: readonly CorpusFile[]): number {
  return files.reduce((n, f) => n + f.content.tokens.ids.length, 0);
}
