// Chunks from a real parser: web-tree-sitter with the prebuilt grammars of
// tree-sitter-wasms. A node short enough is one atom; a longer one is opened
// and its named children become atoms (recursively), with the node's first
// line as their header when the node is a definition. The same rule serves
// every grammar, so no per-language list of node types is needed beyond what
// counts as a definition and a comment.
import * as fs from 'fs';
import * as path from 'path';
import Parser = require('web-tree-sitter');
import { Atom, Chunk, Definition, groupAtoms, MAX_CHUNK_LINES, sliceRows } from './chunk';

/** Grammar (tree-sitter-<name>.wasm) by file extension. */
const GRAMMAR_BY_EXTENSION: Record<string, string> = {
  '.py': 'python', '.pyi': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.ts': 'typescript', '.mts': 'typescript', '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript', '.jsx': 'javascript',
  '.java': 'java',
  '.c': 'c', '.h': 'c',
  '.cc': 'cpp', '.cpp': 'cpp', '.cxx': 'cpp', '.hpp': 'cpp', '.hh': 'cpp',
  '.rb': 'ruby',
  '.lua': 'lua',
  '.sh': 'bash', '.bash': 'bash',
};

/** Node types that define something (they carry a name). */
const DEFINITION_TYPE = /(?:function|method|class|interface|struct|enum|trait|impl|module|namespace|type_alias|type_spec|type_declaration|var_declaration|const_declaration|var_spec|const_spec|lexical_declaration|variable_declarator|type_item|macro|constructor|signature|const_item|static_item|union|property|field_definition|decorated_definition|abstract_class|object_declaration|singleton_method|^method$|^class$|^module$)/;
const NOT_DEFINITION_TYPE = /(?:call|argument|expression|parameter|import|identifier|reference|arguments)/;
const COMMENT_TYPE = /comment|^decorator$|^attribute_item$|^inner_attribute_item$/;

/** Files longer than this are cut into plain chunks: parsing them costs more than it gives. */
const MAX_PARSE_CHARS = 4_000_000;
const PARSE_TIMEOUT_MICROS = 3_000_000;

/** Every grammar a file can need, and the runtime: what the bundle copies into dist/grammars. */
export function wasmFiles(): string[] {
  return ['tree-sitter.wasm', ...[...new Set(Object.values(GRAMMAR_BY_EXTENSION))].map((g) => `tree-sitter-${g}.wasm`)];
}

export function grammarFor(file: string): string | undefined {
  return GRAMMAR_BY_EXTENSION[path.extname(file).toLowerCase()];
}

/** Where the .wasm files are: dist/grammars when bundled, else the npm packages. */
export function wasmPath(file: string): string {
  const bundled = path.join(__dirname, 'grammars', file);
  if (fs.existsSync(bundled)) return bundled;
  if (file === 'tree-sitter.wasm') return path.join(path.dirname(require.resolve('web-tree-sitter')), file);
  return path.join(path.dirname(require.resolve('tree-sitter-wasms/package.json')), 'out', file);
}

let ready: Promise<void> | undefined;
const languages = new Map<string, Promise<Parser.Language | undefined>>();

async function languageFor(grammar: string): Promise<Parser.Language | undefined> {
  ready ??= Parser.init({ locateFile: () => wasmPath('tree-sitter.wasm') });
  await ready;
  let language = languages.get(grammar);
  if (!language) {
    const file = wasmPath(`tree-sitter-${grammar}.wasm`);
    // A missing grammar file means plain chunks, never a failed question.
    language = fs.existsSync(file) ? Parser.Language.load(file).catch(() => undefined) : Promise.resolve(undefined);
    languages.set(grammar, language);
  }
  return language;
}

/** Syntax chunks of a file, or undefined when no grammar reads it (the caller falls back to plain chunks). */
export async function syntaxChunks(file: string, text: string): Promise<Chunk[] | undefined> {
  const grammar = grammarFor(file);
  if (!grammar || text.length > MAX_PARSE_CHARS) return undefined;
  const language = await languageFor(grammar);
  if (!language) return undefined;
  const parser = new Parser();
  try {
    parser.setLanguage(language);
    parser.setTimeoutMicros(PARSE_TIMEOUT_MICROS);
    const tree = parser.parse(text);
    if (!tree) return undefined;
    try {
      const atoms: Atom[] = [];
      for (const child of tree.rootNode.namedChildren) flatten(child, [], atoms);
      return atoms.length > 0 ? groupAtoms(atoms) : undefined;
    } finally {
      tree.delete();
    }
  } catch {
    return undefined;
  } finally {
    parser.delete();
  }
}

function flatten(node: Parser.SyntaxNode, headers: number[], out: Atom[]): void {
  const { startRow, endRow } = rows(node);
  const kind = kindOf(node);
  if (endRow - startRow + 1 <= MAX_CHUNK_LINES) {
    out.push({ startRow, endRow, headers, kind, definitions: definitionsIn(node, 3) });
    return;
  }
  const children = node.namedChildren;
  if (children.length === 0) {
    out.push(...sliceRows(startRow, endRow, headers, kind === 'definition' ? 'other' : kind));
    return;
  }
  const inner = kind === 'definition' && headers[headers.length - 1] !== startRow ? [...headers, startRow].slice(-2) : headers;
  const own = kind === 'definition' ? definitionOf(node) : undefined;
  const before = out.length;
  for (const child of children) flatten(child, inner, out);
  if (own && out.length > before) {
    // Atoms on the definition's first line are its signature: they stay
    // with the comments above it, under the outer headers, and carry its name.
    for (let i = before; i < out.length && out[i].startRow === startRow; i++) {
      out[i].headers = headers;
      out[i].kind = 'definition';
    }
    out[before].definitions.unshift(own);
  }
}

function rows(node: Parser.SyntaxNode): { startRow: number; endRow: number } {
  const startRow = node.startPosition.row;
  // A node ending at column 0 ends with the previous line's break.
  const endRow = node.endPosition.column === 0 && node.endPosition.row > startRow ? node.endPosition.row - 1 : node.endPosition.row;
  return { startRow, endRow };
}

function kindOf(node: Parser.SyntaxNode): Atom['kind'] {
  if (COMMENT_TYPE.test(node.type)) return 'comment';
  return definitionOf(node) ? 'definition' : 'other';
}

/** The name a definition node defines (looking through export / decorator wrappers and Go's type specs). */
function definitionOf(node: Parser.SyntaxNode): Definition | undefined {
  if (!DEFINITION_TYPE.test(node.type) || NOT_DEFINITION_TYPE.test(node.type)) {
    if (node.type === 'export_statement' || node.type === 'ambient_declaration') {
      const inner = node.childForFieldName('declaration') ?? node.namedChildren.find((c) => DEFINITION_TYPE.test(c.type));
      return inner ? definitionOf(inner) : undefined;
    }
    return undefined;
  }
  // A Rust impl names the type it implements.
  const name = node.childForFieldName('name') ?? (node.type === 'impl_item' ? node.childForFieldName('type') : null);
  if (name) return { name: name.text, line: name.startPosition.row + 1 };
  for (const child of node.namedChildren) {
    if (child.type === 'type_spec' || child.type === 'var_spec' || child.type === 'const_spec' || child.type === 'variable_declarator' || child.type === 'function_definition' || child.type === 'class_definition' || child.type === 'declaration') {
      const found = definitionOf(child);
      if (found) return found;
    }
  }
  return undefined;
}

/** Definitions in a small node, up to `depth` levels down (methods of a small class, fields of a small struct). */
function definitionsIn(node: Parser.SyntaxNode, depth: number): Definition[] {
  const found: Definition[] = [];
  const own = definitionOf(node);
  if (own) found.push(own);
  if (depth > 0) for (const child of node.namedChildren) found.push(...definitionsIn(child, depth - 1));
  // One definition per name and line (a decorated definition and its function agree).
  return found.filter((d, i) => found.findIndex((e) => e.name === d.name && e.line === d.line) === i);
}
