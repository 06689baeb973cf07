// The hover's logic, kept free of vscode so it is unit-tested under plain
// Node: wait for the mouse to rest, ask the engine with the usage line as the
// question, keep the best span that is not the hovered line itself, cache per
// document version, and stop the moment the hover is cancelled.
import { isAbortError } from '../engine';
import type { Answer, AskRequest, AskResult } from '../engine/types';

export interface HoverRequest {
  /** Identifies the document (its URI). */
  documentKey: string;
  version: number;
  /** The document's file on disk. */
  file: string;
  /** 1-based line of the hovered symbol. */
  line: number;
  lineText: string;
  word: string;
  /** What to search: the workspace folder holding the file, or the file. */
  paths: string[];
}

export interface HoverFinding {
  question: string;
  answer: Answer;
}

/** The part of a CancellationToken the resolver needs. */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export type Ask = (request: AskRequest) => Promise<AskResult>;

const MAX_QUESTION_CHARS = 200;
const ANSWERS_TO_CONSIDER = 5;

export class HoverResolver {
  /** Per document: the version the entries belong to, and entries by line and word. */
  private readonly cache = new Map<string, { version: number; entries: Map<string, HoverFinding | undefined> }>();

  constructor(
    private readonly ask: Ask,
    private readonly delayMs: () => number,
  ) {}

  /** The finding, or undefined when there is none or the hover was cancelled. */
  async resolve(request: HoverRequest, token: CancelToken): Promise<HoverFinding | undefined> {
    if (!isSymbol(request.word)) return undefined;
    const entryKey = `${request.line}\n${request.word}`;
    const entries = this.entriesFor(request);
    if (entries.has(entryKey)) return entries.get(entryKey);

    if (!(await restFor(this.delayMs(), token))) return undefined;
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    try {
      const question = hoverQuestion(request.lineText, request.word);
      const result = await this.ask({ question, paths: request.paths, topK: ANSWERS_TO_CONSIDER, signal: controller.signal });
      if (token.isCancellationRequested) return undefined;
      const answer = bestAnswerElsewhere(result.answers, request.file, request.line);
      const finding = answer && { question, answer };
      entries.set(entryKey, finding);
      return finding;
    } catch (err) {
      if (isAbortError(err) || token.isCancellationRequested) return undefined;
      throw err;
    } finally {
      subscription.dispose();
    }
  }

  /** Drops a closed document's entries. */
  forget(documentKey: string): void {
    this.cache.delete(documentKey);
  }

  private entriesFor(request: HoverRequest): Map<string, HoverFinding | undefined> {
    const existing = this.cache.get(request.documentKey);
    if (existing && existing.version === request.version) return existing.entries;
    const fresh = { version: request.version, entries: new Map<string, HoverFinding | undefined>() };
    this.cache.set(request.documentKey, fresh);
    return fresh.entries;
  }
}

/** A word worth explaining: has a letter or underscore, and is not a single character. */
export function isSymbol(word: string): boolean {
  return word.length >= 2 && /[A-Za-z_]/.test(word);
}

/**
 * The usage line is the question (the model was trained on usage → definition
 * pairs that way): whitespace collapsed, cut around the word when too long.
 */
export function hoverQuestion(lineText: string, word: string, maxChars = MAX_QUESTION_CHARS): string {
  const flat = lineText.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat || word;
  const at = Math.max(flat.indexOf(word), 0);
  const start = Math.max(0, Math.min(at - Math.floor((maxChars - word.length) / 2), flat.length - maxChars));
  return flat.slice(start, start + maxChars).trim();
}

/** The best answer that is not the hovered line itself. */
export function bestAnswerElsewhere(answers: readonly Answer[], file: string, line: number): Answer | undefined {
  return answers.find((a) => !(a.file === file && a.startLine <= line && line <= a.endLine));
}

/** Waits `ms`; false if the token was cancelled meanwhile. */
function restFor(ms: number, token: CancelToken): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      resolve(!token.isCancellationRequested);
    }, ms);
    const subscription = token.onCancellationRequested(() => {
      clearTimeout(timer);
      subscription.dispose();
      resolve(false);
    });
  });
}
