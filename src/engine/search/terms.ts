// Code-aware search terms, shared by the engine's lexical stage and every
// evaluation of it: identifiers split at camelCase / snake_case / digits,
// lower-cased, Porter2-stemmed, with question filler and English stopwords
// dropped. "parseHTTPHeaders" -> parse, http, header (and the whole word).
import stem = require('wink-porter2-stemmer');

const WORD = /[\p{L}\p{M}\p{N}_$]+/gu;
// An acronym (stopping before a capitalised word), a capitalised or lower word,
// a number, or a run of letters without case (e.g. CJK).
const IDENTIFIER_PART = /\p{Lu}+(?![\p{Ll}\p{M}])|\p{Lu}?[\p{Ll}\p{M}]+|\p{N}+|[^\p{Lu}\p{Ll}\p{M}\p{N}_$]+/gu;

/** Words that carry no meaning in a developer's question or in code. */
const STOPWORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with from into onto as is are was were be been being ' +
    'it its this that these those there here what which who whom whose where when why how does do did doing done ' +
    'can could should would will shall may might must i me my we our you your he she they them their not no ' +
    'so than too very just about any all each some such only own same both more most other s t d ll m re ve ' +
    'get gets use uses used using happen happens happened make makes made way thing things place code function ' +
    'functions method methods file one'
  ).split(' '),
);

/** The parts of one identifier, lower-cased: "XMLHttpRequest" -> xml, http, request. */
export function identifierParts(word: string): string[] {
  const parts: string[] = [];
  for (const piece of word.split(/[_$]+/)) {
    for (const match of piece.matchAll(IDENTIFIER_PART)) parts.push(match[0].toLowerCase());
  }
  return parts;
}

const stems = new Map<string, string>();
function stemmed(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = /^[a-z]+$/.test(word) && word.length > 3 ? stem(word) : word;
    if (stems.size < 200_000) stems.set(word, s);
  }
  return s;
}

/** Search terms of a text, in order: each word's parts (stemmed), then the whole word when it is a compound. */
export function searchTerms(text: string, maxChars = 400_000): string[] {
  const terms: string[] = [];
  const clipped = text.length > maxChars ? text.slice(0, maxChars) : text;
  for (const match of clipped.matchAll(WORD)) {
    const word = match[0];
    if (word.length > 64) continue; // base64, hashes, minified runs
    const parts = identifierParts(word);
    for (const p of parts) {
      if (p.length < 2 || STOPWORDS.has(p)) continue;
      terms.push(stemmed(p));
    }
    if (parts.length > 1) terms.push(word.toLowerCase());
  }
  return terms;
}

/** The distinct terms of a question (a repeated word counts once). */
export function questionTerms(question: string): string[] {
  return [...new Set(searchTerms(question))];
}
