// The documented declarations of a batch of documents, by each source's extractor.
import { LoadedDocument } from '../types';
import { DocumentedDeclaration } from './declaration';
import { extractGoDeclarations } from './goDocs';
import { extractPythonDeclarations } from './pythonDocs';
import { extractRustDeclarations } from './rustDocs';
import { extractTypescriptDeclarations } from './typescriptDocs';

/** Declarations per docId (documents of a source without declarations, like the FAQ, get none). */
export function documentedDeclarations(docs: readonly LoadedDocument[]): Map<string, DocumentedDeclaration[]> {
  const result = new Map<string, DocumentedDeclaration[]>();
  const python: LoadedDocument[] = [];
  for (const d of docs) {
    const { source, text, path, docId } = d.record;
    if (source === 'npm-dts') result.set(docId, extractTypescriptDeclarations(text, path));
    else if (source === 'go') result.set(docId, extractGoDeclarations(text));
    else if (source === 'rust') result.set(docId, extractRustDeclarations(text));
    else if (source === 'python') python.push(d);
  }
  // Python's ast counts lines at '\n', '\r\n' and a lone '\r'; the offsets here only follow the first two.
  const parseable = python.filter((d) => !/\r(?!\n)/.test(d.record.text));
  const byPath = extractPythonDeclarations(parseable.map((d) => ({ absPath: d.absPath, text: d.record.text })));
  for (const d of parseable) result.set(d.record.docId, byPath.get(d.absPath) ?? []);
  return result;
}
