import * as assert from 'assert';
import { docToDeclExamples } from '../../src/data/examples/docToDecl';
import { usageToDefExamples } from '../../src/data/examples/usageToDef';
import { extractGoDeclarations } from '../../src/data/extract/goDocs';
import { DocRecord } from '../../src/data/types';
import { GO_SRC, readFixture, spanOf } from './support';

describe('data: Go doc → declaration', () => {
  const text = readFixture(...GO_SRC, 'fixture', 'ring', 'ring.go');
  const doc: DocRecord = { docId: 'go:fixture/ring/ring.go', package: 'go:fixture/ring', source: 'go', path: 'fixture/ring/ring.go', text };
  const decls = extractGoDeclarations(text);
  const examples = docToDeclExamples(doc, decls, 30);
  const declOf = (name: string) => decls.find((d) => d.name === name)!;
  const byName = (name: string) => examples.find((e) => e.symbol === name);

  it('finds documented funcs, methods, types, vars and grouped consts, and nothing undocumented', () => {
    assert.deepStrictEqual(decls.map((d) => d.name), ['ErrEmpty', 'Buffer', 'DefaultCapacity', 'New', 'Len', 'Push', 'Pop', 'Drain']);
    assert.deepStrictEqual(decls.filter((d) => d.member).map((d) => d.name), ['Len', 'Push', 'Pop']);
  });

  it('removes the comment block and answers with the whole short declaration', () => {
    const e = byName('Push')!;
    assert.strictEqual(declOf('Push').docText, 'Push appends v, dropping the oldest value when the buffer is full.');
    assert.deepStrictEqual(declOf('Push').doc, spanOf(text, '// Push appends v, dropping the oldest value when the buffer is full.\n'));
    const body = spanOf(text, 'func (b *Buffer) Push(v int) {');
    const end = text.indexOf('\n}\n', body.start) + 2;
    assert.deepStrictEqual({ start: e.answer.start, end: e.answer.end }, { start: body.start, end });
    assert.strictEqual(e.answer.endLine - e.answer.startLine + 1, 9);
  });

  it('handles a struct, a one-line method and a spec inside a const group', () => {
    assert.strictEqual(text.slice(byName('Buffer')!.answer.start, byName('Buffer')!.answer.end), 'type Buffer struct {\n\tvalues []int\n\tstart  int\n\tsize   int\n}');
    assert.strictEqual(text.slice(byName('Len')!.answer.start, byName('Len')!.answer.end), 'func (b *Buffer) Len() int { return b.size }');
    const c = byName('DefaultCapacity')!;
    assert.strictEqual(text.slice(c.answer.start, c.answer.end), 'DefaultCapacity = 16');
    assert.deepStrictEqual(declOf('DefaultCapacity').doc, spanOf(text, '\t// DefaultCapacity is the capacity New uses when given zero.\n'));
    assert.strictEqual(declOf('Drain').docText, 'Drain pops every value in order and passes it to the callback,\nleaving the buffer empty.');
  });

  it('usage → definition: bare names for functions and vars, x.Name for methods', () => {
    const usages = usageToDefExamples(doc, decls, 15);
    const q = (name: string) => usages.find((e) => e.symbol === name)?.question;
    assert.strictEqual(q('ErrEmpty'), 'return 0, ErrEmpty');
    assert.strictEqual(q('Drain'), 'Drain(b, func(v int) { total += v })');
    assert.ok(['if b.Len() == 0 {', 'for b.Len() > 0 {'].includes(q('Len')!), q('Len'));
    const err = usages.find((e) => e.symbol === 'ErrEmpty')!;
    assert.strictEqual(text.slice(err.answer.start, err.answer.end), '// ErrEmpty is returned by Pop when the buffer holds no values.\nvar ErrEmpty = errors.New("ring: empty")');
  });
});

describe('data: usage → definition with a long doc comment', () => {
  it('keeps the declaration and the doc lines nearest to it, 60 lines at most', () => {
    const doc = Array.from({ length: 80 }, (_, i) => `// Long explains line ${i + 1} of the documentation.`).join('\n');
    const text = `package p\n\n${doc}\nfunc Long() int { return 1 }\n\nvar x = Long()\n`;
    const record: DocRecord = { docId: 'go:p/long.go', package: 'go:p', source: 'go', path: 'p/long.go', text };
    const decls = extractGoDeclarations(text);
    const [e] = usageToDefExamples(record, decls, 15);
    assert.strictEqual(e.question, 'var x = Long()');
    assert.strictEqual(e.answer.endLine - e.answer.startLine + 1, 60);
    assert.strictEqual(text.slice(e.answer.start, e.answer.end).split('\n')[0], '// Long explains line 22 of the documentation.');
    assert.ok(text.slice(e.answer.start, e.answer.end).endsWith('func Long() int { return 1 }'));
  });
});
