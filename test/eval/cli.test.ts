// `npm run eval` as a user runs it: the compiled CLI on the fixture split.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseEvalArgs, UsageError } from '../../src/eval/cliArgs';
import { EvalReport } from '../../src/eval/report';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'out/src/eval/cli.js');
const FIXTURES = path.join(REPO, 'test/fixtures/eval');
const FAKE_RANKER = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(FIXTURES, 'fakeRanker.js'))}`;

function runCli(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, '--data', path.join(FIXTURES, 'data'), ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('eval command line', () => {
  let out: string;
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-eval-cli-'));
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  it('evaluates BM25 with the model tokenizer and writes results.json and results.md', () => {
    const run = runCli(['--tokenizer', path.join(FIXTURES, 'bytes-vocab.json'), '--window-size', '256', '--window-stride', '192', '--out', out]);
    assert.strictEqual(run.status, 0, run.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as EvalReport;
    assert.strictEqual(report.ranker, 'bm25');
    assert.strictEqual(report.split, 'test');
    assert.strictEqual(report.overall.examples, 6);
    assert.ok(report.overall.hit5 >= 4 / 6, JSON.stringify(report.overall));
    const table = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    assert.strictEqual(run.stdout, table);
    assert.match(table, /\| all \| 6 \|/);
    assert.match(run.stderr, /eval: 6\/6 examples/);
  });

  it('evaluates any command following the CLI contract, with --limit', () => {
    const run = runCli(['--ranker-cmd', FAKE_RANKER, '--name', 'fake', '--limit', '3', '--out', out]);
    assert.strictEqual(run.status, 0, run.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as EvalReport;
    assert.strictEqual(report.ranker, 'fake');
    assert.deepStrictEqual(report.examples.map((e) => e.id), ['ts-1', 'go-1', 'faq-1']);
    // The fake answers lines 2-3 of the document, which is no gold span here.
    const files = ['geometry/shapes.ts', 'dial/dial.go', 'faq/general.rst'];
    assert.deepStrictEqual(
      report.examples.map((e) => e.top),
      files.map((file) => ({ file, startLine: 2, endLine: 3, score: 2.5 })),
    );
    assert.strictEqual(report.overall.hit5, 0);
  });

  it('--model with a missing model file names it and exits 1', () => {
    const run = runCli(['--model', path.join(out, 'model.onnx')]);
    assert.strictEqual(run.status, 1);
    assert.match(run.stderr, /model not found: .*model\.onnx/);
  });

  it('a missing vocabulary or split is a clear error', () => {
    let run = runCli(['--tokenizer', path.join(out, 'none.json')]);
    assert.strictEqual(run.status, 1);
    assert.match(run.stderr, /no vocabulary at .*none\.json: build the dataset \(npm run data\) or pass --tokenizer/);
    run = runCli(['--split', 'dev', '--ranker-cmd', FAKE_RANKER]);
    assert.strictEqual(run.status, 1);
    assert.match(run.stderr, /no examples at .*dev.examples\.jsonl: build the dataset first/);
  });

  it('usage errors exit with 2 and print the usage', () => {
    const run = runCli(['--ranker', 'tfidf']);
    assert.strictEqual(run.status, 2);
    assert.match(run.stderr, /unknown --ranker 'tfidf'/);
    assert.match(run.stderr, /usage: npm run eval/);
  });
});

describe('eval arguments', () => {
  const root = path.join(os.tmpdir(), 'repo');

  it('defaults to BM25 on the test split with the model windows and top 10', () => {
    const args = parseEvalArgs([], root);
    assert.deepStrictEqual(args, {
      split: 'test',
      ranker: { kind: 'bm25' },
      limit: undefined,
      topK: 10,
      dataDir: path.join(root, 'models', 'data'),
      outDir: undefined,
      tokenizerPath: path.join(root, 'models', 'tokenizer', 'vocab-v1.json'),
      window: { size: 512, stride: 384 },
      threads: 0,
    });
  });

  it('reads every option', () => {
    const args = parseEvalArgs(['--split', 'dev', '--ranker-cmd', 'treeformer', '--name', 'cli', '--limit', '50', '--top', '5', '--out', 'o'], root);
    assert.deepStrictEqual(args.ranker, { kind: 'command', command: 'treeformer', name: 'cli' });
    assert.deepStrictEqual([args.split, args.limit, args.topK, args.outDir], ['dev', 50, 5, path.resolve('o')]);
    const model = parseEvalArgs(['--model', 'm.onnx', '--threads', '1'], root);
    assert.deepStrictEqual([model.ranker, model.threads], [{ kind: 'model', modelPath: path.resolve('m.onnx') }, 1]);
  });

  it('rejects conflicting or malformed options', () => {
    const bad = [
      ['--ranker', 'bm25', '--model', 'm.onnx'],
      ['--limit', '0'],
      ['--top', 'ten'],
      ['--threads', '-1'],
      ['--window-size', '8', '--window-stride', '9'],
      ['--name', 'x'],
      ['--split', '../etc'],
      ['--unknown'],
    ];
    for (const argv of bad) assert.throws(() => parseEvalArgs(argv, root), UsageError, argv.join(' '));
  });
});
