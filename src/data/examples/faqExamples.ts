// Natural questions: a Python FAQ section title asks; the section body answers.
// The title is removed from the document so it cannot be matched verbatim.
import { extractFaqSections } from '../extract/faqSections';
import { DocRecord, ExampleRecord } from '../types';

export function faqExamples(doc: DocRecord): ExampleRecord[] {
  return extractFaqSections(doc.text).map((s) => ({
    id: `${doc.docId}#faq@${s.answer.startLine}`,
    source: doc.source,
    kind: 'faq',
    package: doc.package,
    docId: doc.docId,
    question: s.question,
    cuts: [s.heading],
    answer: s.answer,
  }));
}
