// All examples of one document.
import { DocumentedDeclaration } from '../extract/declaration';
import { DocRecord, ExampleRecord } from '../types';
import { commentToCodeExamples } from './commentToCode';
import { docToDeclExamples } from './docToDecl';
import { faqExamples } from './faqExamples';
import { usageToDefExamples } from './usageToDef';

export interface ExampleCaps {
  /** At most this many doc2decl examples per file, so no file dominates. */
  doc2declPerFile: number;
  usage2defPerFile: number;
  comment2codePerFile: number;
}

export const DEFAULT_CAPS: ExampleCaps = { doc2declPerFile: 30, usage2defPerFile: 15, comment2codePerFile: 20 };

export function examplesOf(doc: DocRecord, decls: DocumentedDeclaration[], caps: ExampleCaps = DEFAULT_CAPS): ExampleRecord[] {
  if (doc.source === 'python-faq') return faqExamples(doc);
  return [
    ...docToDeclExamples(doc, decls, caps.doc2declPerFile),
    ...commentToCodeExamples(doc, caps.comment2codePerFile),
    ...usageToDefExamples(doc, decls, caps.usage2defPerFile),
  ];
}
