// Data v2: developer-style questions, intact documents or distractor cuts,
// and candidates of the same file; the Python documentation is reserved.
import * as assert from 'assert';
import { FileChunks } from '../../src/data/examples/candidates';
import { developerQuestion, MAX_QUESTION_WORDS, MIN_QUESTION_WORDS } from '../../src/data/examples/developerQuestion';
import { wordnetSynonyms } from '../../src/data/examples/wordnet';
import { docToDeclExamples, INTACT_SHARE } from '../../src/data/examples/docToDecl';
import { extractGoDeclarations } from '../../src/data/extract/goDocs';
import { DocRecord } from '../../src/data/types';
import { assertNotReserved } from '../../src/data/vocab';

const QUESTION_START = /^(?:where|how|what|which|why|find)\b/;

describe('data v2: developer questions', () => {
  it('turns a verb-led comment into a question without the declared name', () => {
    const asked = ['a', 'b', 'c', 'd', 'e', 'f'].map((seed) => developerQuestion('ParseURL parses rawURL into a URL structure.', 'ParseURL', seed)!);
    for (const a of asked) {
      assert.match(a.question, QUESTION_START, a.question);
      assert.ok(!a.question.includes('ParseURL'), a.question);
      assert.ok(/\bpars(?:e|es)\b/.test(a.question), `the verb is kept in some form: ${a.question}`);
    }
    assert.ok(new Set(asked.map((a) => a.question)).size >= 3, 'the wording varies with the seed');
    assert.deepStrictEqual(developerQuestion('ParseURL parses rawURL into a URL structure.', 'ParseURL', 'a'), asked[0], 'deterministic');
  });

  it('asks a config question from a parameter doc', () => {
    const doc = 'Open a pool.\n:param size: how many connections the pool keeps open at most';
    const kinds = new Set(['1', '2', '3', '4', '5', '6', '7', '8'].map((s) => developerQuestion(doc, 'Pool', s)?.kind));
    assert.ok(kinds.has('config'), [...kinds].join());
  });

  it('keeps questions within 5-30 words and refuses comments that say too little', () => {
    const long = `Returns ${'the value of a very long description '.repeat(10)}here.`;
    const q = developerQuestion(long, 'f', 's')!;
    const words = q.question.split(/\s+/).length;
    assert.ok(words >= MIN_QUESTION_WORDS && words <= MAX_QUESTION_WORDS, q.question);
    assert.strictEqual(developerQuestion('Deprecated.', 'f', 's'), undefined);
  });

  it('takes WordNet synonyms from the dominant sense of common words only', () => {
    // "match": the verb sense tagged most often; "lucifer" (a match) is tagged twice in all.
    const matches = wordnetSynonyms('matches');
    assert.ok(matches.includes('agree') && matches.includes('correspond'), matches.join());
    assert.ok(!matches.includes('lucifer'), matches.join());
    assert.deepStrictEqual(wordnetSynonyms('Remember'), wordnetSynonyms('remember'));
    assert.ok(wordnetSynonyms('remember').includes('recall'));
    assert.deepStrictEqual(wordnetSynonyms('xyzzy'), []);
  });

  it('rewords plain words with WordNet but never stopwords', () => {
    const doc = 'Remember the original pattern when the error matches the element.';
    const asked = Array.from({ length: 40 }, (_, i) => developerQuestion(doc, 'f', `s${i}`)!.question);
    const reworded = asked.filter((q) => /\b(?:recall|retrieve|think|form|shape|fault|mistake|agree|check|correspond|fit|component|factor)\b/.test(q));
    // ~6 swappable words at 25% each: most questions change, not all.
    assert.ok(reworded.length >= 10 && reworded.length < 40, `${reworded.length}/40 reworded`);
    for (const q of asked) assert.match(q, /\bthe\b.*\bwhen\b|\bwhen\b/, q);
  });
});

describe('data v2: documents and candidates', () => {
  // 60 documented functions, each with a different comment.
  const topics = ['cache', 'socket', 'parser', 'matrix', 'thread', 'buffer', 'cursor', 'token', 'logger', 'queue'];
  const text =
    'package p\n\n' +
    Array.from({ length: 60 }, (_, i) => {
      const t = topics[i % topics.length];
      return `// Fn${i} resets the ${t} number ${i} and reports how many ${t} entries were dropped.\nfunc Fn${i}() int {\n\treturn ${i}\n}\n`;
    }).join('\n');
  const doc: DocRecord = { docId: 'go:p/many.go', package: 'go:p', source: 'go', path: 'p/many.go', text };
  const decls = extractGoDeclarations(text);
  const examples = docToDeclExamples(doc, decls, 60);

  it('shows about half of the documents intact; the others lose the comment and 2-4 distractors', () => {
    assert.ok(examples.length >= 50, `${examples.length} examples`);
    const intact = examples.filter((e) => e.cuts.length === 0).length / examples.length;
    assert.ok(Math.abs(intact - INTACT_SHARE) < 0.2, `intact share ${intact}`);
    for (const e of examples.filter((x) => x.cuts.length > 0)) {
      const own = decls.find((d) => d.name === e.symbol)!.doc;
      assert.ok(e.cuts.some((c) => c.start === own.start && c.end === own.end), `${e.id}: its own comment is cut`);
      assert.ok(e.cuts.length >= 3 && e.cuts.length <= 5, `${e.id}: ${e.cuts.length - 1} distractor cuts`);
      e.cuts.forEach((c, k) => k > 0 && assert.ok(e.cuts[k - 1].end <= c.start, 'cuts sorted and disjoint'));
      assert.ok(e.cuts.every((c) => c.end <= e.answer.start || c.start >= e.answer.end), 'no cut touches the answer');
    }
  });

  it('gives the gold chunk, then lexical and random negatives that miss the answer', () => {
    const chunks = new FileChunks(text);
    const e = examples[7];
    const candidates = chunks.candidates(e.question, e.answer, e.cuts, e.id);
    assert.strictEqual(candidates[0].kind, 'gold');
    assert.ok(candidates[0].span.start <= e.answer.start && e.answer.start < candidates[0].span.end);
    const negatives = candidates.slice(1);
    assert.ok(negatives.some((c) => c.kind === 'lexical') && negatives.some((c) => c.kind === 'random'));
    for (const c of negatives) assert.ok(c.span.end <= e.answer.start || c.span.start >= e.answer.end, 'a negative misses the answer');
  });

  it('ranks the gold chunk as BM25 over the file does', () => {
    const chunks = new FileChunks(text);
    const start = text.indexOf('func Fn13(');
    const answer = { start, end: text.indexOf('}', start) + 1 };
    // Fn13's comment: "resets the matrix number 13"; matrix also names Fn3, Fn23, …
    assert.strictEqual(chunks.lexicalRank('which function resets matrix number 13?', answer), 0);
    const behind = chunks.lexicalRank('which function resets matrix number 23?', answer);
    assert.ok(behind >= 1 && behind < chunks.spans.length, `Fn23's chunk outranks it: rank ${behind}`);
    assert.strictEqual(chunks.lexicalRank('where is the webcam opened?', answer), chunks.spans.length, 'no shared word');
    assert.strictEqual(chunks.lexicalRank('which function resets matrix number 13?', { start: text.length + 5, end: text.length + 9 }), -1, 'no chunk holds it');
  });
});

describe('data v2: reserved corpora', () => {
  it('refuses the Python documentation but keeps its FAQ as a test-only source', () => {
    assert.throws(() => assertNotReserved('/x/deb/python3.11-doc/usr/share/doc/python3.11/html/_sources/library/os.rst.txt'), /reserved/);
    assert.throws(() => assertNotReserved('/x/deb/python3.11-doc/usr/share/doc/python3.11/html/_sources/tutorial'), /reserved/);
    assert.doesNotThrow(() => assertNotReserved('/x/deb/python3.11-doc/usr/share/doc/python3.11/html/_sources/faq/general.rst.txt'));
  });
});
