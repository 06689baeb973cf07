// Reads corpus files into documents, leaving out what cannot be one: binary
// files, invalid UTF-8, and files outside the length limits.
import * as fs from 'fs';
import { CorpusFile, LoadedDocument } from './types';

export interface LengthLimits {
  /** Shorter files are dropped (the product is about long documents); the FAQ is exempt. */
  minChars: number;
  maxChars: number;
}

export interface LoadResult {
  docs: LoadedDocument[];
  skipped: { short: number; long: number; binary: number; notUtf8: number };
}

// fatal: invalid UTF-8 throws; a leading BOM is dropped (Python's ast drops it too).
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function loadDocuments(files: readonly CorpusFile[], limits: LengthLimits): LoadResult {
  const result: LoadResult = { docs: [], skipped: { short: 0, long: 0, binary: 0, notUtf8: 0 } };
  for (const f of files) {
    const minChars = f.source === 'python-faq' ? 0 : limits.minChars;
    const bytes = fs.statSync(f.absPath).size;
    // UTF-8 takes 1-3 bytes per UTF-16 unit: decide what is clear from the size alone.
    if (bytes < minChars) {
      result.skipped.short++;
      continue;
    }
    if (bytes > 3 * limits.maxChars) {
      result.skipped.long++;
      continue;
    }
    const buf = fs.readFileSync(f.absPath);
    if (buf.subarray(0, 8192).includes(0)) {
      result.skipped.binary++;
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(buf);
    } catch {
      result.skipped.notUtf8++;
      continue;
    }
    if (text.length < minChars) result.skipped.short++;
    else if (text.length > limits.maxChars) result.skipped.long++;
    else result.docs.push({ record: { docId: `${f.source}:${f.path}`, package: f.package, source: f.source, path: f.path, text }, absPath: f.absPath });
  }
  return result;
}
