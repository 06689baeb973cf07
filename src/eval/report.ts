// The evaluation report: what results.json holds, and its Markdown table.
import { ExampleResult, MetricSummary } from './aggregate';

export interface EvalReport {
  ranker: string;
  split: string;
  topK: number;
  maxHitLines: number;
  /** Examples that could not be evaluated (bad offsets, missing document) and why. */
  skipped: { id: string; reason: string }[];
  overall: MetricSummary;
  bySource: Record<string, MetricSummary>;
  byKind: Record<string, MetricSummary>;
  examples: ExampleResult[];
}

const fixed = (value: number, digits: number): string => value.toFixed(digits);

function row(group: string, s: MetricSummary): string {
  const cells = [
    group,
    String(s.examples),
    fixed(s.hit1, 3),
    fixed(s.hit5, 3),
    fixed(s.mrr, 3),
    fixed(s.exactMatch, 3),
    fixed(s.f1, 3),
    fixed(s.latencyMs.mean, 1),
    fixed(s.latencyMs.p95, 1),
  ];
  return `| ${cells.join(' | ')} |`;
}

export function markdownTable(report: EvalReport): string {
  const lines = [
    `### ${report.ranker} on ${report.split}`,
    '',
    `Top ${report.topK} answers; a hit overlaps the gold lines and is at most ${report.maxHitLines} lines long.` +
      (report.skipped.length > 0 ? ` ${report.skipped.length} example(s) skipped (see results.json).` : ''),
    '',
    `| group | examples | hit@1 | hit@5 | MRR@${report.topK} | EM | F1 | ms mean | ms p95 |`,
    '|---|---|---|---|---|---|---|---|---|',
    row('all', report.overall),
    ...Object.entries(report.bySource).map(([name, s]) => row(`source: ${name}`, s)),
    ...Object.entries(report.byKind).map(([name, s]) => row(`kind: ${name}`, s)),
  ];
  return lines.join('\n') + '\n';
}
