// The dataset report: examples per source × split and kind, and the document
// length distribution in tokens (long documents are the point).
import { EXAMPLE_KINDS, ExampleKind, SourceId, Split, SPLITS } from '../types';

export const LENGTH_THRESHOLDS = [4096, 16384, 65536] as const;
const PERCENTILES = [10, 25, 50, 75, 90, 99] as const;
const KINDS = EXAMPLE_KINDS;

export interface SourceSplitCounts {
  docs: number;
  tokens: number;
  examples: Record<ExampleKind, number>;
}

export interface LengthDistribution {
  docs: number;
  mean: number;
  max: number;
  percentiles: Record<string, number>;
  /** Documents longer than each threshold, keyed "4096" etc. */
  over: Record<string, number>;
}

export interface SplitSummary {
  docs: number;
  packages: number;
  tokens: number;
  examples: number;
  byKind: Record<ExampleKind, number>;
  bySource: Partial<Record<SourceId, SourceSplitCounts>>;
  docTokens: LengthDistribution;
  /**
   * doc2decl examples over intact documents, and how many of them BM25 over
   * the file's chunks answers first (FileChunks.lexicalFirst): how lexical
   * the generated questions are.
   */
  intactDoc2decl: { examples: number; lexicalFirst: number };
  /** Examples of each kind whose gold chunk BM25 over the intact file ranks first (lexical rank 0). */
  lexicalFirstByKind: Record<ExampleKind, number>;
}

function emptyKinds(): Record<ExampleKind, number> {
  return { doc2decl: 0, comment2code: 0, usage2def: 0, faq: 0 };
}

export function lengthDistribution(lengths: number[]): LengthDistribution {
  const sorted = [...lengths].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
  const percentiles: Record<string, number> = {};
  for (const p of PERCENTILES) percentiles[`p${p}`] = at(p);
  const over: Record<string, number> = {};
  for (const t of LENGTH_THRESHOLDS) over[String(t)] = sorted.filter((n) => n > t).length;
  const total = sorted.reduce((s, n) => s + n, 0);
  return { docs: sorted.length, mean: sorted.length ? Math.round(total / sorted.length) : 0, max: sorted.length ? sorted[sorted.length - 1] : 0, percentiles, over };
}

export class StatsCollector {
  private readonly lengths = new Map<Split, number[]>();
  private readonly packages = new Map<Split, Set<string>>();
  private readonly counts = new Map<Split, Map<SourceId, SourceSplitCounts>>();
  private readonly intact = new Map<Split, { examples: number; lexicalFirst: number }>();
  private readonly lexicalFirst = new Map<Split, Record<ExampleKind, number>>();

  private cell(split: Split, source: SourceId): SourceSplitCounts {
    let bySource = this.counts.get(split);
    if (!bySource) this.counts.set(split, (bySource = new Map()));
    let c = bySource.get(source);
    if (!c) bySource.set(source, (c = { docs: 0, tokens: 0, examples: emptyKinds() }));
    return c;
  }

  addDocument(split: Split, source: SourceId, pkg: string, tokens: number): void {
    const c = this.cell(split, source);
    c.docs++;
    c.tokens += tokens;
    if (!this.lengths.has(split)) this.lengths.set(split, []);
    this.lengths.get(split)!.push(tokens);
    if (!this.packages.has(split)) this.packages.set(split, new Set());
    this.packages.get(split)!.add(pkg);
  }

  addExample(split: Split, source: SourceId, kind: ExampleKind, lexicalFirst: boolean): void {
    this.cell(split, source).examples[kind]++;
    if (!lexicalFirst) return;
    const byKind = this.lexicalFirst.get(split) ?? emptyKinds();
    byKind[kind]++;
    this.lexicalFirst.set(split, byKind);
  }

  /** One doc2decl example over an intact document, and whether BM25 put its gold chunk first. */
  addIntactDoc2decl(split: Split, lexicalFirst: boolean): void {
    const c = this.intact.get(split) ?? { examples: 0, lexicalFirst: 0 };
    c.examples++;
    if (lexicalFirst) c.lexicalFirst++;
    this.intact.set(split, c);
  }

  /** Packages of `split` (the check that no package sits in two splits uses it). */
  packagesOf(split: Split): ReadonlySet<string> {
    return this.packages.get(split) ?? new Set();
  }

  summary(): Record<Split, SplitSummary> {
    const result = {} as Record<Split, SplitSummary>;
    for (const split of SPLITS) {
      const bySource = Object.fromEntries([...(this.counts.get(split) ?? new Map<SourceId, SourceSplitCounts>())].sort()) as Partial<Record<SourceId, SourceSplitCounts>>;
      const byKind = emptyKinds();
      let tokens = 0;
      let docs = 0;
      for (const c of Object.values(bySource)) {
        tokens += c!.tokens;
        docs += c!.docs;
        for (const k of KINDS) byKind[k] += c!.examples[k];
      }
      result[split] = {
        docs,
        packages: this.packagesOf(split).size,
        tokens,
        examples: KINDS.reduce((s, k) => s + byKind[k], 0),
        byKind,
        bySource,
        docTokens: lengthDistribution(this.lengths.get(split) ?? []),
        intactDoc2decl: { ...(this.intact.get(split) ?? { examples: 0, lexicalFirst: 0 }) },
        lexicalFirstByKind: { ...(this.lexicalFirst.get(split) ?? emptyKinds()) },
      };
    }
    return result;
  }
}

/** The Markdown rendering of the splits' summaries plus free-form notes (one bullet each). */
export function renderStatsMarkdown(splits: Record<Split, SplitSummary>, notes: string[]): string {
  const out: string[] = ['# Dataset statistics', ''];
  out.push('## Examples per source and split', '', `| source | split | docs | tokens | ${KINDS.join(' | ')} |`, `|---|---|---|---|${KINDS.map(() => '---|').join('')}`);
  for (const split of SPLITS) {
    for (const [source, c] of Object.entries(splits[split].bySource)) {
      out.push(`| ${source} | ${split} | ${c!.docs} | ${c!.tokens} | ${KINDS.map((k) => c!.examples[k]).join(' | ')} |`);
    }
  }
  out.push(
    '',
    '## Splits',
    '',
    `| split | packages | docs | tokens | examples | ${KINDS.join(' | ')} | BM25 first, intact doc2decl | BM25 first: ${KINDS.join(' / ')} / all |`,
    `|---|---|---|---|---|${KINDS.map(() => '---|').join('')}---|---|`,
  );
  const share = (n: number, of: number) => (of > 0 ? (n / of).toFixed(3) : '-');
  for (const split of SPLITS) {
    const s = splits[split];
    const { examples, lexicalFirst } = s.intactDoc2decl;
    const f = s.lexicalFirstByKind;
    const all = share(KINDS.reduce((n, k) => n + f[k], 0), s.examples);
    out.push(`| ${split} | ${s.packages} | ${s.docs} | ${s.tokens} | ${s.examples} | ${KINDS.map((k) => s.byKind[k]).join(' | ')} | ${share(lexicalFirst, examples)} of ${examples} | ${KINDS.map((k) => share(f[k], s.byKind[k])).join(' / ')} / ${all} |`);
  }
  const pKeys = PERCENTILES.map((p) => `p${p}`);
  out.push(
    '',
    '## Document length in tokens',
    '',
    `| split | docs | mean | ${pKeys.join(' | ')} | max | ${LENGTH_THRESHOLDS.map((t) => `> ${t / 1024}k`).join(' | ')} |`,
    `|---|---|---|${pKeys.map(() => '---|').join('')}---|${LENGTH_THRESHOLDS.map(() => '---|').join('')}`,
  );
  for (const split of SPLITS) {
    const d = splits[split].docTokens;
    out.push(`| ${split} | ${d.docs} | ${d.mean} | ${pKeys.map((k) => d.percentiles[k]).join(' | ')} | ${d.max} | ${LENGTH_THRESHOLDS.map((t) => d.over[String(t)]).join(' | ')} |`);
  }
  out.push('', '## Notes', '', ...notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
