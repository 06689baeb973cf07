// The BM25 baseline: ranks the same token windows the model reads, then
// answers with the best few-line span inside each of the top windows.
import { Encoding, splitIntoWindows, TokenWindow, WINDOW_SIZE, WINDOW_STRIDE, WindowShape } from '../engine/windows';
import { bestLineSpan, MAX_SPAN_LINES } from './bestSpan';
import { Bm25Collection, queryTerms } from './bm25';
import { LineIndex } from '../engine/lines';
import { Answer, Ranker, RankerDocument } from './ranker';
import { textTerms } from './terms';

/** Anything that tokenizes text with character offsets (the engine's Tokenizer). */
export interface WindowTokenizer {
  encode(text: string): Encoding;
}

export interface Bm25RankerOptions {
  window?: WindowShape;
  maxSpanLines?: number;
}

interface RankedWindow {
  document: number;
  window: TokenWindow;
  score: number;
}

export class Bm25Ranker implements Ranker {
  readonly name = 'bm25';
  private readonly window: WindowShape;
  private readonly maxSpanLines: number;

  constructor(private readonly tokenizer: WindowTokenizer, options: Bm25RankerOptions = {}) {
    this.window = options.window ?? { size: WINDOW_SIZE, stride: WINDOW_STRIDE };
    this.maxSpanLines = options.maxSpanLines ?? MAX_SPAN_LINES;
  }

  async rank(question: string, documents: RankerDocument[], topK: number, signal?: AbortSignal): Promise<Answer[]> {
    const windowsOf: TokenWindow[][] = [];
    const windowTerms: string[][] = [];
    for (const document of documents) {
      signal?.throwIfAborted();
      const windows = splitIntoWindows(this.tokenizer.encode(document.text), this.window);
      windowsOf.push(windows);
      for (const w of windows) windowTerms.push(textTerms(document.text.slice(w.charStart, w.charEnd)));
    }
    const collection = new Bm25Collection(windowTerms);
    const query = queryTerms(textTerms(question));

    const ranked: RankedWindow[] = [];
    let index = 0; // position of the window in the collection
    windowsOf.forEach((windows, document) => {
      for (const window of windows) ranked.push({ document, window, score: collection.scoreDocument(query, index++) });
    });
    // Stable sort: equal scores keep document order, then window order.
    ranked.sort((a, b) => b.score - a.score);

    const lineIndexes = new Map<number, LineIndex>();
    const answers: Answer[] = [];
    for (const { document, window, score } of ranked) {
      if (answers.length >= topK || score <= 0) break;
      signal?.throwIfAborted();
      const { file, text } = documents[document];
      let lines = lineIndexes.get(document);
      if (!lines) lineIndexes.set(document, (lines = new LineIndex(text)));
      const { startLine: firstLine, endLine: lastLine } = lines.linesOfRange(window.charStart, window.charEnd);
      const span = bestLineSpan(collection, query, lines, firstLine, lastLine, this.maxSpanLines);
      // Overlapping windows often agree on a span; a repeat would only push other answers down.
      const repeats = answers.some((a) => a.file === file && a.startLine <= span.endLine && span.startLine <= a.endLine);
      if (repeats) continue;
      answers.push({ file, startLine: span.startLine, endLine: span.endLine, score, text: lines.linesText(span.startLine, span.endLine) });
    }
    return answers;
  }
}
