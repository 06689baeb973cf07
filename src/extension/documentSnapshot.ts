// The engine reads files from disk. A document with unsaved edits, or one that
// is not a file at all (untitled, virtual), is written to a private snapshot
// file first; answers in the snapshot map back to the document.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

export interface DocumentSource {
  /** The file the engine should read. */
  file: string;
  /** The document an answer in `file` belongs to. */
  uriOf(answerFile: string): vscode.Uri;
}

export async function sourceOf(document: vscode.TextDocument, snapshotDir: string): Promise<DocumentSource> {
  if (document.uri.scheme === 'file' && !document.isDirty) {
    return { file: document.uri.fsPath, uriOf: (file) => vscode.Uri.file(file) };
  }
  const id = crypto.createHash('sha256').update(document.uri.toString()).digest('hex').slice(0, 16);
  const extension = path.extname(document.uri.path).replace(/[^.\w]/g, '') || '.txt';
  const file = path.join(snapshotDir, `${id}${extension}`);
  await fs.promises.mkdir(snapshotDir, { recursive: true });
  await fs.promises.writeFile(file, document.getText(), 'utf8');
  return { file, uriOf: (answerFile) => (answerFile === file ? document.uri : vscode.Uri.file(answerFile)) };
}
