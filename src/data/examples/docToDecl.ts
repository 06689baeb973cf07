// doc → declaration (data v2): a developer-style question made from the doc
// comment (developerQuestion.ts) asks; the declaration's first lines are the
// answer. In INTACT_SHARE of the examples the document is the file as it is,
// comment included, as in real use. Otherwise the comment is cut out
// together with DISTRACTOR_CUTS other doc comments of the file, so a gap
// never marks the answer (DESIGN §7, shared page).
import { DocumentedDeclaration } from '../extract/declaration';
import { stableHash } from '../hash';
import { LineIndex } from '../../engine/lines';
import { DocRecord, ExampleRecord, Span } from '../types';
import { developerQuestion, seededRandom } from './developerQuestion';
import { selectSpread } from './select';

/** Share of examples whose document is shown intact. */
export const INTACT_SHARE = 0.5;
/** Other doc comments cut beside the source comment, when one is cut: [min, max]. */
export const DISTRACTOR_CUTS: readonly [number, number] = [2, 4];

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The source comment and a few other comments of the file that keep clear of `answer`, sorted. */
export function cutsFor(source: Span, others: readonly Span[], answer: Span, seed: string): Span[] {
  const rand = seededRandom(seed);
  const pool = others.filter((o) => !overlaps(o, source) && !overlaps(o, answer) && o.end > o.start);
  const wanted = DISTRACTOR_CUTS[0] + Math.floor(rand() * (DISTRACTOR_CUTS[1] - DISTRACTOR_CUTS[0] + 1));
  const chosen: Span[] = [source];
  while (chosen.length <= wanted && pool.length > 0) {
    const [o] = pool.splice(Math.floor(rand() * pool.length), 1);
    if (!chosen.some((c) => overlaps(c, o))) chosen.push(o);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

export function docToDeclExamples(doc: DocRecord, decls: DocumentedDeclaration[], cap: number): ExampleRecord[] {
  const lines = new LineIndex(doc.text);
  // A comment repeated in the file (overloads) cannot tell its declarations apart.
  const docCounts = new Map<string, number>();
  for (const d of decls) docCounts.set(d.docText, (docCounts.get(d.docText) ?? 0) + 1);
  const comments = decls.map((d) => d.doc);
  const candidates: ExampleRecord[] = [];
  for (const d of decls) {
    if (d.name.length < 2 || docCounts.get(d.docText) !== 1) continue;
    if (d.decl.end <= d.decl.start || overlaps(d.decl, d.doc)) continue;
    const id = `${doc.docId}#doc2decl:${d.name}@${lines.lineOf(d.decl.start)}`;
    const asked = developerQuestion(d.docText, d.name, id);
    if (asked === undefined) continue;
    const answer = { ...d.decl, ...lines.linesOfRange(d.decl.start, d.decl.end) };
    const intact = (stableHash(`${id}:intact`) % 1000) / 1000 < INTACT_SHARE;
    candidates.push({
      id,
      source: doc.source,
      kind: 'doc2decl',
      questionKind: asked.kind,
      package: doc.package,
      docId: doc.docId,
      question: asked.question,
      cuts: intact ? [] : cutsFor(d.doc, comments, d.decl, id),
      answer,
      symbol: d.name,
    });
  }
  return selectSpread(candidates, cap, (e) => e.id);
}
