// Finds how far a Go or Rust declaration reaches, skipping strings, character
// literals and comments, so that brackets inside them do not count.

export type CLikeLanguage = 'go' | 'rust';

export interface DeclarationExtent {
  /** Offset just past the declaration, or where scanning stopped (maxLines). */
  end: number;
  /** The first '{' outside any bracket: where the declaration's body opens. */
  bodyOpen?: number;
}

const OPENERS = '([{';
const CLOSERS = ')]}';

/** Offset past a quoted literal that opens at `i` (quote char = text[i]), honouring backslash escapes. */
function skipQuoted(text: string, i: number): number {
  const quote = text[i];
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === quote || (quote === "'" && text[j] === '\n')) return j + 1;
  }
  return text.length;
}

/** Rust r"..", r#".."#, br#".."#: offset past it, or undefined when `i` does not start one. */
function skipRustRawString(text: string, i: number): number | undefined {
  let j = i;
  if (text[j] === 'b') j++;
  if (text[j] !== 'r' || (i > 0 && /\w/.test(text[i - 1]))) return undefined;
  j++;
  let hashes = 0;
  while (text[j] === '#') {
    hashes++;
    j++;
  }
  if (text[j] !== '"') return undefined;
  const close = '"' + '#'.repeat(hashes);
  const at = text.indexOf(close, j + 1);
  return at === -1 ? text.length : at + close.length;
}

/** Rust: a char literal ('a', '\n', '\u{1F600}') or a lifetime ('a) at `i`. */
function skipRustQuote(text: string, i: number): number {
  if (text[i + 1] === '\\') return skipQuoted(text, i);
  const width = text.codePointAt(i + 1)! > 0xffff ? 2 : 1;
  return text[i + 1 + width] === "'" ? i + 2 + width : i + 1;
}

/** Go ends a statement at a newline after these (its automatic semicolon rule). */
function goEndsStatement(lastChar: string | undefined): boolean {
  return lastChar !== undefined && /[\w)\]}"'`]/.test(lastChar);
}

/**
 * Scans from `start` (the first character of a declaration) to its end: for Go
 * the newline that ends the statement outside brackets, for Rust the ';' or the
 * closing '}' of its body. Stops early after `maxLines` lines once the body's
 * opening brace is known (or no body opened), since only the header is needed.
 */
export function declarationExtent(text: string, start: number, language: CLikeLanguage, maxLines = Infinity): DeclarationExtent {
  let depth = 0;
  let bodyOpen: number | undefined;
  let lines = 1;
  let lastChar: string | undefined;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      if (depth === 0 && language === 'go' && goEndsStatement(lastChar)) return { end: i, bodyOpen };
      if (++lines > maxLines && (bodyOpen !== undefined || depth === 0)) return { end: i, bodyOpen };
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? text.length : eol;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const after = close === -1 ? text.length : close + 2;
      lines += countNewlines(text, i, after);
      i = after;
      continue;
    }
    let next: number | undefined;
    if (language === 'rust' && (c === 'r' || c === 'b')) next = skipRustRawString(text, i);
    else if (c === '"' || (language === 'go' && (c === '`' || c === "'"))) next = c === '`' ? skipRaw(text, i) : skipQuoted(text, i);
    else if (language === 'rust' && c === "'") next = skipRustQuote(text, i);
    if (next !== undefined) {
      lines += countNewlines(text, i, next);
      lastChar = text[next - 1];
      i = next;
      continue;
    }
    if (OPENERS.includes(c)) {
      if (c === '{' && depth === 0 && bodyOpen === undefined) bodyOpen = i;
      depth++;
    } else if (CLOSERS.includes(c)) {
      depth--;
      if (depth < 0) return { end: i, bodyOpen };
      if (depth === 0 && c === '}' && language === 'rust') return { end: i + 1, bodyOpen };
    } else if (c === ';' && depth === 0 && language === 'rust') {
      return { end: i + 1, bodyOpen };
    }
    if (!/\s/.test(c)) lastChar = c;
    i++;
  }
  return { end: text.length, bodyOpen };
}

function skipRaw(text: string, i: number): number {
  const close = text.indexOf('`', i + 1);
  return close === -1 ? text.length : close + 1;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let j = text.indexOf('\n', from); j !== -1 && j < to; j = text.indexOf('\n', j + 1)) n++;
  return n;
}
