import * as assert from 'assert';
import { docToDeclExamples } from '../../src/data/examples/docToDecl';
import { declarationExtent } from '../../src/data/extract/cLikeScanner';
import { extractRustDeclarations } from '../../src/data/extract/rustDocs';
import { DocRecord } from '../../src/data/types';
import { readFixture, RUST_LIBRARY, spanOf } from './support';

describe('data: Rust doc → declaration', () => {
  const text = readFixture(...RUST_LIBRARY, 'fixture', 'src', 'stack.rs');
  const doc: DocRecord = { docId: 'rust:fixture/src/stack.rs', package: 'rust:fixture', source: 'rust', path: 'fixture/src/stack.rs', text };
  const decls = extractRustDeclarations(text);
  const examples = docToDeclExamples(doc, decls, 30);
  const declOf = (name: string) => decls.find((d) => d.name === name)!;
  const byName = (name: string) => examples.find((e) => e.symbol === name)!;

  it('finds /// blocks above items, across attribute lines, but not //! module docs', () => {
    assert.deepStrictEqual(decls.map((d) => d.name), ['Stack', 'new', 'push', 'pop', 'peek', 'balanced', 'MAX_BOUNDED']);
  });

  it('masks the name in prose and code examples; the answer skips the attributes', () => {
    const e = byName('Stack');
    assert.strictEqual(declOf('Stack').docText, 'A last-in, first-out stack backed by a vector.\n\n# Examples\n\n```\nlet mut s = Stack::new();\ns.push(1);\nassert_eq!(s.pop(), Some(1));\n```');
    const docStart = text.indexOf('/// A last-in');
    assert.deepStrictEqual(declOf('Stack').doc, { start: docStart, end: text.indexOf('#[derive') });
    assert.strictEqual(text.slice(e.answer.start, e.answer.end), 'pub struct Stack<T> {\n    items: Vec<T>,\n}');
    assert.strictEqual(text.slice(byName('new').answer.start, byName('new').answer.end), 'pub const fn new() -> Self {\n        Stack { items: Vec::new() }\n    }');
  });

  it("skips char literals and lifetimes when matching braces ('{' and 'a)", () => {
    const start = spanOf(text, 'pub fn balanced').start;
    const extent = declarationExtent(text, start, 'rust');
    assert.strictEqual(extent.end, text.indexOf('\n}\n', start) + 2);
    assert.strictEqual(extent.bodyOpen, text.indexOf('{', start));
    const peek = spanOf(text, "pub fn peek<'a>").start;
    assert.strictEqual(declarationExtent(text, peek, 'rust').end, text.indexOf('    }\n', peek) + 5);
  });

  it('answers a long function with its header only', () => {
    const e = byName('balanced');
    assert.strictEqual(text.slice(e.answer.start, e.answer.end), 'pub fn balanced(text: &str) -> bool {');
    assert.strictEqual(e.answer.startLine, e.answer.endLine);
    assert.strictEqual(text.slice(byName('MAX_BOUNDED').answer.start, byName('MAX_BOUNDED').answer.end), 'pub const MAX_BOUNDED: usize = 1 << 16;');
  });
});
