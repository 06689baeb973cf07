// End to end on a tiny split in the data pipeline's format: reading it,
// running BM25, scoring, aggregating, and the report.
import * as assert from 'assert';
import * as path from 'path';
import { readDocuments, readExamples } from '../../src/eval/dataset';
import { Bm25Ranker } from '../../src/eval/bm25Ranker';
import { Answer, Ranker } from '../../src/eval/ranker';
import { markdownTable } from '../../src/eval/report';
import { evaluateRanker, sampleEvenly } from '../../src/eval/runner';
import { percentile } from '../../src/eval/aggregate';
import { wordTokenizer } from '../fixtures/eval/wordTokenizer';

const SPLIT_DIR = path.resolve(__dirname, '../../../test/fixtures/eval/data/test');

async function loadFixtureSplit() {
  const examples = await readExamples(path.join(SPLIT_DIR, 'examples.jsonl'));
  const documents = await readDocuments(path.join(SPLIT_DIR, 'docs.jsonl'), new Set(examples.map((e) => e.docId)));
  return { examples, documents };
}

/** Answers fixed lines of whatever file it is given, at a fixed score. */
function fixedRanker(lines: [number, number][]): Ranker {
  return {
    name: 'fixed',
    rank: async (_q, documents): Promise<Answer[]> =>
      lines.map(([startLine, endLine]) => ({ file: documents[0].file, startLine, endLine, score: 1, text: '' })),
  };
}

describe('evaluation end to end', () => {
  it('reads the split', async () => {
    const { examples, documents } = await loadFixtureSplit();
    assert.strictEqual(examples.length, 6);
    assert.deepStrictEqual([...documents.keys()].sort(), ['doc:faq/general.rst', 'go:dial/dial.go', 'npm:geometry/shapes.ts']);
  });

  it('BM25 finds the obvious answers', async () => {
    const { examples, documents } = await loadFixtureSplit();
    const ranker = new Bm25Ranker(wordTokenizer, { window: { size: 64, stride: 48 } });
    const report = await evaluateRanker(ranker, 'test', examples, documents);
    assert.deepStrictEqual(report.skipped, []);
    const byId = new Map(report.examples.map((r) => [r.id, r]));
    // These questions share their rare words with their answers only.
    for (const id of ['ts-1', 'go-1', 'faq-1']) assert.ok(byId.get(id)!.hit1, `${id} not a hit@1: ${JSON.stringify(byId.get(id))}`);
    // These share mostly common words with them: found, but not first.
    for (const id of ['ts-2', 'faq-2']) assert.ok(byId.get(id)!.hit5, `${id} not a hit@5: ${JSON.stringify(byId.get(id))}`);
    // A usage question matches the usage site (dial.go line 28) best; the definition comes second.
    assert.deepStrictEqual(byId.get('go-2')!.top && [byId.get('go-2')!.top!.startLine, byId.get('go-2')!.reciprocalRank], [28, 0.5]);
    // The doc comment asked about was cut out: gold lines are those of the cut document.
    assert.deepStrictEqual(byId.get('ts-1')!.gold, { startLine: 12, endLine: 14 });
    assert.strictEqual(report.overall.examples, 6);
    assert.ok(report.overall.hit1 >= 3 / 6);
    assert.ok(report.overall.mrr >= report.overall.hit1 && report.overall.mrr <= report.overall.hit5);
    assert.deepStrictEqual(Object.keys(report.bySource), ['go', 'npm-dts', 'python-faq']);
    assert.deepStrictEqual(Object.keys(report.byKind), ['doc2decl', 'faq', 'usage2def']);
    assert.strictEqual(report.byKind.faq.examples, 2);
  });

  it('scores a ranker that always answers the same lines', async () => {
    const { examples, documents } = await loadFixtureSplit();
    // ts-2's gold is lines 36-37 of shapes.ts; go-2's is lines 13-18 of dial.go.
    const report = await evaluateRanker(fixedRanker([[1, 2], [36, 37]]), 'test', examples, documents);
    const byId = new Map(report.examples.map((r) => [r.id, r]));
    assert.deepStrictEqual([byId.get('ts-2')!.hit1, byId.get('ts-2')!.hit5, byId.get('ts-2')!.reciprocalRank], [false, true, 0.5]);
    assert.strictEqual(byId.get('go-2')!.reciprocalRank, 0);
    assert.strictEqual(report.examples.every((r) => r.exactMatch === 0 && r.f1 === 0), true); // empty answer text
    assert.strictEqual(report.overall.hit1, 0);
  });

  it('skips examples it cannot place, with the reason', async () => {
    const { examples, documents } = await loadFixtureSplit();
    const broken = [{ ...examples[0], id: 'gone', docId: 'missing' }, { ...examples[1], id: 'bad', answer: { ...examples[1].answer, startLine: 1 } }];
    const report = await evaluateRanker(fixedRanker([]), 'test', [...broken, examples[2]], documents);
    assert.deepStrictEqual(report.skipped.map((s) => s.id), ['gone', 'bad']);
    assert.match(report.skipped[0].reason, /document missing not found/);
    assert.match(report.skipped[1].reason, /do not match its offsets/);
    assert.strictEqual(report.overall.examples, 1);
  });

  it('names the failing example when a ranker throws', async () => {
    const { examples, documents } = await loadFixtureSplit();
    const failing: Ranker = { name: 'failing', rank: () => Promise.reject(new Error('boom')) };
    await assert.rejects(evaluateRanker(failing, 'test', examples, documents), /ranker failing failed on example ts-1: boom/);
  });

  it('writes a Markdown table with every group', async () => {
    const { examples, documents } = await loadFixtureSplit();
    const report = await evaluateRanker(new Bm25Ranker(wordTokenizer, { window: { size: 64, stride: 48 } }), 'test', examples, documents);
    const table = markdownTable(report);
    assert.match(table, /^### bm25 on test$/m);
    assert.match(table, /\| group \| examples \| hit@1 \| hit@5 \| MRR@10 \| EM \| F1 \| ms mean \| ms p95 \|/);
    assert.match(table, new RegExp(`^\\| all \\| 6 \\| ${report.overall.hit1.toFixed(3)} \\|`, 'm'));
    for (const group of ['source: go', 'source: npm-dts', 'source: python-faq', 'kind: doc2decl', 'kind: faq', 'kind: usage2def']) {
      assert.ok(table.includes(`| ${group} |`), group);
    }
  });

  it('--limit samples evenly and deterministically', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    assert.deepStrictEqual(sampleEvenly(items, 4), [0, 2, 5, 7]);
    assert.deepStrictEqual(sampleEvenly(items, 20), items);
    assert.deepStrictEqual(sampleEvenly(items, undefined), items);
  });

  it('latency percentiles use the nearest rank', () => {
    assert.strictEqual(percentile([5, 1, 4, 2, 3], 0.5), 3);
    assert.strictEqual(percentile([5, 1, 4, 2, 3], 0.95), 5);
    assert.strictEqual(percentile([], 0.5), 0);
  });
});
