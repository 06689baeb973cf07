// The index's cache folder when it cannot be used: every case is a
// CacheFolderError (code 'cache-unusable') naming the path at fault, never a
// raw fs error or a hang; what can be healed (missing parents, a cleared
// folder, a pipe under an entry's name) is. A folder under /proc is tested
// through the CLI (test/cli), in a child process that a hang cannot stall.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CacheFolderError } from '../../src/engine/errors';
import { IndexEntry } from '../../src/engine/index/entryCodec';
import { EntryStore } from '../../src/engine/index/entryStore';
import { packBags } from '../../src/engine/index/leafBags';

const HASH = 'cd'.repeat(32);

function entry(): IndexEntry {
  return {
    hash: HASH,
    tokens: { ids: Int32Array.from([5, 6]), starts: Int32Array.from([0, 2]), ends: Int32Array.from([2, 3]) },
    bags: packBags([{ keys: Uint32Array.from([1, 9]), counts: Uint16Array.from([2, 1]) }]),
  };
}

describe('index cache folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-cachedir-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const refused = async (store: EntryStore, message: RegExp) => {
    await assert.rejects(store.open(), (err: Error) => {
      assert.ok(err instanceof CacheFolderError, `${err.name}: ${err.message}`);
      assert.strictEqual(err.code, 'cache-unusable');
      assert.strictEqual(err.folder, store.dir);
      assert.match(err.message, /^cache folder unusable: /);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    });
  };

  it('creates missing parents one level at a time', async () => {
    const store = new EntryStore(path.join(dir, 'a', 'b', 'model-1'));
    await store.open();
    await store.save(entry());
    assert.deepStrictEqual(await store.load(HASH), entry());
    await new EntryStore(store.dir).open();
  });

  it('refuses a regular file as the folder, or as one of its parents', async () => {
    const file = path.join(dir, 'cache');
    fs.writeFileSync(file, 'not a folder');
    await refused(new EntryStore(file), new RegExp(`${escape(file)} is not a folder$`));
    await refused(new EntryStore(path.join(file, 'model-1')), new RegExp(`${escape(file)} is not a folder$`));
    await refused(new EntryStore(path.join(file, 'x', 'y', 'model-1')), new RegExp(`${escape(file)} is not a folder$`));
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'not a folder', 'the file is left alone');
  });

  it('refuses a dangling symbolic link, and follows one to a folder', async () => {
    const link = path.join(dir, 'cache');
    fs.symlinkSync(path.join(dir, 'gone'), link);
    await refused(new EntryStore(path.join(link, 'model-1')), new RegExp(`${escape(link)} is a symbolic link to a missing target$`));
    await refused(new EntryStore(link), /is a symbolic link to a missing target$/);
    assert.ok(!fs.existsSync(path.join(dir, 'gone')), 'nothing was created at the target');
    fs.mkdirSync(path.join(dir, 'gone'));
    const store = new EntryStore(path.join(link, 'model-1'));
    await store.open();
    await store.save(entry());
    assert.ok(fs.existsSync(path.join(dir, 'gone', 'model-1', `${HASH}.tfix`)));
  });

  it('makes the folder again when it was cleared while the store was open', async () => {
    const store = new EntryStore(path.join(dir, 'cache', 'model-1'));
    await store.open();
    fs.rmSync(path.join(dir, 'cache'), { recursive: true });
    await store.save(entry());
    assert.deepStrictEqual(await store.load(HASH), entry());
  });

  it('a write that fails for good is a CacheFolderError too', async () => {
    const store = new EntryStore(path.join(dir, 'model-1'));
    await store.open();
    // The folder becomes a file behind the store's back: it cannot be made again.
    fs.rmSync(store.dir, { recursive: true });
    fs.writeFileSync(store.dir, '');
    await assert.rejects(
      store.save(entry()),
      (err: Error) => err instanceof CacheFolderError && /^cache folder unusable: cannot write in .*model-1: a part of the path is not a folder$/.test(err.message),
    );
  });

  it('never reads a pipe found under an entry\'s name: it is removed and the entry written', async function () {
    if (process.platform === 'win32') this.skip();
    const store = new EntryStore(dir);
    await store.open();
    const fifo = store.entryPath(HASH);
    execFileSync('mkfifo', [fifo]);
    // A load that opened the pipe would wait for a writer forever (and keep node from exiting): be that writer after a while.
    let blocked = false;
    const rescue = setTimeout(() => (blocked = releaseReader(fifo)), 2000);
    try {
      assert.strictEqual(await store.load(HASH), undefined);
    } finally {
      clearTimeout(rescue);
    }
    assert.ok(!blocked, 'load waited on the pipe');
    assert.ok(!fs.existsSync(fifo), 'the pipe is gone');
    await store.save(entry());
    assert.deepStrictEqual(await store.load(HASH), entry());
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Lets a reader blocked opening the pipe go (it reads nothing); whether there was one. */
function releaseReader(fifo: string): boolean {
  try {
    if (!fs.lstatSync(fifo).isFIFO()) return false;
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
    return true;
  } catch {
    return false; // no reader (ENXIO) or no pipe
  }
}
