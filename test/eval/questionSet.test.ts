// The hand-written question set as committed, its loader's checks, and the
// scores the card reports from it (DESIGN §6), on hand-made cases.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertNotReserved } from '../../src/data/vocab';
import { loadQuestionSet, Question, sharesIdentifier } from '../../src/eval/questions/questionSet';
import { goldRank, headToHead, Outcome, report, shufflePartner } from '../../src/eval/questions/scoring';

const repoRoot = path.resolve(__dirname, '../../..');

describe('hand-written question set (models/questions)', () => {
  const set = loadQuestionSet(repoRoot);

  it('loads every question, each with a unique id and a pinned file', () => {
    assert.strictEqual(set.questions.length, 219);
    assert.strictEqual(new Set(set.questions.map((q) => q.id)).size, set.questions.length);
    const named = new Set(set.questions.map((q) => q.file));
    assert.deepStrictEqual([...named].sort(), Object.keys(set.files).sort(), 'every pinned file has questions, and only pinned files do');
  });

  it('splits by file: 159 dev questions, 60 test, every ecosystem in both halves', () => {
    const half = (q: Question) => set.files[q.file].split;
    assert.strictEqual(set.questions.filter((q) => half(q) === 'dev').length, 159);
    assert.strictEqual(set.questions.filter((q) => half(q) === 'test').length, 60);
    for (const prefix of ['deb/golang-', 'deb/rust-src/', 'site-packages/', 'npm/node_modules/']) {
      for (const h of ['dev', 'test']) {
        assert.ok(Object.entries(set.files).some(([f, s]) => f.startsWith(prefix) && s.split === h), `${prefix} in ${h}`);
      }
    }
  });

  it('takes no file from a corpus reserved for evaluation', () => {
    for (const file of Object.keys(set.files)) {
      assert.doesNotThrow(() => assertNotReserved(path.join(path.sep, 'corpora', file)), file);
    }
    // The check itself refuses the reserved corpora by name.
    assert.throws(() => assertNotReserved('/corpora/deb/lib/python3.11/json/decoder.py'), /reserved/);
    assert.throws(() => assertNotReserved('/corpora/npm/node_modules/@types/vscode/index.d.ts'), /reserved/);
  });

  it('refuses a gold range outside the pinned file, an unknown kind and an unpinned file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'questions-'));
    const qdir = path.join(dir, 'models', 'questions');
    fs.mkdirSync(qdir, { recursive: true });
    fs.writeFileSync(path.join(qdir, 'files.json'), JSON.stringify({ 'a.go': { sha256: 'x', split: 'dev', lines: 10 } }));
    const write = (qs: object[]) => {
      fs.writeFileSync(path.join(qdir, 'go.json'), JSON.stringify(qs));
      for (const f of ['rust.json', 'python.json', 'typescript.json']) fs.writeFileSync(path.join(qdir, f), '[]');
    };
    try {
      write([{ file: 'a.go', kind: 'locate', question: 'where?', gold: [[3, 10]] }]);
      assert.strictEqual(loadQuestionSet(dir).questions[0].id, 'go-1');
      write([{ file: 'a.go', kind: 'locate', question: 'where?', gold: [[3, 11]] }]);
      assert.throws(() => loadQuestionSet(dir), /gold \[3, 11\] outside 1\.\.10/);
      write([{ file: 'a.go', kind: 'guess', question: 'where?', gold: [[3, 4]] }]);
      assert.throws(() => loadQuestionSet(dir), /kind 'guess'/);
      write([{ file: 'b.go', kind: 'locate', question: 'where?', gold: [[3, 4]] }]);
      assert.throws(() => loadQuestionSet(dir), /b\.go is not in files\.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('question scoring', () => {
  const q = (id: string, gold: [number, number][], file = 'a.go', language: Question['language'] = 'go'): Question =>
    ({ id, file, kind: 'locate', language, question: id, gold });
  const span = (startLine: number, endLine: number, file = 'a.go') => ({ file, startLine, endLine });

  it('ranks the first answer of at most 60 lines in the same file that overlaps a gold range', () => {
    const question = q('q', [[100, 104], [300, 301]]);
    assert.strictEqual(goldRank(question, 'a.go', [span(1, 5), span(300, 300)]), 2);
    assert.strictEqual(goldRank(question, 'a.go', [span(60, 120), span(104, 110)]), 2, 'a 61-line answer is no hit');
    assert.strictEqual(goldRank(question, 'a.go', [span(100, 104, 'b.go')]), undefined, 'same lines, other file');
    assert.strictEqual(goldRank(question, 'a.go', [span(95, 99), span(105, 120)]), undefined, 'next to the gold is no hit');
    const deep = [...Array.from({ length: 10 }, (_, i) => span(i * 5 + 1, i * 5 + 2)), span(100, 100)];
    assert.strictEqual(goldRank(question, 'a.go', deep), undefined, 'only the first 10 answers count');
  });

  it('reports hit@1, hit@5, MRR, distinct top-1 and shuffle drop', () => {
    const outcome = (question: Question, rank: number | undefined, shuffledRank: number | undefined, top: number): Outcome =>
      ({ question, rank, shuffledRank, top1: span(top, top + 1, question.file), seconds: 1 });
    const r = report([
      outcome(q('a', [[1, 2]]), 1, 4, 1), // found first; worse under the other question
      outcome(q('b', [[9, 9]]), 3, 3, 1), // same top answer as a; not worse when shuffled
      outcome(q('c', [[5, 5]], 'b.go'), undefined, undefined, 7), // never found: not in the shuffle figure
    ]);
    assert.deepStrictEqual(r.overall, { questions: 3, hit1: 1 / 3, hit5: 2 / 3, mrr: (1 + 1 / 3) / 3 });
    assert.strictEqual(r.distinctTop1, (1 / 2 + 1) / 2); // a.go: one distinct top answer for two questions; b.go: 1 of 1
    assert.strictEqual(r.shuffleDrop, 1 / 2);
    assert.deepStrictEqual(r.byLanguage.go, r.overall);
    assert.strictEqual(r.byLanguage.rust.questions, 0);
    assert.strictEqual(shufflePartner(['x', 'y', 'z'], 2), 'x');
    assert.strictEqual(shufflePartner(['x'], 0), undefined);
  });

  it('splits the figures by language and counts the questions one ranker wins and loses against another', () => {
    const outcome = (question: Question, rank: number | undefined): Outcome => ({ question, rank, shuffledRank: undefined, seconds: 1 });
    const questions = [q('a', [[1, 2]]), q('b', [[1, 2]]), q('c', [[1, 2]], 'x.ts', 'typescript'), q('d', [[1, 2]], 'x.ts', 'typescript')];
    const model = [outcome(questions[0], 1), outcome(questions[1], undefined), outcome(questions[2], 4), outcome(questions[3], 2)];
    const bm25 = [outcome(questions[0], 2), outcome(questions[1], 3), outcome(questions[2], undefined), outcome(questions[3], 2)];
    assert.deepStrictEqual(headToHead(model, bm25), { better: 2, worse: 1 }, 'a and c better, b worse, d level');
    assert.deepStrictEqual(headToHead(bm25, model), { better: 1, worse: 2 });
    assert.deepStrictEqual(headToHead(model.slice(2), bm25.slice(0, 2)), { better: 0, worse: 0 }, 'only shared questions count');
    const r = report(model);
    assert.deepStrictEqual(r.byLanguage.go, { questions: 2, hit1: 1 / 2, hit5: 1 / 2, mrr: 1 / 2 });
    assert.deepStrictEqual(r.byLanguage.typescript, { questions: 2, hit1: 0, hit5: 1, mrr: (1 / 4 + 1 / 2) / 2 });
  });

  it('counts a shared identifier only from the code of the gold lines', () => {
    const gold = ['// flushBuffer writes the pending bytes', 'func flushBuffer(w *Writer) error {', '\treturn errors.New("short write")', '}'].join('\n');
    assert.ok(sharesIdentifier('Where is flushBuffer?', gold));
    assert.ok(sharesIdentifier('which Writer gets emptied?', gold), 'case-insensitive, whole identifiers');
    assert.ok(!sharesIdentifier('Where are the pending bytes written out?', gold), 'words of the comment do not count');
    assert.ok(!sharesIdentifier('what happens on a short write?', gold), 'words inside string literals do not count');
  });
});
