// The hover's logic, kept free of vscode so it is unit-tested under plain
// Node: wait for the mouse to rest, look the hovered word up among the
// workspace's definition sites (exact name, from the parser), keep the best
// one that is not the hovered line itself, cache per document version, and
// stop the moment the hover is cancelled. No definition: no hover, never an
// unrelated span.
import { isAbortError } from '../engine';
import type { DefinitionAnswer, DefinitionRequest } from '../engine/types';

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
  name: string;
  answer: DefinitionAnswer;
}

/** The part of a CancellationToken the resolver needs. */
export interface CancelToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export type Define = (request: DefinitionRequest) => Promise<DefinitionAnswer[]>;

const MAX_CONTEXT_CHARS = 200;
const DEFINITIONS_TO_CONSIDER = 5;

export class HoverResolver {
  /** Per document: the version the entries belong to, and entries by line and word. */
  private readonly cache = new Map<string, { version: number; entries: Map<string, HoverFinding | undefined> }>();

  constructor(
    private readonly define: Define,
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
      const context = usageContext(request.lineText, request.word);
      const found = await this.define({ name: request.word, paths: request.paths, context, topK: DEFINITIONS_TO_CONSIDER, signal: controller.signal });
      if (token.isCancellationRequested) return undefined;
      const answer = definitionElsewhere(found, request.file, request.line);
      const finding = answer && { name: request.word, answer };
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
 * The usage line, which ranks several definitions of one name: whitespace
 * collapsed, cut around the word when too long.
 */
export function usageContext(lineText: string, word: string, maxChars = MAX_CONTEXT_CHARS): string {
  const flat = lineText.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat || word;
  const at = Math.max(flat.indexOf(word), 0);
  const start = Math.max(0, Math.min(at - Math.floor((maxChars - word.length) / 2), flat.length - maxChars));
  return flat.slice(start, start + maxChars).trim();
}

/** The best definition that is not the hovered line itself (hovering a definition shows nothing new). */
export function definitionElsewhere(found: readonly DefinitionAnswer[], file: string, line: number): DefinitionAnswer | undefined {
  return found.find((a) => !(a.file === file && a.definitionLine === line));
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
