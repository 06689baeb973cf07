// What `treeformer` prints: the DESIGN §8 JSON object, or a readable list.
import * as path from 'path';
import type { AskResult, IndexStats, SkippedFile } from '../engine';

/** Exactly the §8 object: answers best first, and the run's stats. */
export function askJson(result: AskResult): string {
  return JSON.stringify({
    answers: result.answers.map((a) => ({
      file: a.file,
      startLine: a.startLine,
      endLine: a.endLine,
      score: a.score,
      text: a.text,
      ...(a.header ? { header: a.header } : {}),
    })),
    stats: { tokens: result.stats.tokens, windows: result.stats.windows, ms: Math.round(result.stats.ms) },
    ...(result.notes ? { notes: result.notes } : {}),
  });
}

export function askText(result: AskResult, cwd: string): string {
  const out: string[] = [];
  result.answers.forEach((a, i) => {
    const where = a.startLine === a.endLine ? `${a.startLine}` : `${a.startLine}-${a.endLine}`;
    out.push(`${i + 1}. ${displayPath(a.file, cwd)}:${where}  (score ${a.score.toFixed(3)})`);
    if (a.header) out.push(`   in ${a.header}`);
    const width = String(a.endLine).length;
    a.text.split('\n').forEach((line, k) => out.push(`   ${String(a.startLine + k).padStart(width)} | ${line}`));
    out.push('');
  });
  if (result.answers.length === 0) out.push('no answer found');
  for (const note of result.notes ?? []) out.push(`note: ${note}`);
  const s = result.stats;
  out.push(`${s.tokens} tokens, ${s.windows} candidates ranked, ${Math.round(s.ms)} ms`);
  const skipped = skippedSummary(result.skipped);
  if (skipped) out.push(skipped);
  return out.join('\n');
}

export function indexText(stats: IndexStats, cacheDir: string): string {
  const lines = [
    `indexed ${stats.files} files (${stats.reused} unchanged), ${stats.tokens} tokens, ${stats.chunks} chunks, ${stats.windows} windows in ${Math.round(stats.ms)} ms`,
    `index: ${cacheDir}`,
  ];
  const skipped = skippedSummary(stats.skipped);
  if (skipped) lines.push(skipped);
  return lines.join('\n');
}

function skippedSummary(skipped: readonly SkippedFile[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return `skipped ${skipped.length}: ${[...counts].map(([reason, n]) => `${n} ${reason}`).join(', ')}`;
}

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
