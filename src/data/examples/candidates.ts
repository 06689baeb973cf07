// Data v2: for each question, chunks of the same file it must choose among,
// as the engine's reader does (DESIGN §8): the gold chunk, the best lexical
// matches that are not gold (hard negatives, from the engine's own BM25 and
// terms) and random chunks. Chunks are the engine's plain chunks, which need
// no parser, so mining stays synchronous.
import { plainChunks } from '../../engine/chunks/plainChunks';
import { LineIndex } from '../../engine/lines';
import { LexicalIndex, termBag, topIndexes } from '../../engine/search/lexicalIndex';
import { expandQuery } from '../../engine/search/synonyms';
import { questionTerms, searchTerms } from '../../engine/search/terms';
import { Span } from '../types';
import { seededRandom } from './developerQuestion';

/** `text` with every cut's characters but its line breaks turned into spaces: what is shown, at the same offsets. */
export function blanked(text: string, cuts: readonly Span[]): string {
  let out = '';
  let last = 0;
  for (const c of cuts) {
    out += text.slice(last, c.start) + text.slice(c.start, c.end).replace(/[^\n]/g, ' ');
    last = c.end;
  }
  return out + text.slice(last);
}

export const HARD_NEGATIVES = 3;
export const RANDOM_NEGATIVES = 2;

export type CandidateKind = 'gold' | 'lexical' | 'random';

export interface Candidate {
  span: Span;
  kind: CandidateKind;
}

/** One file's chunks (as character spans) and their BM25 index, built once per document. */
export class FileChunks {
  readonly spans: Span[];
  private readonly index: LexicalIndex;
  private lastScores?: { question: string; scores: Float64Array };

  constructor(text: string) {
    const lines = new LineIndex(text);
    this.spans = plainChunks(text).map((c) => ({ start: lines.lineStart(c.startLine), end: lines.lineEnd(c.endLine) }));
    this.index = new LexicalIndex(this.spans.map((s) => termBag([{ terms: searchTerms(text.slice(s.start, s.end)), weight: 1 }])));
  }

  /**
   * The gold chunk (the one holding the answer's start; the answer itself if
   * none does), then up to HARD_NEGATIVES lexical and RANDOM_NEGATIVES other
   * chunks that miss the answer. Where comments were cut, the chunks beside
   * the distractor cuts come first among the others: the gold chunk sits
   * beside its own cut, and negatives far from every cut would let a gap
   * detector find it (models/treeformer/shortcuts.py measures this).
   */
  candidates(question: string, answer: Span, cuts: readonly Span[], seed: string): Candidate[] {
    const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
    const goldIndex = this.goldIndex(answer);
    const out: Candidate[] = [{ span: goldIndex >= 0 ? this.spans[goldIndex] : answer, kind: 'gold' }];
    const usable = (i: number) => i !== goldIndex && !overlaps(this.spans[i], answer);
    const besideCut = (i: number) => cuts.some((c) => overlaps(c, this.spans[i]) || (this.spans[i].start >= c.end && this.spans[i].start <= c.end + 1));
    const taken = new Set<number>();
    for (const i of topIndexes(this.scores(question), HARD_NEGATIVES * 4)) {
      if (taken.size >= HARD_NEGATIVES) break;
      if (!usable(i)) continue;
      taken.add(i);
      out.push({ span: this.spans[i], kind: 'lexical' });
    }
    const rand = seededRandom(seed);
    const pool = this.spans.map((_, i) => i).filter((i) => usable(i) && !taken.has(i));
    const beside = pool.filter(besideCut);
    for (let k = 0; k < Math.max(RANDOM_NEGATIVES, beside.length) && pool.length > 0; k++) {
      const from = beside.length > 0 ? beside : pool;
      const [i] = from.splice(Math.floor(rand() * from.length), 1);
      if (from === beside) pool.splice(pool.indexOf(i), 1);
      out.push({ span: this.spans[i], kind: 'random' });
    }
    return out;
  }

  /**
   * Where BM25 over this text's chunks ranks the gold chunk, as the lexical
   * stage would (the pipeline passes the document as shown, cuts blanked): 0 when it is first, else how many other chunks
   * score at least as high; the number of chunks when it scores 0 (no
   * question word in it); -1 when no chunk holds the answer's start. How
   * far a question's words match its answer: the trainer samples the
   * lexically easy examples less (DESIGN §5a).
   */
  lexicalRank(question: string, answer: Span): number {
    const gold = this.goldIndex(answer);
    if (gold < 0) return -1;
    const scores = this.scores(question);
    if (!(scores[gold] > 0)) return this.spans.length;
    let rank = 0;
    scores.forEach((s, i) => {
      if (i !== gold && s >= scores[gold]) rank++;
    });
    return rank;
  }

  /** BM25 of every chunk for `question`; the last question's are kept, as the pipeline asks candidates then lexicalRank. */
  private scores(question: string): Float64Array {
    if (this.lastScores?.question !== question) this.lastScores = { question, scores: this.index.score(expandQuery(questionTerms(question))) };
    return this.lastScores.scores;
  }

  private goldIndex(answer: Span): number {
    return this.spans.findIndex((s) => s.start <= answer.start && answer.start < Math.max(s.end, s.start + 1));
  }
}
