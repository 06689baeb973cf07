// Python: docstrings of functions and classes, found by Python's own ast
// module (python_docstrings.py, run once over a batch of files).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LineIndex } from '../../engine/lines';
import { repoRoot } from '../repoRoot';
import { answerSpan, DocumentedDeclaration } from './declaration';

/** What python_docstrings.py reports for one def/class (lines 1-based, columns in UTF-8 bytes). */
interface RawPythonDeclaration {
  name: string;
  member: boolean;
  declLine: number;
  defLine: number;
  docLine: number;
  docCol: number;
  docEndLine: number;
  docEndCol: number;
  docText: string;
}

interface RawPythonFile {
  path: string;
  decls?: RawPythonDeclaration[];
  error?: string;
}

const HELPER = path.join(repoRoot(), 'src', 'data', 'extract', 'python_docstrings.py');

/** Debian's interpreter when present (the project's choice), else the first python3 on PATH. */
export function pythonInterpreter(): string {
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** UTF-16 offset of UTF-8 byte column `byteCol` on `line`. */
function charOffset(lines: LineIndex, line: number, byteCol: number): number {
  const bytes = Buffer.from(lines.lineText(line), 'utf8');
  return lines.lineStart(line) + bytes.subarray(0, byteCol).toString('utf8').length;
}

function isBlankOrComment(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('#');
}

/** Converts the helper's positions into spans of `text`; drops docstrings that share lines with code. */
export function toDeclarations(text: string, raw: RawPythonDeclaration[]): DocumentedDeclaration[] {
  const lines = new LineIndex(text);
  const found: DocumentedDeclaration[] = [];
  for (const r of raw) {
    if (r.docLine <= r.defLine || r.docEndLine > lines.lineCount) continue; // one-line "def f(): '''doc'''"
    const doc = lines.wholeLines({ start: charOffset(lines, r.docLine, r.docCol), end: charOffset(lines, r.docEndLine, r.docEndCol) });
    if (!doc) continue;
    let headerLast = r.docLine - 1;
    while (headerLast > r.defLine && isBlankOrComment(lines.lineText(headerLast))) headerLast--;
    const declText = lines.lineText(r.declLine);
    const start = lines.lineStart(r.declLine) + (declText.length - declText.trimStart().length);
    found.push({ name: r.name, member: r.member, doc, docText: r.docText.trim(), decl: answerSpan(lines, start, lines.lineEnd(headerLast)) });
  }
  return found;
}

/**
 * Documented declarations of each file, keyed by absolute path. The texts must
 * be the files' contents as read (UTF-8). Files Python cannot parse get none.
 */
export function extractPythonDeclarations(files: { absPath: string; text: string }[]): Map<string, DocumentedDeclaration[]> {
  const result = new Map<string, DocumentedDeclaration[]>();
  if (files.length === 0) return result;
  const run = spawnSync(pythonInterpreter(), [HELPER], {
    input: files.map((f) => f.absPath).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (run.status !== 0) throw new Error(`python_docstrings.py failed (${run.status ?? run.signal}): ${run.stderr || run.error}`);
  const texts = new Map(files.map((f) => [f.absPath, f.text]));
  for (const line of run.stdout.split('\n')) {
    if (line === '') continue;
    const parsed = JSON.parse(line) as RawPythonFile;
    const text = texts.get(parsed.path);
    if (text !== undefined) result.set(parsed.path, parsed.decls ? toDeclarations(text, parsed.decls) : []);
  }
  return result;
}
