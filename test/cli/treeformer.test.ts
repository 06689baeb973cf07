// `treeformer` end to end: the compiled CLI in a child process, on the tiny
// test model: the DESIGN §8 JSON, the readable list, the index command, every
// error's message and exit code, and Ctrl-C.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Run, treeformer } from '../support/cliRun';
import { writeQaTestModel, WrittenTestModel } from '../support/qaModel';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/engine/harbour-log.txt');
const QUESTION = 'When silver clock yellow garden ancient';

describe('treeformer CLI', function () {
  this.timeout(60000);
  let scratch: string;
  let model: WrittenTestModel;

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-cli-'));
    model = writeQaTestModel(path.join(scratch, 'model'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const ask = (paths: string[], ...extra: string[]) =>
    treeformer(['ask', ...paths, '--question', `${QUESTION} harbour master`, '--model', model.modelPath, '--device', 'cpu', ...extra]);

  it('--json prints exactly one DESIGN §8 object', async () => {
    const run = await ask([FIXTURE], '--top', '3', '--json');
    assert.strictEqual(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.deepStrictEqual(Object.keys(out), ['answers', 'stats']);
    assert.deepStrictEqual(Object.keys(out.stats), ['tokens', 'windows', 'ms']);
    assert.ok(Number.isInteger(out.stats.tokens) && out.stats.tokens > 0 && Number.isInteger(out.stats.ms));
    assert.strictEqual(out.answers.length, 3);
    for (const a of out.answers) {
      assert.deepStrictEqual(Object.keys(a), ['file', 'startLine', 'endLine', 'score', 'text']);
      assert.strictEqual(a.file, FIXTURE);
      assert.ok(Number.isInteger(a.startLine) && a.startLine >= 1 && a.endLine >= a.startLine);
      assert.strictEqual(typeof a.score, 'number');
    }
    assert.ok(out.answers[0].startLine <= 122 && 122 <= out.answers[0].endLine, 'the best answer holds line 122');
    assert.ok(out.answers[0].text.includes('In the yellow garden an ancient silver clock'));
    assert.strictEqual(run.stdout.trim().split('\n').length, 1, 'one line, one object');
  });

  it('prints a readable list without --json', async () => {
    const run = await ask([FIXTURE], '--top', '1');
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, /^1\. .*harbour-log\.txt:\d+-\d+ {2}\(score -?\d+\.\d{3}\)\n/);
    assert.match(run.stdout, /\n {3}122 \| In the yellow garden/);
    assert.match(run.stdout, /\d+ tokens, \d+ candidates ranked, \d+ ms/);
  });

  it('--help prints the usage and exits 0', async () => {
    const run = await treeformer(['--help']);
    assert.strictEqual(run.code, 0);
    assert.match(run.stdout, /^usage:\n {2}treeformer ask <path>\.\.\. --question/);
  });

  it('index builds the cache, then finds every file unchanged', async () => {
    const cache = path.join(scratch, 'cache');
    const args = ['index', path.dirname(FIXTURE), '--cache', cache, '--model', model.modelPath, '--device', 'cpu'];
    const first = await treeformer(args);
    assert.strictEqual(first.code, 0, first.stderr);
    assert.match(first.stdout, /indexed 1 files \(0 unchanged\)/);
    const second = await treeformer(args);
    assert.match(second.stdout, /indexed 1 files \(1 unchanged\)/);
    const staged = await ask([path.dirname(FIXTURE)], '--cache', cache, '--json');
    assert.strictEqual(staged.code, 0, staged.stderr);
    const best = JSON.parse(staged.stdout).answers[0];
    assert.ok(best.startLine <= 122 && 122 <= best.endLine);
  });

  it('heals index entries replaced by folders: the next ask succeeds with the same answers, and so does the one after', async () => {
    const cache = path.join(scratch, 'cache-healed');
    const askCached = () => ask([path.dirname(FIXTURE)], '--cache', cache, '--json', '--quiet');
    const first = await askCached();
    assert.strictEqual(first.code, 0, first.stderr);
    const [modelDir] = fs.readdirSync(cache).map((n) => path.join(cache, n));
    const entries = fs.readdirSync(modelDir).filter((n) => n.endsWith('.tfix'));
    assert.ok(entries.length > 0);
    for (const name of entries) {
      fs.rmSync(path.join(modelDir, name));
      fs.mkdirSync(path.join(modelDir, name, 'inside'), { recursive: true });
    }
    for (const attempt of ['healing', 'healed']) {
      const run = await askCached();
      assert.strictEqual(run.code, 0, `${attempt}: ${run.stderr}`);
      assert.deepStrictEqual(JSON.parse(run.stdout).answers, JSON.parse(first.stdout).answers, attempt);
    }
    for (const name of entries) assert.ok(fs.statSync(path.join(modelDir, name)).isFile(), `${name} is an entry again`);
  });

  describe('errors: a message on stderr and a non-zero exit', () => {
    const expectError = (run: Run, code: number, message: RegExp) => {
      assert.strictEqual(run.code, code, `exit ${run.code}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.strictEqual(run.stdout, '');
    };

    it('bad usage', async () => {
      expectError(await treeformer(['ask', FIXTURE]), 2, /ask needs --question/);
      expectError(await treeformer(['frobnicate', FIXTURE]), 2, /unknown command 'frobnicate'/);
      expectError(await treeformer(['ask', FIXTURE, '-q', 'x', '--top', '0']), 2, /--top must be a positive integer/);
      expectError(await treeformer(['ask', FIXTURE, '-q', 'x', '--device', 'tpu']), 2, /--device must be auto, cpu or cuda/);
    });

    it('a missing path', async () => {
      expectError(await ask([path.join(scratch, 'nowhere.txt')]), 3, /no such file or folder: .*nowhere\.txt/);
    });

    it('an empty file', async () => {
      const empty = path.join(scratch, 'empty.md');
      fs.writeFileSync(empty, '');
      expectError(await ask([empty]), 4, /nothing to read: .*empty\.md is empty/);
    });

    it('a folder with only binaries', async () => {
      const bins = path.join(scratch, 'bins');
      fs.mkdirSync(bins, { recursive: true });
      fs.writeFileSync(path.join(bins, 'a.o'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]));
      fs.writeFileSync(path.join(bins, 'b.png'), Buffer.from([0x89, 0x50, 0, 0]));
      expectError(await ask([bins]), 4, /nothing to read: all 2 files were skipped \(2 binary\)/);
    });

    it('a missing model, a corrupt model', async () => {
      expectError(
        await treeformer(['ask', FIXTURE, '-q', 'x', '--model', path.join(scratch, 'none.onnx')]),
        5,
        /model not found: .*none\.onnx/,
      );
      const broken = path.join(scratch, 'broken');
      const copy = writeQaTestModel(broken);
      fs.writeFileSync(copy.modelPath, Buffer.from('definitely not protobuf'));
      expectError(await treeformer(['ask', FIXTURE, '-q', 'x', '--model', copy.modelPath, '--device', 'cpu']), 5, /cannot open/);
    });

    describe('a cache folder that cannot be used: exit 8 and one line, never a hang or a stack trace', () => {
      const ASK_INDEX_TIMEOUT_MS = 30000;
      const both = (cache: string) => [
        treeformer(['ask', FIXTURE, '-q', QUESTION, '--model', model.modelPath, '--device', 'cpu', '--quiet', '--cache', cache], { killAfterMs: ASK_INDEX_TIMEOUT_MS }),
        treeformer(['index', FIXTURE, '--model', model.modelPath, '--device', 'cpu', '--quiet', '--cache', cache], { killAfterMs: ASK_INDEX_TIMEOUT_MS }),
      ];
      const expectUnusable = async (cache: string, message: RegExp) => {
        for (const run of await Promise.all(both(cache))) {
          assert.ok(!run.killed, `still running after ${ASK_INDEX_TIMEOUT_MS} ms: ${run.stderr}`);
          expectError(run, 8, message);
          assert.match(run.stderr, /^treeformer: cache folder unusable: [^\n]+\n$/, 'one line');
          assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
        }
      };

      it('under /proc (a recursive mkdir loops forever there)', async function () {
        if (process.platform !== 'linux' || !fs.existsSync('/proc/self')) this.skip();
        const started = Date.now();
        await expectUnusable(`/proc/treeformer-probe-${process.pid}/cache`, /cannot create \/proc\/treeformer-probe-\d+: the file system does not allow new folders there/);
        assert.ok(Date.now() - started < ASK_INDEX_TIMEOUT_MS);
      });

      it('a regular file', async () => {
        const file = path.join(scratch, 'cache-is-a-file');
        fs.writeFileSync(file, 'not a folder');
        await expectUnusable(file, /cache-is-a-file is not a folder/);
        assert.strictEqual(fs.readFileSync(file, 'utf8'), 'not a folder');
      });

      it('a dangling symbolic link', async () => {
        const link = path.join(scratch, 'cache-link');
        fs.symlinkSync(path.join(scratch, 'cache-link-target-gone'), link);
        await expectUnusable(link, /cache-link is a symbolic link to a missing target/);
      });
    });

    it('a scope over the token cap is refused before it is read, with what to do', async () => {
      const capped = path.join(scratch, 'capped');
      fs.mkdirSync(capped, { recursive: true });
      for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(capped, `part${i}.txt`), 'word '.repeat(2000));
      const run = await ask([capped], '--max-tokens', '1000');
      expectError(run, 9, /about 10,000 tokens in 3 files, over the cap of 1,000 tokens a question; narrow the scope/);
      assert.ok(!/^\s+at /m.test(run.stderr), 'no stack trace');
      expectError(await treeformer(['ask', capped, '-q', 'x', '--max-tokens', 'lots']), 2, /--max-tokens must be a positive integer/);
    });

    it('a missing vocabulary', async () => {
      const noVocab = path.join(scratch, 'novocab');
      const copy = writeQaTestModel(noVocab);
      fs.rmSync(copy.vocabPath);
      expectError(await treeformer(['ask', FIXTURE, '-q', 'x', '--model', copy.modelPath]), 6, /vocabulary not found/);
    });
  });

  it('Ctrl-C stops a long run cleanly with exit 130', async function () {
    // Work that lasts seconds even on an idle fast machine: progress starts after 0.7 s
    // (cli/progress.ts), so a shorter run would end before there is anything to interrupt.
    // Each copy is numbered, so the engine's cache of contents by hash cannot share one
    // tokenization among files; 16 of them (~25M tokens) take ~5 s here, past the default cap.
    const big = path.join(scratch, 'big');
    fs.mkdirSync(big);
    const text = fs.readFileSync(FIXTURE, 'utf8');
    for (let f = 0; f < 16; f++) {
      const copies = Array.from({ length: 300 }, (_, k) => `entry ${f}.${k}\n${text}`);
      fs.writeFileSync(path.join(big, `part-${f}.txt`), copies.join(''));
    }
    let sent = false;
    const started = Date.now();
    const run = await treeformer(['ask', big, '--question', QUESTION, '--model', model.modelPath, '--device', 'cpu', '--max-tokens', '50000000'], {
      onStderr: (text, child) => {
        // Progress shows the work has begun; interrupt it.
        if (!sent && /treeformer: \d+\/\d+ /.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.ok(sent, `no progress seen before the end: ${run.stderr}`);
    assert.strictEqual(run.code, 130, run.stderr);
    assert.match(run.stderr, /cancelled/);
    assert.strictEqual(run.stdout, '');
    assert.ok(Date.now() - started < 60000);
  });
});
