import * as assert from 'assert';
import { docToDeclExamples } from '../../src/data/examples/docToDecl';
import { usageToDefExamples } from '../../src/data/examples/usageToDef';
import { extractPythonDeclarations } from '../../src/data/extract/pythonDocs';
import { DocRecord } from '../../src/data/types';
import { fixturePath, readFixture, spanOf } from './support';

describe('data: Python docstring → declaration (ast helper)', () => {
  const absPath = fixturePath('site-packages', 'fixture_stats', 'moments.py');
  const text = readFixture('site-packages', 'fixture_stats', 'moments.py');
  const doc: DocRecord = { docId: 'python:fixture_stats/moments.py', package: 'py:fixture_stats', source: 'python', path: 'fixture_stats/moments.py', text };
  const decls = extractPythonDeclarations([{ absPath, text }]).get(absPath)!;
  const examples = docToDeclExamples(doc, decls, 30);
  const declOf = (name: string) => decls.find((d) => d.name === name)!;
  const byName = (name: string) => examples.find((e) => e.symbol === name)!;

  it('finds docstrings of functions, classes and methods; not one sharing its line with the def', () => {
    assert.deepStrictEqual(decls.map((d) => d.name).sort(), ['RunningMoments', 'mean', 'push', 'spread', 'summary', 'variance']);
    assert.deepStrictEqual(decls.filter((d) => d.member).map((d) => d.name).sort(), ['push', 'spread']);
  });

  it('removes the docstring lines and answers with the def line', () => {
    const e = byName('mean');
    assert.strictEqual(declOf('mean').docText, 'Return the arithmetic average of a non-empty sequence of numbers.\n\nRaises ValueError when the sequence is empty.');
    const docStart = text.indexOf('    """Return the arithmetic average');
    const docEnd = text.indexOf('    """\n', docStart + 8) + '    """\n'.length;
    assert.deepStrictEqual(declOf('mean').doc, { start: docStart, end: docEnd });
    assert.deepStrictEqual(e.answer, { ...spanOf(text, 'def mean(values):'), startLine: 5, endLine: 5 });
  });

  it('starts the answer at the first decorator', () => {
    const e = byName('spread');
    assert.strictEqual(text.slice(e.answer.start, e.answer.end), '@property\n    def spread(self):');
    assert.strictEqual(text.slice(byName('RunningMoments').answer.start, byName('RunningMoments').answer.end), 'class RunningMoments:');
  });

  it('usage → definition: the answer runs from the def through its docstring', () => {
    const usages = usageToDefExamples(doc, decls, 15);
    const moments = usages.find((e) => e.symbol === 'RunningMoments')!;
    assert.strictEqual(moments.question, 'acc = RunningMoments()');
    const start = text.indexOf('class RunningMoments:');
    const end = text.indexOf('(Welford\'s method)."""') + '(Welford\'s method)."""'.length;
    assert.deepStrictEqual({ start: moments.answer.start, end: moments.answer.end }, { start, end });
    assert.strictEqual(usages.find((e) => e.symbol === 'push')!.question, 'acc.push(v)');
    assert.ok(['m = mean(values)', 'return {"mean": mean(values), "variance": acc.spread}'].includes(usages.find((e) => e.symbol === 'mean')!.question));
  });

  it('reports nothing for a file Python cannot parse', () => {
    const broken = extractPythonDeclarations([{ absPath: fixturePath('does-not-exist.py'), text: '' }]);
    assert.deepStrictEqual(broken.get(fixturePath('does-not-exist.py')), []);
  });
});
