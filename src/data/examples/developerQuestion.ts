// Data v2: a doc comment turned into the question a developer would type.
// Real questions are short ("where does it retry a failed request?"), rarely
// name the identifier they look for, and use their own words. So: one
// sentence of the comment (or one parameter's doc, as a *config* question),
// code identifiers dropped, the leading verb turned into a question form,
// a share of words swapped for a synonym from the engine's own groups or,
// for other content words, from WordNet (wordnet.ts), and 5–30 words.
// Deterministic: every choice comes from `seed`.
import { synonymsOf } from '../../engine/search/synonyms';
import { searchTerms } from '../../engine/search/terms';
import { stableHash } from '../hash';
import { mulberry32 } from '../random';
import { wordnetSynonyms } from './wordnet';

export const MIN_QUESTION_WORDS = 5;
export const MAX_QUESTION_WORDS = 30;
/** Share of content words replaced by a word of their synonym group. */
export const SYNONYM_RATE = 0.3;
/** Share of the other content words (not stopwords, 4+ letters) replaced by a WordNet synonym. */
export const WORDNET_RATE = 0.25;
/** Share of identifiers (other than the declared name, always dropped) kept in the question. */
export const IDENTIFIER_KEEP_RATE = 0.15;

export type QuestionKind = 'locate' | 'explain' | 'config';

export interface DeveloperQuestion {
  question: string;
  kind: QuestionKind;
}

/** The generator of src/data/random.ts seeded from a string. */
export function seededRandom(seed: string): () => number {
  return mulberry32(stableHash(seed));
}

const PARAM_LINE = /^\s*(?::param\s+(?:[\w.[\], ]+\s+)?([A-Za-z_]\w*)\s*:|@param\s+(?:\{[^}]*\}\s*)?\[?([A-Za-z_$][\w$]*)\]?\s*-?|([A-Za-z_]\w*)\s*(?:\([^)]*\))?\s*:\s+(?=[A-Z]))(.*)$/;
const MARKUP = /\{@\w+\s+([^}]*)\}|:\w+:`~?([^`]*)`|`([^`]*)`|\*\*([^*]*)\*\*/g;
const IDENTIFIER_LIKE = /^(?:[a-z]+[A-Z]\w*|[A-Za-z]+_\w+|\w*\d\w*|[A-Z]{2,}\w*|\w+\(\)|[\w.]+\.\w+)$/;

/** The comment's prose sentences and its parameter docs, markup unwrapped. */
function parseDoc(docText: string): { sentences: string[]; params: { name: string; text: string }[] } {
  const params: { name: string; text: string }[] = [];
  const prose: string[] = [];
  for (const rawLine of docText.replace(/\r/g, '').split('\n')) {
    const line = rawLine.replace(MARKUP, (_m, a, b, c, d) => a ?? b ?? c ?? d ?? '');
    const p = PARAM_LINE.exec(line);
    if (p && /@param|:param/.test(rawLine)) {
      params.push({ name: p[1] ?? p[2] ?? '', text: p[4].trim() });
      continue;
    }
    if (/^\s*(?:@\w+|:\w+|>>>|\.\.\s|[-=]{3,})/.test(line)) continue; // tags, doctest, rst directives, rules
    prose.push(line.trim());
  }
  const sentences = prose
    .join(' ')
    .split(/(?<=[.!?])\s+(?=[A-Z])/)
    .map((s) => s.trim())
    .filter((s) => /[A-Za-z]{3,}/.test(s));
  return { sentences, params: params.filter((p) => p.text.split(/\s+/).length >= 3) };
}

/** Verbs doc comments open with in the imperative ("Create a pool"). */
const IMPERATIVE = new Set(
  ('add apply build call cancel check clear close compare compute convert copy create decode delete emit encode ensure ' +
    'escape find flush format generate get handle initialize insert join load lock look make merge move open parse print ' +
    'push read receive register release remove rename replace reset resolve return run save search send set sort split ' +
    'start stop test try unlock update validate wait write').split(' '),
);

/** A verb in the third person ("returns") or the imperative ("return") as its base form, else undefined. */
function baseVerb(word: string): string | undefined {
  const w = word.toLowerCase();
  if (IMPERATIVE.has(w)) return w;
  if (!/^[a-z]{4,}s$/.test(w) || /(?:ss|us|is|ous)$/.test(w)) return undefined;
  if (/(?:ches|shes|sses|xes|zes)$/.test(w)) return w.slice(0, -2);
  if (/[^aeiou]ies$/.test(w)) return w.slice(0, -3) + 'y';
  return w.slice(0, -1);
}

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length)];
}

/** Words of a sentence: identifiers dropped (the declared name always), trailing punctuation gone. */
function words(sentence: string, name: string, rand: () => number): string[] {
  const out: string[] = [];
  for (const raw of sentence.split(/\s+/)) {
    const w = raw.replace(/^[("'[]+|[)"'\].,;:!?]+$/g, '');
    if (w.length === 0) continue;
    if (w.toLowerCase() === name.toLowerCase() || w.endsWith('.' + name)) continue;
    if (IDENTIFIER_LIKE.test(w) && rand() >= IDENTIFIER_KEEP_RATE) continue;
    out.push(w);
  }
  return out;
}

function withSynonyms(ws: string[], rand: () => number): string[] {
  return ws.map((w) => {
    const options = synonymsOf(w.toLowerCase());
    if (options.length > 0) return rand() < SYNONYM_RATE ? pick(options, rand) : w;
    if (!/^[A-Za-z]{4,}$/.test(w) || searchTerms(w).length === 0) return w;
    const plain = wordnetSynonyms(w);
    return plain.length > 0 && rand() < WORDNET_RATE ? pick(plain, rand) : w;
  });
}

function lowerFirst(ws: string[]): string[] {
  if (ws.length > 0 && /^[A-Z][a-z]/.test(ws[0])) ws[0] = ws[0].toLowerCase();
  return ws;
}

const LOCATE_VERB = ['where does it {v} {r}?', 'where is the code that {vs} {r}?', 'which function {vs} {r}?', 'how do I {v} {r}?', 'find where it {vs} {r}'];
const EXPLAIN_VERB = ['how does it {v} {r}?', 'what {vs} {r}?', 'why would it {v} {r}?', 'what happens when it needs to {v} {r}?'];
const CONDITION = ['what happens when {r}?', 'how can I tell whether {r}?', 'where does it check whether {r}?'];
const NOUN = ['where is {r} defined?', 'what is {r}?', 'where is {r} handled?', 'what holds {r}?'];
/** Inline comments that open with a subject ("we retry…", "the heap may…") rather than a verb. */
const STATEMENT = ['where is the code where {r}?', 'which part of the code says {r}?', 'where does it handle that {r}?'];
const SUBJECT = new Set(
  ('a an the this that these those we it i our its there here now then so also note instead otherwise only just for in on ' +
    'with at by from to as since because all each every some any no not but and or').split(' '),
);
/** Endings of nouns, adjectives and adverbs, which an inline comment's first word has when it is not a verb. */
const NOT_VERB = /(?:ance|ence|tion|sion|ment|ness|ity|ar|ly|ous|al|ic|ive|ful|less|ble|ing|ed|er|or|ist|ism)$/;
const CONFIG = ['which option sets {r}?', 'which parameter controls {r}?', 'how do I set {r}?', 'what argument gives {r}?'];

function fill(template: string, verb: string, rest: string[]): string {
  const v = verb;
  const vs = /(?:ch|sh|s|x|z)$/.test(v) ? v + 'es' : /[^aeiou]y$/.test(v) ? v.slice(0, -1) + 'ies' : v + 's';
  return template.replace('{vs}', vs).replace('{v}', v).replace('{r}', rest.join(' ')).replace(/\s+([?])/g, '$1').replace(/\s+/g, ' ').trim();
}

/** Shortened to the question's word budget, keeping the template words. */
function clip(rest: string[], budget: number): string[] {
  return rest.length <= budget ? rest : rest.slice(0, budget);
}

/**
 * The developer-style question for a documented declaration `name`, or
 * undefined when the comment says too little (fewer than MIN_QUESTION_WORDS).
 * `inline`: the text is an inline comment about the code below it, which
 * mostly opens with a verb in the imperative ("drop stale entries") or a
 * subject ("we never…"): any other first word is read as a verb.
 */
export function developerQuestion(docText: string, name: string, seed: string, inline = false): DeveloperQuestion | undefined {
  const rand = seededRandom(seed);
  const { sentences, params } = parseDoc(docText);
  const useParam = params.length > 0 && (sentences.length === 0 || rand() < 0.35);
  let kind: QuestionKind;
  let question: string;
  if (useParam) {
    const p = pick(params, rand);
    const rest = clip(lowerFirst(withSynonyms(words(p.text, p.name, rand), rand)), MAX_QUESTION_WORDS - 4);
    kind = 'config';
    question = fill(pick(CONFIG, rand), '', rest);
  } else {
    if (sentences.length === 0) return undefined;
    // the first sentence says what the thing is; later ones say how it behaves
    const sentence = rand() < 0.7 || sentences.length === 1 ? sentences[0] : pick(sentences.slice(1), rand);
    const ws = words(sentence, name, rand);
    if (ws.length === 0) return undefined;
    const lead = ws[0].toLowerCase();
    const asVerb = inline && /^[a-z]{2,}$/.test(lead) && !SUBJECT.has(lead) && !NOT_VERB.test(lead) && !/^(?:whether|if|true)$/.test(lead);
    const verb = inline && SUBJECT.has(lead) ? undefined : (baseVerb(ws[0]) ?? (asVerb ? lead : undefined));
    if (verb !== undefined) {
      const rest = clip(withSynonyms(ws.slice(1), rand), MAX_QUESTION_WORDS - 6);
      const explain = rand() < 0.35;
      kind = explain ? 'explain' : 'locate';
      question = fill(pick(explain ? EXPLAIN_VERB : LOCATE_VERB, rand), withSynonyms([verb], rand)[0].toLowerCase(), rest);
    } else if (/^(?:whether|if|true|returns?\s+true)$/.test(lead) || (lead === 'true' && ws[1]?.toLowerCase() === 'if')) {
      const rest = clip(withSynonyms(ws.slice(lead === 'true' ? 2 : 1), rand), MAX_QUESTION_WORDS - 6);
      kind = 'explain';
      question = fill(pick(CONDITION, rand), '', rest);
    } else {
      const rest = clip(lowerFirst(withSynonyms(ws, rand)), MAX_QUESTION_WORDS - (inline ? 6 : 4));
      kind = 'locate';
      question = fill(pick(inline ? STATEMENT : NOUN, rand), '', rest);
    }
  }
  const count = question.split(/\s+/).length;
  if (count < MIN_QUESTION_WORDS || count > MAX_QUESTION_WORDS) return undefined;
  return { question, kind };
}
