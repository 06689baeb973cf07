import * as assert from 'assert';
import { docToDeclExamples } from '../../src/data/examples/docToDecl';
import { usageToDefExamples } from '../../src/data/examples/usageToDef';
import { extractTypescriptDeclarations } from '../../src/data/extract/typescriptDocs';
import { DocRecord } from '../../src/data/types';
import { readFixture, spanOf } from './support';

const PATH = ['npm', 'node_modules', '@types', 'fixture-shapes', 'index.d.ts'];

describe('data: TypeScript doc → declaration', () => {
  const text = readFixture(...PATH);
  const doc: DocRecord = { docId: 'npm-dts:@types/fixture-shapes/index.d.ts', package: 'npm:@types/fixture-shapes', source: 'npm-dts', path: '@types/fixture-shapes/index.d.ts', text };
  const decls = extractTypescriptDeclarations(text, 'index.d.ts');
  const examples = docToDeclExamples(doc, decls, 30);
  const declOf = (name: string) => decls.find((d) => d.name === name)!;
  const byName = (name: string) => examples.find((e) => e.symbol === name);

  it('masks the name in the JSDoc text, removes the whole comment lines and answers with the declaration', () => {
    const e = byName('distance')!;
    assert.ok(e, 'distance has an example');
    assert.strictEqual(declOf('distance').docText, 'Computes the Euclidean distance between two points.\n@param a The first point.\n@param b The second point.');
    const comment = spanOf(text, '/**\n * Computes the Euclidean distance');
    const commentEnd = text.indexOf(' */\n', comment.start) + ' */\n'.length;
    assert.deepStrictEqual(declOf('distance').doc, { start: comment.start, end: commentEnd });
    const decl = spanOf(text, 'export declare function distance(a: Point, b: Point): number;');
    assert.deepStrictEqual(e.answer, { ...decl, startLine: 18, endLine: 18 });
  });

  it('answers a member with its own line and an enum with all of its lines', () => {
    const contains = byName('contains')!;
    assert.strictEqual(text.slice(contains.answer.start, contains.answer.end), 'contains(p: Point): boolean;');
    assert.strictEqual(declOf('contains').docText, 'Whether the given point lies inside the rectangle or on its border.');
    const join = byName('LineJoin')!;
    assert.strictEqual(text.slice(join.answer.start, join.answer.end), 'export declare enum LineJoin {\n    Miter = 0,\n    Round = 1,\n    Bevel = 2\n}');
    assert.strictEqual(join.answer.endLine - join.answer.startLine, 4);
  });

  it('skips repeated comments (overloads), comments too thin to ask with, and undocumented declarations', () => {
    assert.strictEqual(byName('scale'), undefined);
    assert.strictEqual(byName('EPSILON'), undefined);
    assert.strictEqual(byName('centroid'), undefined);
    assert.strictEqual(byName('x'), undefined, 'one-letter names are not asked about');
    assert.ok(byName('y') === undefined);
    assert.deepStrictEqual(examples.map((e) => e.symbol).sort(), ['LineJoin', 'Point', 'Rectangle', 'boundingBox', 'contains', 'distance', 'origin', 'union']);
  });

  it('usage → definition: a code line that uses the symbol asks; its doc and declaration answer', () => {
    const usages = usageToDefExamples(doc, decls, 15);
    const rect = usages.find((e) => e.symbol === 'Rectangle')!;
    // Inside the class and in other doc comments do not count: one usage is left.
    assert.strictEqual(rect.question, 'export declare function boundingBox(points: readonly Point[]): Rectangle | undefined;');
    const start = text.indexOf('/**\n * An axis-aligned rectangle');
    const end = text.indexOf('}\n', text.indexOf('union(other: Rectangle)')) + 1;
    assert.deepStrictEqual({ start: rect.answer.start, end: rect.answer.end }, { start, end });
    assert.strictEqual(text.slice(rect.usage!.start, rect.usage!.end), 'Rectangle');
    assert.deepStrictEqual(rect.cuts, []);
    assert.strictEqual(usages.find((e) => e.symbol === 'distance'), undefined, 'distance is only named in prose');
  });
});
