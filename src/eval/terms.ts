// Identifier-aware terms for BM25 over code and prose: every word is kept
// whole (lowercased) and, when it is a compound identifier, also split into its
// camelCase / snake_case parts, so "parseHTTPHeader" matches "header".
// (The engine's own terms, src/engine/search/terms.ts, also stem and drop
// stopwords; this baseline keeps the unstemmed terms its figures were made with.)
import { identifierParts } from '../engine/search/terms';

const WORD = /[\p{L}\p{M}\p{N}_]+/gu;

// One splitter of identifiers for the engine and this baseline.
export { identifierParts };

/** BM25 terms of a text, in order: each word, then its parts if it has several. */
export function textTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.normalize('NFC').matchAll(WORD)) {
    const whole = match[0].toLowerCase();
    terms.push(whole);
    const parts = identifierParts(match[0]);
    if (parts.length > 1 || (parts.length === 1 && parts[0] !== whole)) terms.push(...parts);
  }
  return terms;
}
