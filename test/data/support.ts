// Shared by the data pipeline's tests: where the fixture corpus lives.
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../../src/data/repoRoot';

export const FIXTURE_CORPORA = path.join(repoRoot(), 'test', 'fixtures', 'data', 'corpora');

export function fixturePath(...parts: string[]): string {
  return path.join(FIXTURE_CORPORA, ...parts);
}

export function readFixture(...parts: string[]): string {
  return fs.readFileSync(fixturePath(...parts), 'utf8');
}

/** [start, end) of the first occurrence of `snippet` in `text`; fails loudly when absent. */
export function spanOf(text: string, snippet: string, from = 0): { start: number; end: number } {
  const start = text.indexOf(snippet, from);
  if (start < 0) throw new Error(`fixture lacks ${JSON.stringify(snippet)}`);
  return { start, end: start + snippet.length };
}

export const GO_SRC = ['deb', 'golang-1.19-src', 'usr', 'share', 'go-1.19', 'src'];
export const RUST_LIBRARY = ['deb', 'rust-src', 'usr', 'src', 'rustc-1.63.0', 'library'];
export const FAQ_DIR = ['deb', 'python3.11-doc', 'usr', 'share', 'doc', 'python3.11', 'html', '_sources', 'faq'];
