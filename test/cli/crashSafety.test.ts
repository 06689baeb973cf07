// Crash safety of the workspace index, through the real CLI: indexers killed
// with SIGKILL at random points, entries corrupted in many ways, and two
// indexers on one cache at once. After each, `ask --cache` must give exactly
// the answers of a run without a cache, and nothing may crash.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../../src/data/repoRoot';
import { CLI, treeformer } from '../support/cliRun';
import { writeQaTestModel, WrittenTestModel } from '../support/qaModel';
import { mulberry32 } from '../support/treeReference';

const SOURCE = path.join(repoRoot(), 'test', 'fixtures', 'answers');
const QUESTIONS = ['how long does it wait before a retry', 'where are tokens refilled', 'which event handlers run when a message is published'];
const KILL_TRIALS = 20;

/** The entry files of a cache folder (one model key folder below it). */
function entries(cache: string): string[] {
  if (!fs.existsSync(cache)) return [];
  return fs.readdirSync(cache).flatMap((key) => {
    const dir = path.join(cache, key);
    return fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).filter((n) => n.endsWith('.tfix')).map((n) => path.join(dir, n)) : [];
  });
}

/** Spawns `treeformer index` and kills it with SIGKILL after `ms` (or lets it finish). */
function indexKilledAfter(args: string[], ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'index', ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('index crash safety: kills, corruption and two indexers', function () {
  this.timeout(600000);
  let scratch: string;
  let model: WrittenTestModel;
  let corpus: string;
  let clean: string[];

  const answers = async (cache?: string): Promise<string[]> => {
    const out: string[] = [];
    for (const q of QUESTIONS) {
      const args = ['ask', corpus, '--question', q, '--model', model.modelPath, '--device', 'cpu', '--json', '--quiet', '--top', '3'];
      const run = await treeformer(cache ? [...args, '--cache', cache] : args);
      assert.strictEqual(run.code, 0, `ask exited ${run.code}: ${run.stderr}`);
      out.push(JSON.stringify(JSON.parse(run.stdout).answers));
    }
    return out;
  };
  const indexArgs = (cache: string) => [corpus, '--model', model.modelPath, '--device', 'cpu', '--quiet', '--cache', cache];

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-crash-'));
    model = writeQaTestModel(path.join(scratch, 'model'));
    // Enough files that a kill lands mid-way: the fixtures, each copied under a few names.
    corpus = path.join(scratch, 'corpus');
    fs.mkdirSync(corpus);
    for (const name of fs.readdirSync(SOURCE)) {
      const text = fs.readFileSync(path.join(SOURCE, name), 'utf8');
      for (let k = 0; k < 4; k++) fs.writeFileSync(path.join(corpus, `${k}-${name}`), `${text}\n// copy ${k}\n`);
    }
    clean = await answers();
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it(`${KILL_TRIALS} indexers killed at random points leave a cache that answers as a clean run`, async () => {
    const cache = path.join(scratch, 'killed');
    const rand = mulberry32(1);
    const codes: (number | null)[] = [];
    for (let trial = 0; trial < KILL_TRIALS; trial++) {
      if (trial % 5 === 0) fs.rmSync(cache, { recursive: true, force: true }); // kills early in a build, too
      codes.push(await indexKilledAfter(indexArgs(cache), 50 + Math.floor(rand() * 1500)));
    }
    assert.ok(codes.some((c) => c === null), 'at least one indexer was killed mid-way');
    assert.deepStrictEqual(await answers(cache), clean);
    const run = await treeformer(['index', ...indexArgs(cache)]);
    assert.strictEqual(run.code, 0, run.stderr);
  });

  it('entries corrupted in 10 ways are each dropped and rebuilt; answers equal a clean run', async () => {
    const cache = path.join(scratch, 'corrupted');
    assert.strictEqual((await treeformer(['index', ...indexArgs(cache)])).code, 0);
    const files = entries(cache).sort();
    assert.ok(files.length >= 10, `${files.length} entries`);
    const original = new Map(files.map((f) => [f, fs.readFileSync(f)]));
    const corruptions: [string, (file: string, bytes: Buffer) => void][] = [
      ['truncated to half', (f, b) => fs.writeFileSync(f, b.subarray(0, b.length >> 1))],
      ['emptied', (f) => fs.writeFileSync(f, '')],
      ['one byte flipped in the middle', (f, b) => fs.writeFileSync(f, Buffer.from(b.map((x, i) => (i === b.length >> 1 ? x ^ 0xff : x))))],
      ['last byte flipped', (f, b) => fs.writeFileSync(f, Buffer.from(b.map((x, i) => (i === b.length - 1 ? x ^ 1 : x))))],
      ['garbage appended', (f, b) => fs.writeFileSync(f, Buffer.concat([b, Buffer.from('garbage')]))],
      ['replaced by random bytes', (f, b) => fs.writeFileSync(f, Buffer.from(b.map((_, i) => (i * 7919) & 0xff)))],
      ['replaced by another entry', (f) => fs.writeFileSync(f, original.get(files.find((g) => g !== f)!)!)],
      ['replaced by a folder', (f) => (fs.rmSync(f), fs.mkdirSync(f))],
      ['the first 16 bytes zeroed', (f, b) => fs.writeFileSync(f, Buffer.concat([Buffer.alloc(16), b.subarray(16)]))],
      ['deleted', (f) => fs.rmSync(f)],
    ];
    corruptions.forEach(([, corrupt], i) => corrupt(files[i], original.get(files[i])!));
    assert.deepStrictEqual(await answers(cache), clean);
    for (const [i, [how]] of corruptions.entries()) {
      const f = files[i];
      assert.ok(fs.statSync(f).isFile(), `${how}: rebuilt as a file`);
      assert.ok(fs.readFileSync(f).equals(original.get(f)!), `${how}: rebuilt to the clean entry`);
    }
  });

  it('two indexers on one cache at once leave it consistent (entries are written whole and renamed into place)', async () => {
    const cache = path.join(scratch, 'shared');
    const runs = await Promise.all([treeformer(['index', ...indexArgs(cache)]), treeformer(['index', ...indexArgs(cache)])]);
    for (const run of runs) assert.strictEqual(run.code, 0, run.stderr);
    assert.ok(!fs.readdirSync(path.dirname(entries(cache)[0])).some((n) => n.endsWith('.tmp')), 'no temporary file left');
    assert.deepStrictEqual(await answers(cache), clean);
  });
});
