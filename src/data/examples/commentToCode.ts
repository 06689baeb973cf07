// inline comment → code: a developer-style question made from an inline
// comment (extract/inlineComments.ts) asks where the code below it is. Real
// *locate* questions describe what a few lines inside a function do; doc
// comments (docToDecl.ts) only say what a declaration is. In
// COMMENT_INTACT_SHARE of the examples the file is shown as it is; otherwise
// the comment is cut together with distractor cuts of other inline comments,
// and the model must match the question to the code itself.
import { stableHash } from '../hash';
import { LineIndex } from '../../engine/lines';
import { inlineComments } from '../extract/inlineComments';
import { DocRecord, ExampleRecord } from '../types';
import { cutsFor } from './docToDecl';
import { developerQuestion } from './developerQuestion';
import { selectSpread } from './select';

/** Below docToDecl's half: with the comment shown, the question is mostly its words again. */
export const COMMENT_INTACT_SHARE = 0.3;

export function commentToCodeExamples(doc: DocRecord, cap: number): ExampleRecord[] {
  const comments = inlineComments(doc.text, doc.source);
  if (comments.length === 0) return [];
  const lines = new LineIndex(doc.text);
  // A comment repeated in the file cannot tell its code blocks apart.
  const counts = new Map<string, number>();
  for (const c of comments) counts.set(c.text, (counts.get(c.text) ?? 0) + 1);
  const spans = comments.map((c) => c.comment);
  const found: ExampleRecord[] = [];
  for (const c of comments) {
    if (counts.get(c.text) !== 1) continue;
    const id = `${doc.docId}#comment2code@${lines.lineOf(c.code.start)}`;
    // the code's first identifier (a Go field's name opens its comment; Python's assigned name) is masked like a declared name
    const asked = developerQuestion(c.text, /[A-Za-z_]\w*/.exec(doc.text.slice(c.code.start, c.code.end))?.[0] ?? '', id, true);
    if (asked === undefined) continue;
    const intact = (stableHash(`${id}:intact`) % 1000) / 1000 < COMMENT_INTACT_SHARE;
    found.push({
      id,
      source: doc.source,
      kind: 'comment2code',
      questionKind: asked.kind === 'config' ? 'locate' : asked.kind,
      package: doc.package,
      docId: doc.docId,
      question: asked.question,
      cuts: intact ? [] : cutsFor(c.comment, spans, c.code, id),
      answer: { ...c.code, ...lines.linesOfRange(c.code.start, c.code.end) },
    });
  }
  return selectSpread(found, cap, (e) => e.id);
}
