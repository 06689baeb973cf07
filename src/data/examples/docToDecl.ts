// doc → declaration: the doc comment (name masked) asks; the file without that
// comment is the document; the declaration's first lines are the answer.
import { DocumentedDeclaration } from '../extract/declaration';
import { LineIndex } from '../../engine/lines';
import { DocRecord, ExampleRecord } from '../types';
import { questionFromDoc } from './questionText';
import { selectSpread } from './select';

export function docToDeclExamples(doc: DocRecord, decls: DocumentedDeclaration[], cap: number): ExampleRecord[] {
  const lines = new LineIndex(doc.text);
  // A comment repeated in the file (overloads) cannot tell its declarations apart.
  const docCounts = new Map<string, number>();
  for (const d of decls) docCounts.set(d.docText, (docCounts.get(d.docText) ?? 0) + 1);
  const candidates: ExampleRecord[] = [];
  for (const d of decls) {
    if (d.name.length < 2 || docCounts.get(d.docText) !== 1) continue;
    if (d.decl.end <= d.decl.start || (d.decl.start < d.doc.end && d.doc.start < d.decl.end)) continue;
    const question = questionFromDoc(d.docText, d.name);
    if (question === undefined) continue;
    const answer = { ...d.decl, ...lines.linesOfRange(d.decl.start, d.decl.end) };
    candidates.push({
      id: `${doc.docId}#doc2decl:${d.name}@${answer.startLine}`,
      source: doc.source,
      kind: 'doc2decl',
      package: doc.package,
      docId: doc.docId,
      question,
      removed: { start: d.doc.start, end: d.doc.end },
      answer,
      symbol: d.name,
    });
  }
  return selectSpread(candidates, cap, (e) => e.id);
}
