// Runs a ranker over a split's examples and scores every answer list.
import { performance } from 'perf_hooks';
import { ExampleResult, summarize, summarizeBy } from './aggregate';
import { Example, SourceDocument } from './dataset';
import { documentForExample, ExampleDocument } from './exampleDocument';
import { GoldLines, hitAt, MAX_HIT_LINES, reciprocalRank, tokenExactMatch, tokenF1 } from './metrics';
import { Answer, Ranker } from './ranker';
import { EvalReport } from './report';

export const DEFAULT_TOP_K = 10;

export interface EvaluateOptions {
  topK?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** At most `limit` items spread evenly over the list (deterministic, and every part of the file is represented). */
export function sampleEvenly<T>(items: readonly T[], limit: number | undefined): T[] {
  if (limit === undefined || limit >= items.length) return [...items];
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]);
}

export async function evaluateRanker(
  ranker: Ranker,
  split: string,
  examples: readonly Example[],
  documents: ReadonlyMap<string, SourceDocument>,
  options: EvaluateOptions = {},
): Promise<EvalReport> {
  const topK = options.topK ?? DEFAULT_TOP_K;
  const results: ExampleResult[] = [];
  const skipped: EvalReport['skipped'] = [];
  for (const [done, example] of examples.entries()) {
    options.signal?.throwIfAborted();
    options.onProgress?.(done, examples.length);
    const source = documents.get(example.docId);
    if (!source) {
      skipped.push({ id: example.id, reason: `document ${example.docId} not found` });
      continue;
    }
    let document: ExampleDocument;
    try {
      document = documentForExample(source, example);
    } catch (err) {
      skipped.push({ id: example.id, reason: (err as Error).message });
      continue;
    }
    const file = source.path || source.docId;
    const gold: GoldLines = { file, startLine: document.answer.startLine, endLine: document.answer.endLine };
    const goldText = document.text.slice(document.answer.start, document.answer.end);

    const started = performance.now();
    let answers: Answer[];
    try {
      answers = await ranker.rank(example.question, [{ file, text: document.text }], topK, options.signal);
    } catch (err) {
      throw new Error(`ranker ${ranker.name} failed on example ${example.id}: ${(err as Error).message}`);
    }
    const latencyMs = performance.now() - started;

    const top = answers[0];
    results.push({
      id: example.id,
      source: example.source,
      kind: example.kind,
      package: example.package,
      hit1: hitAt(answers, gold, 1),
      hit5: hitAt(answers, gold, 5),
      reciprocalRank: reciprocalRank(answers, gold, topK),
      exactMatch: top ? tokenExactMatch(top.text, goldText) : 0,
      f1: top ? tokenF1(top.text, goldText) : 0,
      latencyMs,
      gold: { startLine: gold.startLine, endLine: gold.endLine },
      top: top && { file: top.file, startLine: top.startLine, endLine: top.endLine, score: top.score },
    });
  }
  options.onProgress?.(examples.length, examples.length);
  return {
    ranker: ranker.name,
    split,
    topK,
    maxHitLines: MAX_HIT_LINES,
    skipped,
    overall: summarize(results),
    bySource: summarizeBy(results, 'source'),
    byKind: summarizeBy(results, 'kind'),
    examples: results,
  };
}
