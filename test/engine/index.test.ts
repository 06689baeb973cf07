// The workspace index: entry format and checksums, crash-safe store,
// incremental updates, corrupt entries rebuilt, and the tree-routed first stage.
import type { FusionWeights } from '../../src/engine/fusion';
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CorruptEntryError, decodeEntry, encodeEntry, ENTRY_FORMAT, IndexEntry } from '../../src/engine/index/entryCodec';
import { EntryStore } from '../../src/engine/index/entryStore';
import { bagOfPositions, leafKey, packBags, SIGNATURE_BIT, signatureKey } from '../../src/engine/index/leafBags';
import { LeafPostings } from '../../src/engine/index/stage1';
import { openQaTestEngine, TestEngine } from '../support/qaModel';

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/engine/harbour-log.txt');
const QUESTION = 'When silver clock yellow garden ancient';
const TARGET_LINE = 122;
const SMALL_WINDOWS = { size: 64, stride: 48 };
const HASH = 'ab'.repeat(32);

function sampleEntry(hash = HASH): IndexEntry {
  return {
    hash,
    tokens: { ids: Int32Array.from([5, 6, 7]), starts: Int32Array.from([0, 2, 3]), ends: Int32Array.from([2, 3, 7]) },
    bags: packBags([
      { keys: Uint32Array.from([1, 9]), counts: Uint16Array.from([2, 1]) },
      { keys: Uint32Array.from([4]), counts: Uint16Array.from([3]) },
    ]),
  };
}

describe('index entries', () => {
  it('round-trip through their binary form', () => {
    const entry = sampleEntry();
    assert.deepStrictEqual(decodeEntry(encodeEntry(entry), HASH), entry);
  });

  it('detect a flipped byte, a truncation and an entry written for other content', () => {
    const bytes = encodeEntry(sampleEntry());
    const flipped = Buffer.from(bytes);
    flipped[40] ^= 1;
    assert.throws(() => decodeEntry(flipped, HASH), CorruptEntryError);
    assert.throws(() => decodeEntry(bytes.subarray(0, bytes.length - 5), HASH), /checksum mismatch/);
    assert.throws(() => decodeEntry(bytes.subarray(0, 10), HASH), /too short/);
    assert.throws(() => decodeEntry(bytes, 'cd'.repeat(32)), /written for/);
  });

  it('refuse an entry of another format, checksum intact (format 2 held per-window priors after the bags)', () => {
    const bytes = encodeEntry(sampleEntry());
    const body = Buffer.from(bytes.subarray(0, bytes.length - 32));
    body.writeUInt32LE(ENTRY_FORMAT - 1, 4);
    const older = Buffer.concat([body, createHash('sha256').update(body).digest()]);
    assert.throws(() => decodeEntry(older, HASH), new RegExp(`format ${ENTRY_FORMAT - 1}, expected ${ENTRY_FORMAT}`));
  });

  it('reject a checksummed entry whose structure does not hold together', () => {
    // encodeEntry checks nothing, so it writes each forgery with a valid checksum.
    const forged = (change: (e: IndexEntry) => void) => {
      const entry = sampleEntry();
      change(entry);
      return encodeEntry(entry);
    };
    const cases: [string, (e: IndexEntry) => void, RegExp][] = [
      ['a middle offset past the end', (e) => (e.bags.offsets[1] = 9), /window 0 has entries 0\.\.9 of 3/],
      ['offsets going back', (e) => (e.bags.offsets = Uint32Array.from([0, 2, 1, 3])), /window 1 has entries 2\.\.1 of 3/],
      ['a first offset past 0', (e) => (e.bags.offsets[0] = 1), /window offsets run 1\.\.3, not 0\.\.3/],
      ['a last offset short of the entries', (e) => (e.bags.offsets[2] = 2), /window offsets run 0\.\.2, not 0\.\.3/],
      ['keys out of order in a window', (e) => (e.bags.keys = Uint32Array.from([9, 1, 4])), /window 0 has its keys out of order/],
      ['a repeated key in a window', (e) => (e.bags.keys = Uint32Array.from([1, 1, 4])), /keys out of order/],
      ['a negative token id', (e) => (e.tokens.ids[1] = -2), /token 1 has id -2/],
      ['a token ending before it starts', (e) => (e.tokens.starts[2] = 8), /token 2 spans 8\.\.7/],
      ['a token going back', (e) => (e.tokens.starts = Int32Array.from([0, 2, 1])), /token 2 goes back/],
    ];
    for (const [what, change, message] of cases) {
      assert.throws(() => decodeEntry(forged(change), HASH), (err: Error) => err instanceof CorruptEntryError && message.test(err.message), what);
    }
    // An empty file's entry (no tokens, one window with an empty bag) and no windows at all still decode.
    const empty: IndexEntry = {
      hash: HASH,
      tokens: { ids: new Int32Array(0), starts: new Int32Array(0), ends: new Int32Array(0) },
      bags: packBags([{ keys: new Uint32Array(0), counts: new Uint16Array(0) }]),
    };
    assert.deepStrictEqual(decodeEntry(encodeEntry(empty), HASH), empty);
    const none: IndexEntry = { ...empty, bags: packBags([]) };
    assert.deepStrictEqual(decodeEntry(encodeEntry(none), HASH), none);
  });
});

describe('leaf bags and postings', () => {
  const shape = { layers: 2, heads: 2, leaves: 4 };

  it('bag the (layer, head, leaf) keys and layer signatures of a range of positions, leaving out padding', () => {
    // leaf_ids [2 layers, 2 heads, 4 positions]; position 0 is outside the range, position 3 is padded (−1).
    const leaves = Int32Array.from([
      0, 1, 1, -1, /* layer 0 head 0 */ 3, 2, 2, -1, /* layer 0 head 1 */
      0, 0, 0, -1, /* layer 1 head 0 */ 1, 1, 2, -1, /* layer 1 head 1 */
    ]);
    const bag = bagOfPositions(leaves, shape, 4, 1, 4);
    const expected = new Map<number, number>([
      [leafKey(shape, 0, 0, 1), 2],
      [leafKey(shape, 0, 1, 2), 2],
      [leafKey(shape, 1, 0, 0), 2],
      [leafKey(shape, 1, 1, 1), 1],
      [leafKey(shape, 1, 1, 2), 1],
      [signatureKey(0, [1, 2]), 2],
      [signatureKey(1, [0, 1]), 1],
      [signatureKey(1, [0, 2]), 1],
    ]);
    assert.strictEqual(expected.size, 8, 'the signatures are distinct keys');
    assert.deepStrictEqual([...bag.keys], [...expected.keys()].sort((a, b) => a - b));
    assert.deepStrictEqual([...bag.counts], [...bag.keys].map((k) => expected.get(k)));
  });

  it('signature keys are apart from leaf keys and depend on the layer and every head', () => {
    const sig = signatureKey(0, [1, 2]);
    assert.ok(sig >= SIGNATURE_BIT && leafKey(shape, 1, 1, 3) < SIGNATURE_BIT);
    assert.notStrictEqual(sig, signatureKey(1, [1, 2]));
    assert.notStrictEqual(sig, signatureKey(0, [2, 1]));
  });

  it('rank windows by shared leaves, rare leaves counting more', () => {
    // Three windows of 4 tokens; key 0 is everywhere, key 5 only in window 2, key 6 in windows 0 and 1.
    const bags = packBags([
      { keys: Uint32Array.from([0, 6]), counts: Uint16Array.from([3, 1]) },
      { keys: Uint32Array.from([0, 6]), counts: Uint16Array.from([2, 2]) },
      { keys: Uint32Array.from([0, 5]), counts: Uint16Array.from([3, 1]) },
    ]);
    const postings = new LeafPostings([bags], Uint32Array.from([4, 4, 4]));
    const q = (keys: number[]) => ({ keys: Uint32Array.from(keys), counts: Uint16Array.from(keys.map(() => 1)) });
    const only5 = postings.score(q([5]));
    assert.ok(only5[2] > only5[0] && only5[2] > only5[1]);
    const only6 = postings.score(q([6]));
    assert.ok(only6[1] > only6[0], 'more of the shared leaf scores higher');
    const scores = postings.score(q([0, 5]));
    assert.ok(scores[2] > scores[0] && scores[0] > scores[1], 'the rare key outweighs the common one');
  });
});

describe('entry store', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-store-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('saves by rename and loads back; a damaged entry is deleted, not trusted', async () => {
    const store = new EntryStore(dir);
    await store.open();
    await store.save(sampleEntry());
    assert.deepStrictEqual(fs.readdirSync(dir), [`${HASH}.tfix`], 'no temporary file is left');
    assert.deepStrictEqual(await store.load(HASH), sampleEntry());
    fs.truncateSync(store.entryPath(HASH), 30);
    assert.strictEqual(await store.load(HASH), undefined);
    assert.ok(!fs.existsSync(store.entryPath(HASH)));
  });

  it('clears a folder found under an entry\'s name, on load and on save, so the entry is written again', async () => {
    const store = new EntryStore(dir);
    await store.open();
    fs.mkdirSync(path.join(store.entryPath(HASH), 'inside'), { recursive: true });
    assert.strictEqual(await store.load(HASH), undefined);
    assert.ok(!fs.existsSync(store.entryPath(HASH)), 'load removed the folder');
    await store.save(sampleEntry());
    assert.deepStrictEqual(await store.load(HASH), sampleEntry());
    // Replaced again behind the store's back, then saved without a load first.
    fs.rmSync(store.entryPath(HASH));
    fs.mkdirSync(path.join(store.entryPath(HASH), 'inside'), { recursive: true });
    await store.save(sampleEntry());
    assert.ok(fs.statSync(store.entryPath(HASH)).isFile());
    assert.deepStrictEqual(await store.load(HASH), sampleEntry());
    assert.deepStrictEqual(fs.readdirSync(dir), [`${HASH}.tfix`], 'no temporary file is left');
  });

  it('ignores a fresh temporary file and removes a stale one', async () => {
    const fresh = path.join(dir, `${HASH}.tfix.123-aaaa.tmp`);
    const stale = path.join(dir, `${HASH}.tfix.456-bbbb.tmp`);
    fs.writeFileSync(fresh, 'half an entry');
    fs.writeFileSync(stale, 'half an entry');
    const old = new Date(Date.now() - 60 * 60 * 1000);
    fs.utimesSync(stale, old, old);
    const store = new EntryStore(dir);
    await store.open();
    assert.ok(fs.existsSync(fresh) && !fs.existsSync(stale));
    assert.strictEqual(await store.load(HASH), undefined);
  });
});

describe('workspace index (test model)', () => {
  let work: string;
  let cache: string;
  const engines: TestEngine[] = [];
  /** A new engine (as a new process would have): nothing in memory, only the disk cache. */
  /** Routing only happens with a leaf weight, so by default these engines have one. */
  const ROUTED: FusionWeights = { lexical: 1, relevance: 0.05, span: 0.05, leaves: 0.5, candidates: 3 };
  const freshEngine = async (fusion: FusionWeights = ROUTED, cacheDir = cache) => {
    const t = await openQaTestEngine({ windowShape: SMALL_WINDOWS, cacheDir, fusion });
    engines.push(t);
    return t;
  };
  const windowsOf = (t: TestEngine, file: string) => {
    const tokens = t.tokenizer.encode(fs.readFileSync(file, 'utf8')).ids.length;
    return tokens <= SMALL_WINDOWS.size ? 1 : Math.ceil((tokens - SMALL_WINDOWS.size) / SMALL_WINDOWS.stride) + 1;
  };

  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-work-'));
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-cache-'));
    const lines = fs.readFileSync(FIXTURE, 'utf8').split('\n');
    fs.writeFileSync(path.join(work, 'a.txt'), lines.slice(0, 60).join('\n'));
    fs.writeFileSync(path.join(work, 'b.txt'), lines.slice(60, 110).join('\n'));
    fs.writeFileSync(path.join(work, 'c.txt'), lines.slice(130).join('\n'));
  });
  afterEach(async () => {
    for (const t of engines.splice(0)) await t.engine.dispose();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('runs each window once with an empty question and reuses unchanged files across processes', async () => {
    const first = await freshEngine();
    const all = ['a.txt', 'b.txt', 'c.txt'].reduce((n, f) => n + windowsOf(first, path.join(work, f)), 0);
    const built = await first.engine.buildIndex([work]);
    assert.deepStrictEqual({ files: built.files, windows: built.windows, reused: built.reused }, { files: 3, windows: all, reused: 0 });
    assert.strictEqual(first.runner.runs, all);
    const again = await freshEngine();
    const reused = await again.engine.buildIndex([work]);
    assert.deepStrictEqual({ reused: reused.reused, runs: again.runner.runs }, { reused: 3, runs: 0 });
  });

  it('updates incrementally: only the changed file is read again; a touch alone reads nothing', async () => {
    await (await freshEngine()).engine.buildIndex([work]);
    const t = await freshEngine();
    const b = path.join(work, 'b.txt');
    fs.appendFileSync(b, '\nThe ferry captain counted the gulls.\n');
    const stats = await t.engine.buildIndex([work]);
    assert.deepStrictEqual({ reused: stats.reused, runs: t.runner.runs }, { reused: 2, runs: windowsOf(t, b) });
    t.runner.runs = 0;
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(work, 'a.txt'), later, later);
    const touched = await t.engine.buildIndex([work]);
    assert.deepStrictEqual({ reused: touched.reused, runs: t.runner.runs }, { reused: 3, runs: 0 });
  });

  it('rebuilds a corrupt entry instead of trusting it, and ignores leftover temporary files', async () => {
    await (await freshEngine()).engine.buildIndex([work]);
    const [modelDir] = [cache];
    const entries = fs.readdirSync(modelDir).filter((n) => n.endsWith('.tfix')).map((n) => path.join(modelDir, n));
    assert.strictEqual(entries.length, 3);
    // Damage one entry in the middle; leave a crashed writer's temporary file beside another.
    const victim = entries[1];
    const bytes = fs.readFileSync(victim);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(victim, bytes);
    fs.writeFileSync(`${entries[0]}.999-dead.tmp`, bytes.subarray(0, 100));
    const t = await freshEngine();
    const stats = await t.engine.buildIndex([work]);
    assert.strictEqual(stats.reused, 2);
    assert.ok(t.runner.runs > 0 && t.runner.runs < stats.windows, 'only the damaged file was read again');
    const check = await freshEngine();
    assert.strictEqual((await check.engine.buildIndex([work])).reused, 3, 'the rebuilt entry is sound');
  });

  it('drops a checksummed entry whose window offsets do not hold together, rebuilds it and answers as a clean build does', async () => {
    const clean = await freshEngine();
    await clean.engine.buildIndex([work]);
    const expected = await clean.engine.ask({ question: QUESTION, paths: [work], ranker: 'bm25' });
    assert.ok(expected.answers.length > 0);
    // Forge the entry with the most windows: a middle offset past the end, under a valid checksum.
    const entries = fs.readdirSync(cache).filter((n) => n.endsWith('.tfix')).map((n) => path.join(cache, n));
    const decoded = entries.map((file) => ({ file, bytes: fs.readFileSync(file), entry: decodeEntry(fs.readFileSync(file), path.basename(file, '.tfix')) }));
    const windowsOf = (e: IndexEntry) => e.bags.offsets.length - 1;
    const victim = decoded.reduce((a, b) => (windowsOf(b.entry) > windowsOf(a.entry) ? b : a));
    const windows = windowsOf(victim.entry);
    assert.ok(windows >= 2, `the victim has ${windows} windows`);
    const forged = structuredClone(victim.entry);
    forged.bags.offsets[1] = forged.bags.keys.length + 7;
    fs.writeFileSync(victim.file, encodeEntry(forged));

    // Trusted, it broke the leaf postings with a TypeError on every later ask.
    const t = await freshEngine();
    const answers = await t.engine.ask({ question: QUESTION, paths: [work], ranker: 'bm25' });
    assert.deepStrictEqual(answers.answers, expected.answers, 'the same answers as the clean build');
    assert.strictEqual(t.runner.runs, windows + 1, "the victim's windows were read again, and the question routed once");
    assert.deepStrictEqual(fs.readFileSync(victim.file), victim.bytes, 'the rebuilt entry is the clean one');
    const check = await freshEngine();
    assert.strictEqual((await check.engine.buildIndex([work])).reused, 3, 'every entry is sound again');
  });

  it('the tree-leaf score joins the lexical stage only when the card weights it: one extra run routes the question', async () => {
    const base = { lexical: 1, relevance: 0.05, span: 0.05, candidates: 3 };
    const plain = await freshEngine({ ...base, leaves: 0 });
    await plain.engine.ask({ question: 'ferry captain nets', paths: [work], ranker: 'bm25' });
    assert.strictEqual(plain.runner.runs, 0, 'with no leaf weight the workspace is not routed');
    const built = await plain.engine.buildIndex([work]);
    assert.strictEqual(plain.runner.runs, 0);
    const again = await freshEngine({ ...base, leaves: 0 });
    assert.strictEqual((await again.engine.buildIndex([work])).reused, built.files, 'the unrouted entries are reused across processes');
    plain.runner.runs = 0;
    const withoutLeaves = await plain.engine.ask({ question: 'ferry captain nets', paths: [work], ranker: 'bm25' });
    assert.strictEqual(plain.runner.runs, 0, 'bm25 without leaves runs no model');
    // openEngine keys the cache by whether entries are routed; here the folders are apart by hand.
    const leafy = await freshEngine({ ...base, leaves: 0.5 }, path.join(cache, 'routed'));
    await leafy.engine.buildIndex([work]);
    leafy.runner.runs = 0;
    const withLeaves = await leafy.engine.ask({ question: 'ferry captain nets', paths: [work], ranker: 'bm25' });
    assert.strictEqual(leafy.runner.runs, 1, 'the question is routed once');
    assert.ok(withoutLeaves.answers.length > 0 && withLeaves.answers.length > 0);
    assert.notDeepStrictEqual(withLeaves.answers.map((a) => a.score), withoutLeaves.answers.map((a) => a.score), 'the leaf score moved the scores');
  });
});
