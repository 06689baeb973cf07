// The engine end to end on the tiny test model (test/support/qaModel.ts),
// whose answers are predictable: it scores document tokens that also occur in
// the question. A test of the trained model skips when it is absent.
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openEngine } from '../../src/engine';
import { EngineError, NothingToReadError } from '../../src/engine/errors';
import { LineIndex } from '../../src/engine/lines';
import { buildInput, questionSide } from '../../src/engine/model/inputs';
import { SessionRunner } from '../../src/engine/model/runner';
import { loadRuntime } from '../../src/engine/runtime';
import { MAX_CHUNK_LINES } from '../../src/engine/chunks';
import type { Progress } from '../../src/engine/types';
import { openQaTestEngine, TestEngine, testVocabulary, writeQaTestModel } from '../support/qaModel';
import { treeRouteModel } from '../support/onnxModel';
import { InferenceSession, Tensor } from 'onnxruntime-common';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/engine/harbour-log.txt');
/** The fixture line that holds the answer, and the question about it. */
const TARGET = { startLine: 122, endLine: 122 };
const QUESTION = 'When silver clock yellow garden ancient';
const SMALL_WINDOWS = { size: 64, stride: 48 };

describe('QA engine (test model)', () => {
  let t: TestEngine;
  let scratch: string;

  before(async () => {
    t = await openQaTestEngine({ windowShape: SMALL_WINDOWS });
  });
  after(async () => t.engine.dispose());
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-qa-'));
    t.runner.runs = 0;
    t.runner.beforeRun = undefined;
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('the fixture has the question words on the target lines only (precondition of the tests below)', () => {
    const text = fs.readFileSync(FIXTURE, 'utf8');
    const questionIds = new Set(t.tokenizer.encode(QUESTION).ids);
    const doc = t.tokenizer.encode(text);
    const lines = new LineIndex(text);
    const hitLines = new Set<number>();
    for (let i = 0; i < doc.ids.length; i++) if (questionIds.has(doc.ids[i])) hitLines.add(lines.lineOf(doc.starts[i]));
    assert.deepStrictEqual([...hitLines], [TARGET.startLine]);
  });

  it('answers with the chunk holding the target line; candidates well inside one window share its run', async () => {
    const result = await t.engine.ask({ question: QUESTION, paths: [FIXTURE] });
    const best = result.answers[0];
    assert.strictEqual(best.file, FIXTURE);
    assert.ok(best.startLine <= TARGET.startLine && TARGET.endLine <= best.endLine, `lines ${best.startLine}-${best.endLine} hold line ${TARGET.startLine}`);
    assert.ok(best.endLine - best.startLine + 1 <= MAX_CHUNK_LINES);
    const lines = fs.readFileSync(FIXTURE, 'utf8').split('\n');
    assert.strictEqual(best.text, lines.slice(best.startLine - 1, best.endLine).join('\n'));
    const tokens = t.tokenizer.encode(fs.readFileSync(FIXTURE, 'utf8')).ids.length;
    assert.strictEqual(result.stats.tokens, tokens);
    assert.ok(t.runner.runs >= 1 && t.runner.runs <= result.stats.windows, `${t.runner.runs} runs for ${result.stats.windows} candidates`);
    if (tokens <= 480) assert.strictEqual(t.runner.runs, 1, 'a file that fits one window is read once for all its candidates');
    assert.ok(result.stats.ms > 0);
  });

  it('bm25 runs no model at all; model and hybrid read the same candidates', async () => {
    const lexical = await t.engine.ask({ question: QUESTION, paths: [FIXTURE], ranker: 'bm25' });
    assert.strictEqual(t.runner.runs, 0);
    assert.ok(lexical.answers[0].startLine <= TARGET.startLine && TARGET.endLine <= lexical.answers[0].endLine);
    const pool = await t.engine.ask({ question: QUESTION, paths: [FIXTURE], ranker: 'bm25', topK: 8 });
    const model = await t.engine.ask({ question: QUESTION, paths: [FIXTURE], ranker: 'model' });
    assert.strictEqual(model.stats.windows, pool.answers.length, 'the model re-ranks the lexical candidates');
    const key = (a: { startLine: number }) => a.startLine;
    assert.ok(model.answers.every((a) => pool.answers.map(key).includes(key(a))));
  });

  it('a question that shares no word with the file gets no answer and a note, not a crash', async () => {
    for (const question of ['🙂🙂🙂', 'zzqx vvwq', '的的的']) {
      const result = await t.engine.ask({ question, paths: [FIXTURE] });
      assert.deepStrictEqual(result.answers, [], question);
      assert.ok(result.notes?.some((n) => /no chunk shares a word/.test(n)), question);
    }
  });

  it('clips a huge question and says so', async () => {
    const result = await t.engine.ask({ question: `${QUESTION} `.repeat(60_000), paths: [FIXTURE] });
    assert.ok(result.notes?.some((n) => /clipped/.test(n)));
    assert.ok(result.answers[0].startLine <= TARGET.startLine && TARGET.endLine <= result.answers[0].endLine);
  });

  it('ranks across files: the file holding the answer comes first, and answers are sorted', async () => {
    const text = fs.readFileSync(FIXTURE, 'utf8').split('\n');
    const filler = text.filter((_, i) => i + 1 !== TARGET.startLine);
    fs.writeFileSync(path.join(scratch, 'a-filler.txt'), filler.join('\n'));
    fs.copyFileSync(FIXTURE, path.join(scratch, 'b-log.txt'));
    fs.writeFileSync(path.join(scratch, 'c-filler.txt'), filler.slice(40).join('\n'));
    const result = await t.engine.ask({ question: `${QUESTION} harbour master`, paths: [scratch], topK: 4 });
    assert.strictEqual(result.answers.length, 4);
    assert.strictEqual(path.basename(result.answers[0].file), 'b-log.txt');
    assert.ok(result.answers[0].startLine <= TARGET.startLine && TARGET.endLine <= result.answers[0].endLine);
    for (let i = 1; i < result.answers.length; i++) assert.ok(result.answers[i - 1].score >= result.answers[i].score);
  });

  it('answers are chunks: no two share a line', async () => {
    const result = await t.engine.ask({ question: QUESTION, paths: [FIXTURE], topK: 20 });
    const covering = result.answers.filter((a) => a.startLine <= TARGET.endLine && a.endLine >= TARGET.startLine);
    assert.strictEqual(covering.length, 1);
    for (const a of result.answers) {
      assert.ok(a.endLine - a.startLine + 1 <= MAX_CHUNK_LINES);
      for (const b of result.answers) {
        if (a !== b && a.file === b.file) assert.ok(a.endLine < b.startLine || b.endLine < a.startLine, 'overlapping answers');
      }
    }
  });

  it('reports progress per phase, ending with every candidate read', async () => {
    const events: Progress[] = [];
    const result = await t.engine.ask({ question: QUESTION, paths: [FIXTURE], onProgress: (p) => events.push({ ...p }) });
    const phases = [...new Set(events.map((e) => e.phase))];
    assert.deepStrictEqual(phases, ['discover', 'tokenize', 'chunk', 'read']);
    const reads = events.filter((e) => e.phase === 'read');
    assert.deepStrictEqual(reads.map((e) => e.done), Array.from({ length: result.stats.windows }, (_, i) => i + 1));
    assert.ok(reads.every((e) => e.total === result.stats.windows && e.file === FIXTURE));
  });

  it('stops promptly when aborted mid-way: rejects, and runs no further window', async () => {
    const controller = new AbortController();
    t.runner.beforeRun = (run) => {
      if (run === 5) controller.abort();
    };
    const started = Date.now();
    await assert.rejects(t.engine.ask({ question: `${QUESTION} harbour master nets`, paths: [FIXTURE], signal: controller.signal }), { name: 'AbortError' });
    assert.strictEqual(t.runner.runs, 5, 'the window running when the abort came finishes; no other starts');
    assert.ok(Date.now() - started < 5000);
  });

  it('runs nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(t.engine.ask({ question: QUESTION, paths: [FIXTURE], signal: controller.signal }), { name: 'AbortError' });
    assert.strictEqual(t.runner.runs, 0);
  });

  it('keeps the attention trace of the best answer\'s read for the inspector', async () => {
    const result = await t.engine.ask({ question: QUESTION, paths: [FIXTURE], trace: true });
    const trace = result.trace!;
    assert.ok(trace);
    assert.deepStrictEqual([trace.layers, trace.heads, trace.leaves], [1, 4, 64]);
    assert.strictEqual(trace.questionTokens.map((q) => q.text).join(''), QUESTION);
    const text = fs.readFileSync(FIXTURE, 'utf8');
    assert.strictEqual(trace.window.file, FIXTURE);
    assert.strictEqual(trace.documentTokens.map((d) => d.text).join(''), text.slice(trace.window.charStart, trace.window.charEnd));
    const best = result.answers[0];
    assert.ok(trace.documentTokens.some((d) => d.line >= best.startLine && d.line <= best.endLine), 'the trace is of the window holding the best answer');
    const width = trace.questionTokens.length + trace.documentTokens.length;
    assert.strictEqual(trace.leafIds.length, 1);
    assert.strictEqual(trace.leafIds[0].length, 4);
    for (const head of trace.leafIds[0]) {
      assert.strictEqual(head.length, width);
      assert.ok(head.every((leaf) => Number.isInteger(leaf) && leaf >= 0 && leaf < 64));
    }
    // The test model routes by token id only: a question token and the same token in the document share a leaf.
    const clock = trace.questionTokens.findIndex((q) => q.text === ' clock');
    const inDoc = trace.documentTokens.findIndex((d) => d.text === ' clock');
    assert.ok(clock >= 0 && inDoc >= 0);
    for (const head of trace.leafIds[0]) assert.strictEqual(head[clock], head[trace.questionTokens.length + inDoc]);
  });

  it('refuses an empty question', async () => {
    await assert.rejects(t.engine.ask({ question: '   ', paths: [FIXTURE] }), (e: EngineError) => e.code === 'bad-request');
  });

  it('says why there is nothing to read: an empty file, a folder of binaries', async () => {
    const empty = path.join(scratch, 'empty.txt');
    fs.writeFileSync(empty, '');
    await assert.rejects(t.engine.ask({ question: QUESTION, paths: [empty] }), (e: NothingToReadError) => {
      assert.strictEqual(e.code, 'nothing-to-read');
      assert.deepStrictEqual(e.skipped, [{ file: empty, reason: 'empty' }]);
      assert.match(e.message, /empty\.txt is empty/);
      return true;
    });
    const bins = path.join(scratch, 'bins');
    fs.mkdirSync(bins);
    for (const name of ['a.bin', 'b.bin']) fs.writeFileSync(path.join(bins, name), Buffer.from([1, 2, 0, 3]));
    await assert.rejects(t.engine.ask({ question: QUESTION, paths: [bins] }), /all 2 files were skipped \(2 binary\)/);
    const bom = path.join(scratch, 'bom.txt');
    fs.writeFileSync(bom, '\ufeff');
    await assert.rejects(t.engine.ask({ question: QUESTION, paths: [bom] }), /bom\.txt is empty \(no text\)/);
    assert.strictEqual(t.runner.runs, 0);
  });

  it('lists skipped files beside the answers', async () => {
    fs.copyFileSync(FIXTURE, path.join(scratch, 'log.txt'));
    fs.writeFileSync(path.join(scratch, 'blob.bin'), Buffer.from([0, 0, 0]));
    const result = await t.engine.ask({ question: QUESTION, paths: [scratch] });
    assert.deepStrictEqual(result.skipped.map((s) => [path.basename(s.file), s.reason]), [['blob.bin', 'binary']]);
  });
});

describe('openEngine', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-open-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const rejectsWith = async (promise: Promise<unknown>, code: string, message: RegExp) =>
    assert.rejects(promise, (e: EngineError) => {
      assert.strictEqual(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    });

  it('opens a model with its card and vocabulary and answers', async () => {
    const m = writeQaTestModel(dir);
    const engine = await openEngine({ modelPath: m.modelPath, device: 'cpu' });
    try {
      assert.strictEqual(engine.device, 'cpu');
      const result = await engine.ask({ question: QUESTION, paths: [FIXTURE], topK: 1 });
      assert.strictEqual(result.answers.length, 1);
      assert.ok(result.answers[0].startLine <= TARGET.startLine && TARGET.endLine <= result.answers[0].endLine);
    } finally {
      await engine.dispose();
    }
  });

  it('a missing model', async () => {
    await rejectsWith(openEngine({ modelPath: path.join(dir, 'none.onnx') }), 'model-missing', /model not found/);
  });

  it('a corrupt model', async () => {
    const m = writeQaTestModel(dir);
    fs.writeFileSync(m.modelPath, 'this is not an ONNX model');
    await rejectsWith(openEngine({ modelPath: m.modelPath, device: 'cpu' }), 'model-invalid', /cannot open/);
  });

  it('a model without the QA inputs and outputs', async () => {
    const m = writeQaTestModel(dir);
    fs.writeFileSync(m.modelPath, treeRouteModel());
    await rejectsWith(openEngine({ modelPath: m.modelPath, device: 'cpu' }), 'model-invalid', /not a Treeformer QA model: missing input input_ids/);
  });

  it('a missing card, or a card without a field the engine needs', async () => {
    const m = writeQaTestModel(dir);
    const card = JSON.parse(fs.readFileSync(m.cardPath, 'utf8'));
    delete card.config.question_len;
    fs.writeFileSync(m.cardPath, JSON.stringify(card));
    await rejectsWith(openEngine({ modelPath: m.modelPath }), 'model-invalid', /needs config\.question_len as a positive integer/);
    fs.rmSync(m.cardPath);
    await rejectsWith(openEngine({ modelPath: m.modelPath }), 'model-invalid', /treeformer-qa\.json: not found/);
  });

  it('a card that describes another model: its sha256, or layers and heads the graph does not have', async () => {
    const m = writeQaTestModel(dir);
    const card = JSON.parse(fs.readFileSync(m.cardPath, 'utf8'));
    fs.writeFileSync(m.cardPath, JSON.stringify({ ...card, model_sha256: '0'.repeat(64) }));
    await rejectsWith(openEngine({ modelPath: m.modelPath, device: 'cpu' }), 'model-invalid', /describes another model.*model_sha256 differs/);
    const sha = createHash('sha256').update(fs.readFileSync(m.modelPath)).digest('hex');
    fs.writeFileSync(m.cardPath, JSON.stringify({ ...card, model_sha256: sha, config: { ...card.config, n_head: card.config.n_head + 1 } }));
    await rejectsWith(openEngine({ modelPath: m.modelPath, device: 'cpu' }), 'model-invalid', /leaf_ids is int64 \[\d+,\d+,\d+\], expected int64/);
    fs.writeFileSync(m.cardPath, JSON.stringify({ ...card, model_sha256: sha }));
    const engine = await openEngine({ modelPath: m.modelPath, device: 'cpu' });
    await engine.dispose();
  });

  it('logits that are not finite are a corrupt model, not an answer', async () => {
    const nan = new Float32Array([0, Number.NaN, 1]);
    const session = {
      inputNames: ['input_ids', 'segment_ids', 'attention_mask'],
      outputNames: ['start_logits', 'end_logits', 'leaf_ids'],
      run: async () => ({ start_logits: new Tensor('float32', nan, [1, 3]), end_logits: new Tensor('float32', nan, [1, 3]) }),
      release: async () => undefined,
    } as unknown as InferenceSession;
    const runner = new SessionRunner(session, { layers: 1, heads: 1, leaves: 2 }, 'the forged model');
    const input = buildInput(questionSide([5], 2), [6], 0, 1);
    await assert.rejects(runner.run(input, false), (e: EngineError) => e.code === 'model-invalid' && /the model is corrupt/.test(e.message));
  });

  it('a card that lists relevance_evidence for a model without it, or evidence of the wrong length', async () => {
    const names = { inputNames: ['input_ids', 'segment_ids', 'attention_mask'], release: async () => undefined };
    const shape = { layers: 1, heads: 1, leaves: 2 };
    const without = { ...names, outputNames: ['start_logits', 'end_logits', 'leaf_ids', 'relevance_logit'] } as unknown as InferenceSession;
    assert.throws(() => new SessionRunner(without, shape, 'the forged model', true, true), (e: EngineError) => e.code === 'model-invalid' && /missing output relevance_evidence/.test(e.message));
    const three = new Float32Array([0, 1, 2]);
    const short = {
      ...names,
      outputNames: ['start_logits', 'end_logits', 'leaf_ids', 'relevance_logit', 'relevance_evidence'],
      run: async () => ({
        start_logits: new Tensor('float32', three, [1, 3]),
        end_logits: new Tensor('float32', three, [1, 3]),
        relevance_logit: new Tensor('float32', new Float32Array([1]), [1]),
        relevance_evidence: new Tensor('float32', new Float32Array([0, 1]), [1, 2]),
      }),
    } as unknown as InferenceSession;
    const runner = new SessionRunner(short, shape, 'the forged model', true, true);
    const input = buildInput(questionSide([5], 2), [6], 0, 1);
    await assert.rejects(runner.run(input, false), (e: EngineError) => e.code === 'model-invalid' && /expected float32 \[1,3\]/.test(e.message));
  });

  it("device 'cuda' where ONNX Runtime has no CUDA provider", async function () {
    if (loadRuntime().cudaAvailable) this.skip();
    const m = writeQaTestModel(dir);
    await rejectsWith(openEngine({ modelPath: m.modelPath, device: 'cuda' }), 'device-unavailable', /CUDA execution provider is not installed/);
  });

  it('a missing vocabulary, or one of another version', async () => {
    const m = writeQaTestModel(dir);
    fs.writeFileSync(m.vocabPath, JSON.stringify(testVocabulary(16000, 'other-version')));
    await rejectsWith(openEngine({ modelPath: m.modelPath }), 'vocabulary-invalid', /version 'other-version'.*'test-v1'/);
    fs.rmSync(m.vocabPath);
    await rejectsWith(openEngine({ modelPath: m.modelPath }), 'vocabulary-missing', /vocabulary not found/);
  });
});
