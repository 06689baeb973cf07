import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CANDIDATE_KIND, CANDIDATE_ROW_INTS, CUT_ROW_INTS, readShards, EXAMPLE_ROW_INTS } from '../../src/data/output/shards';
import type { PipelineReport } from '../../src/data/output/report';
import { runPipeline } from '../../src/data/pipeline';
import { LineIndex } from '../../src/engine/lines';
import { DocRecord, ExampleRecord, Split, SPLITS } from '../../src/data/types';
import { Tokenizer } from '../../src/engine/tokenizer';
import { FIXTURE_CORPORA } from './support';

type WrittenExample = ExampleRecord & {
  tokens: { doc: [number, number]; question: [number, number]; cuts: [number, number][]; candidates: [number, number, number][]; answer: [number, number]; lexicalRank: number };
};

function readJsonLines<T>(file: string): T[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);
}

describe('data: pipeline end to end on the fixture corpus', function () {
  let out: string;
  let report: PipelineReport;
  const docs = {} as Record<Split, DocRecord[]>;
  const examples = {} as Record<Split, WrittenExample[]>;

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-test-'));
    report = runPipeline({ corpora: FIXTURE_CORPORA, out, minDocChars: 0, vocabSize: 2000, log: () => undefined });
    for (const split of SPLITS) {
      docs[split] = readJsonLines(path.join(out, split, 'docs.jsonl'));
      examples[split] = readJsonLines(path.join(out, split, 'examples.jsonl'));
    }
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('writes every file of every split, the stats and the vocabulary', () => {
    for (const split of SPLITS) {
      for (const f of ['docs.jsonl', 'examples.jsonl', 'tokens.i32', 'offsets.i32', 'docs.index.json', 'questions.i32', 'examples.i32', 'cuts.i32', 'candidates.i32', 'lexical-ranks.i32']) {
        assert.ok(fs.existsSync(path.join(out, split, f)), `${split}/${f}`);
      }
    }
    for (const f of ['stats.json', 'stats.md', 'vocab-v2.json', 'match-classes.i32']) assert.ok(fs.existsSync(path.join(out, f)), f);
    const stats = JSON.parse(fs.readFileSync(path.join(out, 'stats.json'), 'utf8')) as PipelineReport;
    assert.deepStrictEqual(stats.splits, report.splits);
    assert.match(fs.readFileSync(path.join(out, 'stats.md'), 'utf8'), /\| python-faq \| test \| 1 \|/);
  });

  it('keeps every package in one split; FAQ questions only in test', () => {
    const owner = new Map<string, Split>();
    for (const split of SPLITS) {
      for (const d of docs[split]) {
        assert.ok(!owner.has(d.package) || owner.get(d.package) === split, `${d.package} in ${owner.get(d.package)} and ${split}`);
        owner.set(d.package, split);
      }
    }
    assert.deepStrictEqual(examples.test.filter((e) => e.kind === 'faq').length, 3);
    assert.ok(SPLITS.filter((s) => s !== 'test').every((s) => examples[s].every((e) => e.kind !== 'faq')));
    assert.ok(examples.train.length > 0 && examples.dev.length > 0);
  });

  it('drops the near-copy of ring.go and files without examples', () => {
    assert.strictEqual(report.corpus.duplicates, 1);
    const all = SPLITS.flatMap((s) => docs[s].map((d) => d.docId));
    assert.ok(all.includes('go:fixture/ring/ring.go'));
    assert.ok(!all.some((id) => id.includes('ringcopy')));
    assert.ok(!all.includes('python:fixture_stats/__init__.py'), 'a module docstring alone gives no example');
  });

  it('token ranges in examples.jsonl and examples.i32 agree and cover the character spans', () => {
    const tokenizer = Tokenizer.fromFile(path.join(out, 'vocab-v2.json'));
    for (const split of SPLITS) {
      const shards = readShards(path.join(out, split));
      const byId = new Map(docs[split].map((d) => [d.docId, d]));
      assert.strictEqual(shards.examples.length, examples[split].length * EXAMPLE_ROW_INTS);
      assert.strictEqual(shards.lexicalRanks.length, examples[split].length);
      examples[split].forEach((e, i) => {
        const doc = byId.get(e.docId)!;
        const [docStart, docCount] = shards.index[e.docId];
        assert.deepStrictEqual(e.tokens.doc, [docStart, docCount]);
        const row = Array.from(shards.examples.subarray(i * EXAMPLE_ROW_INTS, (i + 1) * EXAMPLE_ROW_INTS));
        const [, , , , cutStart, cutCount, candidateStart, candidateCount] = row;
        assert.deepStrictEqual(row, [docStart, docCount, ...e.tokens.question, cutStart, e.tokens.cuts.length, candidateStart, e.tokens.candidates.length, ...e.tokens.answer]);
        assert.deepStrictEqual(Array.from(shards.cuts.subarray(cutStart * CUT_ROW_INTS, (cutStart + cutCount) * CUT_ROW_INTS)), e.tokens.cuts.flat());
        assert.deepStrictEqual(
          Array.from(shards.candidates.subarray(candidateStart * CANDIDATE_ROW_INTS, (candidateStart + candidateCount) * CANDIDATE_ROW_INTS)),
          e.tokens.candidates.flat(),
        );
        assert.strictEqual(shards.lexicalRanks[i], e.tokens.lexicalRank, `${e.id}: lexical-ranks.i32 and examples.jsonl agree`);
        assert.ok(e.tokens.lexicalRank >= -1, `${e.id}: a lexical rank`);
        const [qs, qc] = e.tokens.question;
        assert.strictEqual(tokenizer.decode(shards.questions.subarray(qs, qs + qc)), e.question);
        const offset = (t: number, k: 0 | 1) => shards.offsets[2 * (docStart + t) + k];
        const [first, last] = e.tokens.answer;
        assert.ok(offset(first, 0) <= e.answer.start && offset(last, 1) >= e.answer.end, `${e.id} answer tokens cover the answer`);
        e.tokens.cuts.forEach(([rs, re], k) => {
          assert.ok(offset(rs, 0) <= e.cuts[k].start && offset(re - 1, 1) >= e.cuts[k].end, `${e.id} cut tokens cover the cut text`);
          assert.ok(re <= first || last < rs, `${e.id} answer and cut tokens are apart`);
        });
        if (e.kind === 'doc2decl') {
          const [gold, ...others] = e.tokens.candidates;
          assert.strictEqual(gold[2], CANDIDATE_KIND.gold, `${e.id}: the gold chunk comes first`);
          assert.ok(gold[0] <= first && first <= gold[1], `${e.id}: the gold chunk holds the answer's start`);
          for (const [a, b, kind] of others) {
            assert.notStrictEqual(kind, CANDIDATE_KIND.gold);
            assert.ok(b < first || a > last, `${e.id}: a negative chunk [${a}, ${b}] misses the answer [${first}, ${last}]`);
          }
        }
        const lines = new LineIndex(doc.text).linesOfRange(e.answer.start, e.answer.end);
        assert.deepStrictEqual([e.answer.startLine, e.answer.endLine], [lines.startLine, lines.endLine]);
      });
      for (const d of docs[split]) {
        const [start, count] = shards.index[d.docId];
        assert.strictEqual(tokenizer.decode(shards.tokens.subarray(start, start + count)), d.text);
      }
    }
  });

  it('tokenizes with a given vocabulary and writes none (data for a model that exists)', () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-vocab-test-'));
    try {
      const vocabulary = path.join(out, 'vocab-v2.json');
      const second = runPipeline({ corpora: FIXTURE_CORPORA, out: again, minDocChars: 0, vocabulary, log: () => undefined });
      assert.ok(!fs.existsSync(path.join(again, 'vocab-v2.json')), 'no vocabulary written beside the data');
      assert.deepStrictEqual(second.vocabulary, report.vocabulary);
      for (const split of SPLITS) {
        for (const f of ['tokens.i32', 'examples.i32', 'lexical-ranks.i32']) {
          assert.ok(fs.readFileSync(path.join(again, split, f)).equals(fs.readFileSync(path.join(out, split, f))), `${split}/${f}`);
        }
      }
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });

  it('writes no path of this machine', () => {
    for (const split of SPLITS) {
      for (const f of ['docs.jsonl', 'examples.jsonl', 'docs.index.json']) {
        assert.ok(!fs.readFileSync(path.join(out, split, f), 'utf8').includes(FIXTURE_CORPORA), `${split}/${f}`);
      }
    }
    assert.ok(!fs.readFileSync(path.join(out, 'stats.json'), 'utf8').includes(os.tmpdir()));
  });
});
