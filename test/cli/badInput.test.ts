// The README's bad-input table, row by row: each kind of bad input run
// through the CLI, with the exit code and message the table promises. A row
// missing from the README, or a README row this test does not run, fails.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../../src/data/repoRoot';
import { loadRuntime } from '../../src/engine/runtime';
import { Run, treeformer } from '../support/cliRun';
import { writeQaTestModel, WrittenTestModel } from '../support/qaModel';

const FIXTURE = path.join(repoRoot(), 'test', 'fixtures', 'engine', 'harbour-log.txt');
const QUESTION = 'When silver clock yellow garden ancient';

interface Row {
  /** The first cell of the README row. */
  input: string;
  exit: number;
  /** What stderr (or stdout for exit 0) must say. */
  says: RegExp;
  run: (ctx: { scratch: string; model: WrittenTestModel }) => Promise<Run>;
  skip?: () => boolean;
}

const ask = (model: WrittenTestModel, paths: string[], ...extra: string[]) =>
  treeformer(['ask', ...paths, '--question', QUESTION, '--model', model.modelPath, '--device', 'cpu', '--quiet', ...extra]);

const file = (dir: string, name: string, content: string | Buffer) => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), content);
  return path.join(dir, name);
};

const copyOfModel = (scratch: string, name: string, edit: (card: Record<string, unknown>, m: WrittenTestModel) => void) => {
  const m = writeQaTestModel(path.join(scratch, name));
  const card = JSON.parse(fs.readFileSync(m.cardPath, 'utf8'));
  edit(card, m);
  fs.writeFileSync(m.cardPath, JSON.stringify(card));
  return m;
};

export const ROWS: Row[] = [
  { input: 'no question', exit: 2, says: /ask needs --question/, run: () => treeformer(['ask', FIXTURE]) },
  { input: 'a flag out of range (`--top 0`)', exit: 2, says: /--top must be a positive integer/, run: () => treeformer(['ask', FIXTURE, '-q', 'x', '--top', '0']) },
  { input: 'a path that does not exist', exit: 3, says: /no such file or folder/, run: ({ scratch, model }) => ask(model, [path.join(scratch, 'nowhere.txt')]) },
  { input: 'an empty file', exit: 4, says: /nothing to read: .* is empty/, run: ({ scratch, model }) => ask(model, [file(scratch, 'empty.md', '')]) },
  {
    input: 'a binary file',
    exit: 4,
    says: /nothing to read: .*binary/,
    run: ({ scratch, model }) => ask(model, [file(path.join(scratch, 'bin'), 'a.o', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]))]),
  },
  {
    input: 'a file over 4 MiB',
    exit: 4,
    says: /nothing to read: .*too large/,
    run: ({ scratch, model }) => ask(model, [file(scratch, 'huge.txt', 'x'.repeat(4 * 1024 * 1024 + 1))]),
  },
  {
    input: 'a folder over the token cap',
    exit: 9,
    says: /over the cap of 1,000 tokens a question; narrow the scope/,
    run: ({ scratch, model }) => ask(model, [path.dirname(file(path.join(scratch, 'capped'), 'a.txt', 'word '.repeat(3000)))], '--max-tokens', '1000'),
  },
  { input: 'a missing model', exit: 5, says: /model not found/, run: ({ scratch }) => treeformer(['ask', FIXTURE, '-q', 'x', '--model', path.join(scratch, 'none.onnx')]) },
  {
    input: 'a corrupt model file',
    exit: 5,
    says: /cannot open/,
    run: ({ scratch }) => {
      const m = writeQaTestModel(path.join(scratch, 'corrupt'));
      fs.writeFileSync(m.modelPath, 'not protobuf');
      return ask(m, [FIXTURE]);
    },
  },
  {
    input: 'a card of another model (`model_sha256` differs)',
    exit: 5,
    says: /describes another model/,
    run: ({ scratch }) => ask(copyOfModel(scratch, 'stale', (card) => (card.model_sha256 = 'f'.repeat(64))), [FIXTURE]),
  },
  {
    input: 'a card whose `n_head` is not the graph\'s',
    exit: 5,
    says: /leaf_ids is int64 .* expected int64/,
    run: ({ scratch }) => ask(copyOfModel(scratch, 'heads', (card) => ((card.config as Record<string, number>).n_head += 1)), [FIXTURE]),
  },
  {
    input: 'a missing vocabulary',
    exit: 6,
    says: /vocabulary not found/,
    run: ({ scratch }) => ask(copyOfModel(scratch, 'novocab', (_card, m) => fs.rmSync(m.vocabPath)), [FIXTURE]),
  },
  {
    input: '`--device cuda` without CUDA',
    exit: 7,
    says: /CUDA execution provider is not installed/,
    skip: () => loadRuntime().cudaAvailable,
    run: ({ model }) => treeformer(['ask', FIXTURE, '-q', QUESTION, '--model', model.modelPath, '--device', 'cuda']),
  },
  {
    input: 'a cache folder that is a file',
    exit: 8,
    says: /cache folder unusable: .* is not a folder/,
    run: ({ scratch, model }) => ask(model, [FIXTURE], '--cache', file(scratch, 'cache-file', 'x')),
  },
  {
    input: 'a question no file shares a word with',
    exit: 0,
    says: /no answer found/,
    run: ({ model }) => treeformer(['ask', FIXTURE, '--question', '🦜🦜 ქართული', '--model', model.modelPath, '--device', 'cpu', '--quiet']),
  },
  {
    input: 'a question over 4,000 characters',
    exit: 0,
    says: /clipped to its first 4000 characters/,
    run: ({ model }) => treeformer(['ask', FIXTURE, '--question', `${QUESTION} `.repeat(200), '--model', model.modelPath, '--device', 'cpu', '--quiet', '--json']),
  },
];

describe('the README bad-input table, row by row', function () {
  this.timeout(120000);
  let scratch: string;
  let model: WrittenTestModel;
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-bad-input-'));
    model = writeQaTestModel(path.join(scratch, 'model'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const readme = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Bad input'), readme.indexOf('\n## ', readme.indexOf('## Bad input') + 1));
  const tableRows = section.split('\n').filter((l) => /^\| .* \| (\d+) \| .* \|$/.test(l) && !l.startsWith('| bad input'));

  for (const row of ROWS) {
    it(`${row.input}: exit ${row.exit}`, async function () {
      if (row.skip?.()) this.skip();
      const run = await row.run({ scratch, model });
      assert.strictEqual(run.code, row.exit, `exit ${run.code}: ${run.stderr}`);
      assert.match(row.exit === 0 ? run.stdout + run.stderr : run.stderr, row.says);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      const line = tableRows.find((l) => l.startsWith(`| ${row.input} |`));
      assert.ok(line, `README has a bad-input row for "${row.input}"`);
      assert.ok(line.includes(`| ${row.exit} |`), `README row "${row.input}" says exit ${row.exit}`);
    });
  }

  it('runs every row the README lists', () => {
    const inputs = new Set(ROWS.map((r) => r.input));
    for (const l of tableRows) assert.ok(inputs.has(l.split(' | ')[0].slice(2)), `README row not run by this test: ${l}`);
  });
});
