// Means of the per-example metrics over all examples and per group.

export interface ExampleResult {
  id: string;
  source: string;
  kind: string;
  package: string;
  hit1: boolean;
  hit5: boolean;
  /** Of the first hit within the top K answers; 0 without one. */
  reciprocalRank: number;
  exactMatch: number;
  f1: number;
  latencyMs: number;
  gold: { startLine: number; endLine: number };
  /** The top answer's lines and score, when there was an answer. */
  top?: { file: string; startLine: number; endLine: number; score: number };
}

export interface LatencySummary {
  mean: number;
  p50: number;
  p95: number;
}

export interface MetricSummary {
  examples: number;
  hit1: number;
  hit5: number;
  mrr: number;
  exactMatch: number;
  f1: number;
  latencyMs: LatencySummary;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Nearest-rank percentile (p in (0, 1]) of the values; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

export function summarize(results: readonly ExampleResult[]): MetricSummary {
  const latencies = results.map((r) => r.latencyMs);
  return {
    examples: results.length,
    hit1: mean(results.map((r) => (r.hit1 ? 1 : 0))),
    hit5: mean(results.map((r) => (r.hit5 ? 1 : 0))),
    mrr: mean(results.map((r) => r.reciprocalRank)),
    exactMatch: mean(results.map((r) => r.exactMatch)),
    f1: mean(results.map((r) => r.f1)),
    latencyMs: { mean: mean(latencies), p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) },
  };
}

/** A summary per distinct value of `key`, in sorted key order (deterministic output). */
export function summarizeBy(results: readonly ExampleResult[], key: 'source' | 'kind'): Record<string, MetricSummary> {
  const groups = new Map<string, ExampleResult[]>();
  for (const result of results) {
    const group = groups.get(result[key]);
    if (group) group.push(result);
    else groups.set(result[key], [result]);
  }
  const summaries: Record<string, MetricSummary> = {};
  for (const name of [...groups.keys()].sort()) summaries[name] = summarize(groups.get(name)!);
  return summaries;
}
