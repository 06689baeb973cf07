// Turning a doc comment into a question: the documented name masked, the
// length bounded, and too-thin comments rejected.

export const MASK = '___';
export const MAX_QUESTION_CHARS = 1000;

/** `s` with regex metacharacters escaped. */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every standalone occurrence of identifier `name` (not part of a longer identifier) replaced by ___. */
export function maskSymbol(text: string, name: string): string {
  return text.replace(new RegExp(`(?<![\\w$])${escapeRegExp(name)}(?![\\w$])`, 'g'), MASK);
}

/** The first lines of `text` that fit in `max` characters (at least its first line, cut). */
export function truncateAtLine(text: string, max = MAX_QUESTION_CHARS): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf('\n', max);
  return (cut > 0 ? text.slice(0, cut) : text.slice(0, max)).trimEnd();
}

/** The masked, bounded question for a doc comment, or undefined when it says too little (under 4 words). */
export function questionFromDoc(docText: string, name: string): string | undefined {
  const question = truncateAtLine(maskSymbol(docText.replace(/\r/g, '').replace(/\n{3,}/g, '\n\n').trim(), name));
  const words = question.match(/[A-Za-z]{2,}/g) ?? [];
  return words.length >= 4 ? question : undefined;
}
