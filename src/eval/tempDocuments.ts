// Writes ranker documents to a scratch folder for rankers that read files
// (an external command, the engine), and maps their answers' paths back.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RankerDocument } from './ranker';

export interface WrittenDocuments {
  /** Absolute paths, in the order of the documents. */
  readonly paths: string[];
  /** The document `file` a returned path refers to, if it is one of ours. */
  fileOf(returnedPath: string): string | undefined;
  /** Removes the scratch folder. */
  dispose(): void;
}

/** Keeps the document's base name (its extension may matter to a ranker) in its own sub-folder. */
function safeBaseName(file: string): string {
  const base = path.basename(file);
  return base === '' || base === '.' || base === '..' ? 'document.txt' : base;
}

export function writeDocuments(documents: readonly RankerDocument[]): WrittenDocuments {
  // realpath: a command that resolves symlinks (e.g. a /tmp link) must still map back.
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-eval-')));
  const fileByPath = new Map<string, string>();
  const paths = documents.map((document, i) => {
    const folder = path.join(dir, String(i));
    fs.mkdirSync(folder);
    const written = path.join(folder, safeBaseName(document.file));
    fs.writeFileSync(written, document.text);
    fileByPath.set(written, document.file);
    return written;
  });
  return {
    paths,
    fileOf: (returnedPath) => fileByPath.get(path.resolve(returnedPath)),
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
