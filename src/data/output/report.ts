// stats.json (the pipeline's report as is) and stats.md (tables plus notes).
import * as fs from 'fs';
import * as path from 'path';
import type { Split } from '../types';
import { SHARD_FORMAT } from './shards';
import { renderStatsMarkdown, SplitSummary } from './stats';

export interface PipelineReport {
  splits: Record<Split, SplitSummary>;
  corpus: {
    filesFound: number;
    reservedRefused: number;
    /** Files hidden by a file of the same path in an earlier root of their source. */
    shadowed: number;
    missingSources: string[];
    skipped: Record<string, number>;
    duplicates: number;
    docsWithoutExamples: number;
    trainDocsOverBudget: number;
  };
  examplesDropped: { emptyAnswer: number; answerInRemoved: number };
  vocabulary: { version: string; size: number; file: string; trainedOnChars: number };
  seconds: Record<string, number>;
}

/** The pipeline's limits the notes state. */
export interface ReportedLimits {
  minDocChars: number;
  maxDocChars: number;
  maxTrainTokens: number;
}

export function writeReport(out: string, report: PipelineReport, opts: ReportedLimits): void {
  fs.writeFileSync(path.join(out, 'stats.json'), JSON.stringify({ shards: { format: SHARD_FORMAT }, ...report }, null, 2) + '\n');
  const c = report.corpus;
  const notes = [
    `Split by package (hash of the package name, ~80/10/10); the Python FAQ is test data only.`,
    `Corpus: ${c.filesFound} files found, ${c.reservedRefused} refused as reserved for evaluation, ${c.shadowed} shadowed by an earlier root, ${c.duplicates} near-duplicates dropped, ` +
      `skipped ${Object.entries(c.skipped).map(([k, v]) => `${v} ${k}`).join(', ')} (documents need ${opts.minDocChars}..${opts.maxDocChars} characters; the FAQ has no minimum).`,
    `${c.docsWithoutExamples} documents gave no example; ${c.trainDocsOverBudget} training documents left out by the budget of ${opts.maxTrainTokens} estimated tokens.`,
    `Examples dropped after tokenization: ${report.examplesDropped.emptyAnswer} with an empty answer, ${report.examplesDropped.answerInRemoved} whose answer tokens touch the removed tokens.`,
    `Vocabulary ${report.vocabulary.version}: ${report.vocabulary.size} ids, counted on ${report.vocabulary.trainedOnChars} characters of the training split.`,
    `Missing sources: ${c.missingSources.length ? c.missingSources.join(', ') : 'none'}.`,
    `Seconds: ${Object.entries(report.seconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}.`,
  ];
  fs.writeFileSync(path.join(out, 'stats.md'), renderStatsMarkdown(report.splits, notes));
}
