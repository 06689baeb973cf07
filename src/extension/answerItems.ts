// How a ranked answer reads in the quick pick: "file:line", its score, and a
// one-line snippet. No vscode import, so it is unit-tested under plain Node.
import type { Answer } from '../engine/types';

export interface AnswerPresentation {
  label: string;
  description: string;
  detail: string;
}

const SNIPPET_CHARS = 160;

export function presentAnswer(answer: Answer, displayPath: (file: string) => string): AnswerPresentation {
  const lines = answer.endLine > answer.startLine ? `${answer.startLine}-${answer.endLine}` : `${answer.startLine}`;
  return {
    label: escapeIcons(`${displayPath(answer.file)}:${lines}`),
    description: `score ${formatScore(answer.score)}`,
    detail: escapeIcons(snippetOf(answer.text)),
  };
}

/** The span's text on one line: whitespace runs collapsed, cut at a word boundary. */
export function snippetOf(text: string, maxChars = SNIPPET_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, maxChars);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > maxChars / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/** Three significant digits: scores may be logits (3.1) or probabilities (0.0123). */
export function formatScore(score: number): string {
  return Number.isFinite(score) ? String(Number(score.toPrecision(3))) : String(score);
}

/** Quick-pick text renders "$(name)" as an icon; document text must not. */
export function escapeIcons(text: string): string {
  return text.replace(/\$\(/g, '\\$(');
}
