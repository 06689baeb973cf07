// Right answers, not answer-shaped output: questions a developer would ask
// about fixture files in five languages (written for these tests), each with
// the line its answer must cover. Most share no identifier with that line.
// The lexical ranker needs no model; the hybrid ranker runs the shipped one.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openEngine } from '../../src/engine';
import { MAX_ANSWER_CHARS } from '../../src/engine/qaEngine';
import type { Engine } from '../../src/engine/qaEngine';
import type { Answer } from '../../src/engine/types';
import { chunkFile } from '../../src/engine/chunks';

const DIR = path.resolve(__dirname, '../../../test/fixtures/answers');
const SHIPPED = path.resolve(__dirname, '../../../models/treeformer-qa.onnx');

interface Case {
  file: string;
  question: string;
  /** Text of the line the answer must cover (or of one of a few lines that answer equally well). */
  line: string | string[];
  /** The answer must be first (1) or within the first five (5). */
  within: 1 | 5;
}

const CASES: Case[] = [
  { file: 'retry_policy.py', question: 'how long does it wait before trying again, and is there an upper limit on the pause?', line: 'delay = min(self.max_delay', within: 1 },
  { file: 'retry_policy.py', question: 'where is randomness added so clients do not come back at the same moment', line: 'delay = random.uniform(0, delay)', within: 1 },
  { file: 'retry_policy.py', question: 'read the server header that says how many seconds to wait', line: 'def parse_retry_after(', within: 1 },
  { file: 'retry_policy.py', question: 'limit retries across all calls during an outage', line: 'class Budget:', within: 5 },
  { file: 'ratelimit.go', question: 'what happens if a caller asks for more than the bucket can ever hold', line: ['var ErrBurstTooLarge', 'return ErrBurstTooLarge'], within: 5 },
  { file: 'ratelimit.go', question: 'stop waiting when the request context is cancelled', line: 'case <-ctx.Done():', within: 1 },
  { file: 'ratelimit.go', question: 'how are tokens earned back as time passes', line: 'b.tokens += elapsed * b.perSec', within: 1 },
  { file: 'ring.rs', question: 'what happens to the oldest element when pushing into a full buffer', line: ['let old = self.slots[self.head].replace(item);', 'pushing into a full ring drops the oldest one'], within: 1 },
  { file: 'ring.rs', question: 'iterate from oldest to newest', line: 'pub fn iter(&self)', within: 1 },
  { file: 'eventBus.ts', question: 'a listener that throws should not stop the other listeners', line: ['if (this.options.onListenerError) this.options.onListenerError(error, String(topic));', 'onListenerError?: (error: unknown, topic: string) => void;'], within: 1 },
  { file: 'eventBus.ts', question: 'which option hands late subscribers the last payload right away', line: 'replayLast?: boolean;', within: 5 },
  { file: 'eventBus.ts', question: 'get a promise for the next payload of a topic', line: 'once<K extends keyof Events>(topic: K)', within: 1 },
  { file: 'operations.md', question: 'how long are database snapshots kept', line: 'snapshots are kept for thirty days', within: 1 },
  { file: 'operations.md', question: 'error rates climb after a release: what now?', line: 'If error rates climb after a release', within: 1 },
];

function lineOf(file: string, text: string): number {
  const lines = fs.readFileSync(path.join(DIR, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${file} has no line with ${text}`);
  return i + 1;
}

const covers = (a: Answer, file: string, line: number) => a.file === path.join(DIR, file) && a.startLine <= line && line <= a.endLine;

function checkCases(engine: () => Engine, ranker: 'bm25' | 'hybrid'): void {
  for (const c of CASES) {
    it(`${c.file}: "${c.question}" → the line "${[c.line].flat().join('" or "')}" (top ${c.within})`, async () => {
      const lines = [c.line].flat().map((text) => lineOf(c.file, text));
      const result = await engine().ask({ question: c.question, paths: [path.join(DIR, c.file)], ranker, topK: 5 });
      const at = result.answers.findIndex((a) => lines.some((line) => covers(a, c.file, line)));
      const shown = result.answers.map((a) => `${a.startLine}-${a.endLine}`).join(', ');
      assert.ok(at >= 0 && at < c.within, `line ${lines.join(' or ')} is at ${at < 0 ? 'no rank' : `rank ${at + 1}`}; answers: ${shown}`);
      for (const a of result.answers) assert.ok(a.endLine - a.startLine + 1 <= 40, 'answers are at most 40 lines');
    });
  }
}

describe('answers (hand-made fixtures, five languages)', function () {
  this.timeout(120000);
  let engine: Engine;
  before(async () => {
    engine = await openEngine({ modelPath: SHIPPED, device: 'cpu' });
  });
  after(async () => engine?.dispose());

  describe('lexical ranker', () => checkCases(() => engine, 'bm25'));
  describe('hybrid ranker (the shipped model reads the candidates)', () => checkCases(() => engine, 'hybrid'));

  it('different questions about one file get different top answers', async () => {
    for (const file of new Set(CASES.map((c) => c.file))) {
      const questions = CASES.filter((c) => c.file === file);
      const tops = new Set<string>();
      for (const c of questions) {
        const [top] = (await engine.ask({ question: c.question, paths: [path.join(DIR, file)] })).answers;
        tops.add(`${top.startLine}-${top.endLine}`);
      }
      assert.ok(tops.size >= Math.min(questions.length, 2) && tops.size >= questions.length - 1, `${file}: ${tops.size} distinct tops for ${questions.length} questions`);
    }
  });

  it('over the whole folder, the right file and line come first', async () => {
    const result = await engine.ask({ question: 'stop waiting when the request context is cancelled', paths: [DIR] });
    assert.ok(covers(result.answers[0], 'ratelimit.go', lineOf('ratelimit.go', 'case <-ctx.Done():')), `top: ${result.answers[0].file}:${result.answers[0].startLine}`);
  });

  it('a multi-megabyte minified line is answered with clipped text, not the whole line', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-minified-'));
    try {
      const file = path.join(dir, 'bundle.min.js');
      fs.writeFileSync(file, `var a=1;${'function increment(x){return x+1};'.repeat(60_000)}`);
      const result = await engine.ask({ question: 'increment', paths: [file], ranker: 'bm25' });
      assert.deepStrictEqual(result.answers.map((a) => [a.startLine, a.endLine]), [[1, 1]]);
      assert.ok(result.answers[0].text.length <= MAX_ANSWER_CHARS + 1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers carry the header of the unit they sit in', async () => {
    const result = await engine.ask({ question: 'push an item and get back the one it displaced', paths: [path.join(DIR, 'ring.rs')], ranker: 'bm25' });
    assert.ok(covers(result.answers[0], 'ring.rs', lineOf('ring.rs', 'pub fn push(')));
    assert.strictEqual(result.answers[0].header, 'impl<T, const N: usize> Ring<T, N> {');
  });

  it('hover: a name resolves to its definition site with its doc comment, and an unknown name to nothing', async () => {
    const found = await engine.definitions({ name: 'delay_for', paths: [DIR] });
    assert.strictEqual(found.length, 1);
    assert.strictEqual(found[0].file, path.join(DIR, 'retry_policy.py'));
    assert.strictEqual(found[0].definitionLine, lineOf('retry_policy.py', 'def delay_for('));
    assert.ok(found[0].text.includes('Seconds to sleep before the given attempt'));
    assert.deepStrictEqual(await engine.definitions({ name: 'noSuchSymbolAnywhere', paths: [DIR] }), []);
    const tokens = await engine.definitions({ name: 'Bucket', paths: [DIR] });
    assert.strictEqual(tokens[0].definitionLine, lineOf('ratelimit.go', 'type Bucket struct'));
  });
});

describe('chunks', () => {
  it('follow the syntax: a function with its doc comment is one chunk, and no chunk exceeds 40 lines', async () => {
    for (const file of fs.readdirSync(DIR)) {
      const text = fs.readFileSync(path.join(DIR, file), 'utf8');
      const chunks = await chunkFile(file, text);
      assert.ok(chunks.length > 2, file);
      for (const c of chunks) assert.ok(c.endLine - c.startLine + 1 <= 40 && c.startLine >= 1 && c.startLine <= c.endLine, file);
      for (let i = 1; i < chunks.length; i++) assert.ok(chunks[i].startLine > chunks[i - 1].endLine, `${file}: chunks do not overlap`);
    }
    const go = fs.readFileSync(path.join(DIR, 'ratelimit.go'), 'utf8');
    const chunks = await chunkFile('ratelimit.go', go);
    const refill = chunks.find((c) => c.definitions.some((d) => d.name === 'refill'))!;
    assert.strictEqual(refill.startLine, lineOf('ratelimit.go', '// refill adds the tokens'));
  });

  it('fall back to plain chunks for text without a grammar: prose, CSV, one huge minified line', async () => {
    const csv = Array.from({ length: 300 }, (_, i) => `${i},name${i},${i * 3}`).join('\n');
    const csvChunks = await chunkFile('data.csv', csv);
    assert.ok(csvChunks.length >= 300 / 40 && csvChunks.every((c) => c.endLine - c.startLine < 40));
    const minified = `var a=1;${'function f(){return 1}'.repeat(50_000)}`;
    const minChunks = await chunkFile('bundle.min.js', minified);
    assert.deepStrictEqual(minChunks.map((c) => [c.startLine, c.endLine]), [[1, 1]]);
    assert.deepStrictEqual(await chunkFile('empty.py', ''), []);
  });
});
