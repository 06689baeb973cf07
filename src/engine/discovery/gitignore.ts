// .gitignore semantics (gitignore(5)): comments, escapes, negation, folder-only
// rules, anchoring, `**`; nested files, with the deepest file and the last
// matching line winning.
import { compileGlob } from './glob';

export interface IgnoreRule {
  /** The line as written, for skip reasons. */
  pattern: string;
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

/** Parses the text of one .gitignore file. */
export function parseGitignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    let line = trimUnescapedTrailingSpaces(rawLine);
    if (line === '' || line.startsWith('#')) continue;
    let negate = false;
    if (line.startsWith('!')) {
      negate = true;
      line = line.slice(1);
    } else if (line.startsWith('\\!') || line.startsWith('\\#')) {
      line = line.slice(1);
    }
    const dirOnly = line.endsWith('/') && !line.endsWith('\\/');
    if (line === '' || line === '/') continue;
    rules.push({ pattern: rawLine.trim(), negate, dirOnly, regex: compileGlob(line) });
  }
  return rules;
}

function trimUnescapedTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) {
    if (end >= 2 && line[end - 2] === '\\') break;
    end--;
  }
  const kept = line.slice(0, end);
  // "\ " at the end stands for a space.
  return kept.endsWith('\\ ') ? `${kept.slice(0, -2)} ` : kept;
}

/** The rules of one .gitignore file and the folder (relative to the walk's root, '' = root) they apply to. */
export interface IgnoreFile {
  base: string;
  source: string;
  rules: IgnoreRule[];
}

export interface IgnoreVerdict {
  ignored: boolean;
  /** "<source>: <pattern>" of the deciding rule. */
  because?: string;
}

/**
 * Decides one path (relative to the walk's root, '/'-separated) against the
 * .gitignore files that apply to it, given outermost first.
 */
export function checkIgnored(relPath: string, isDir: boolean, files: readonly IgnoreFile[]): IgnoreVerdict {
  let verdict: IgnoreVerdict = { ignored: false };
  for (const file of files) {
    const local = relativeTo(file.base, relPath);
    if (local === undefined) continue;
    for (const rule of file.rules) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.regex.test(local)) {
        verdict = { ignored: !rule.negate, because: `${file.source}: ${rule.pattern}` };
      }
    }
  }
  return verdict;
}

function relativeTo(base: string, relPath: string): string | undefined {
  if (base === '') return relPath;
  return relPath.startsWith(`${base}/`) ? relPath.slice(base.length + 1) : undefined;
}
