// Glob patterns as used by .gitignore files (and, with braces, by VS Code
// include/exclude settings), compiled to regular expressions over
// '/'-separated relative paths.

export interface GlobOptions {
  /** Treat `{a,b}` as alternatives (VS Code globs); .gitignore keeps braces literal. */
  braces?: boolean;
}

/**
 * Compiles one pattern body. A pattern with no '/' except a trailing one
 * matches a name at any depth; otherwise it is anchored at the base folder
 * (a leading '/' only marks that). `**` spans folders when it stands between
 * slashes or at either end; `*`, `?` and `[...]` never match '/'.
 */
export function compileGlob(pattern: string, options: GlobOptions = {}): RegExp {
  let body = pattern;
  const anchored = body.slice(0, -1).includes('/');
  if (body.startsWith('/')) body = body.slice(1);
  if (body.endsWith('/')) body = body.slice(0, -1);
  const source = (anchored ? '' : '(?:.*/)?') + translate(body, options);
  return new RegExp(`^${source}$`);
}

function translate(body: string, options: GlobOptions): string {
  let out = '';
  let braceDepth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\' && i + 1 < body.length) {
      out += escapeRegExp(body[++i]);
    } else if (c === '*' && body[i + 1] === '*') {
      const atStart = i === 0 || body[i - 1] === '/';
      let end = i;
      while (body[end] === '*') end++;
      const atEnd = end === body.length || body[end] === '/';
      if (atStart && atEnd) {
        if (end === body.length) {
          // "a/**" matches everything inside a; a lone "**" matches everything.
          out += i === 0 ? '.*' : '.+';
        } else {
          // "**/" matches zero or more folders.
          out += '(?:.*/)?';
          end++;
        }
      } else {
        out += '[^/]*';
      }
      i = end - 1;
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const cls = charClass(body, i);
      if (cls) {
        out += cls.source;
        i = cls.end;
      } else {
        out += '\\[';
      }
    } else if (options.braces && c === '{') {
      braceDepth++;
      out += '(?:';
    } else if (options.braces && c === '}' && braceDepth > 0) {
      braceDepth--;
      out += ')';
    } else if (options.braces && c === ',' && braceDepth > 0) {
      out += '|';
    } else {
      out += escapeRegExp(c);
    }
  }
  if (braceDepth > 0) throw new SyntaxError(`unbalanced '{' in glob ${JSON.stringify(body)}`);
  return out;
}

/** `[...]` starting at `open`: a regex class that never matches '/', or undefined if unterminated. */
function charClass(body: string, open: number): { source: string; end: number } | undefined {
  let i = open + 1;
  let negate = false;
  if (body[i] === '!' || body[i] === '^') {
    negate = true;
    i++;
  }
  let members = '';
  // A ']' right after the opening bracket is a member, not the end.
  if (body[i] === ']') {
    members += '\\]';
    i++;
  }
  for (; i < body.length; i++) {
    const c = body[i];
    if (c === ']') return { source: negate ? `[^/${members}]` : `(?!/)[${members}]`, end: i };
    if (c === '\\' && i + 1 < body.length) members += escapeClassChar(body[++i]);
    else if (c === '-') members += '-';
    else members += escapeClassChar(c);
  }
  return undefined;
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

function escapeClassChar(c: string): string {
  return /[\]\\^-]/.test(c) ? `\\${c}` : c;
}
