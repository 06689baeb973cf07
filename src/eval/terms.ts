// Identifier-aware terms for BM25 over code and prose: every word is kept
// whole (lowercased) and, when it is a compound identifier, also split into its
// camelCase / snake_case parts, so "parseHTTPHeader" matches "header".

const WORD = /[\p{L}\p{M}\p{N}_]+/gu;
// An acronym (stopping before a capitalised word), a capitalised or lower word,
// a number, or a run of letters without case (e.g. CJK).
const IDENTIFIER_PART = /\p{Lu}+(?![\p{Ll}\p{M}])|\p{Lu}?[\p{Ll}\p{M}]+|\p{N}+|[^\p{Lu}\p{Ll}\p{M}\p{N}_]+/gu;

/** The parts of one identifier, lowercased: "XMLHttpRequest" -> xml, http, request. */
export function identifierParts(word: string): string[] {
  const parts: string[] = [];
  for (const piece of word.split(/_+/)) {
    for (const match of piece.matchAll(IDENTIFIER_PART)) parts.push(match[0].toLowerCase());
  }
  return parts;
}

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
