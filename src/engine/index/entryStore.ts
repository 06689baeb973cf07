// Index entries on disk, one file per content hash. Writes go to a temporary
// file that is renamed into place, so a crash leaves either the old entry, the
// new one, or a stray temporary file — never a half-written entry under the
// real name. A damaged entry fails its checksum, is deleted and rebuilt.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CorruptEntryError, decodeEntry, encodeEntry, IndexEntry } from './entryCodec';

const ENTRY_SUFFIX = '.tfix';
const TEMP_SUFFIX = '.tmp';
/** Temporary files older than this belong to a crashed writer. */
const STALE_TEMP_MS = 10 * 60 * 1000;

export class EntryStore {
  constructor(readonly dir: string) {}

  /** Creates the folder and removes temporary files a crashed writer left behind. */
  async open(): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const now = Date.now();
    for (const name of await fs.promises.readdir(this.dir)) {
      if (!name.endsWith(TEMP_SUFFIX)) continue;
      const file = path.join(this.dir, name);
      const stat = await fs.promises.stat(file).catch(() => undefined);
      if (stat && now - stat.mtimeMs > STALE_TEMP_MS) await fs.promises.rm(file, { force: true });
    }
  }

  /** The entry for `hash`, or undefined when absent or damaged (a damaged one is deleted). */
  async load(hash: string): Promise<IndexEntry | undefined> {
    const file = this.entryPath(hash);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(file);
    } catch {
      return undefined;
    }
    try {
      return decodeEntry(bytes, hash);
    } catch (err) {
      if (!(err instanceof CorruptEntryError)) throw err;
      await fs.promises.rm(file, { force: true });
      return undefined;
    }
  }

  async save(entry: IndexEntry): Promise<void> {
    const file = this.entryPath(entry.hash);
    const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
    const handle = await fs.promises.open(temp, 'w');
    try {
      await handle.writeFile(encodeEntry(entry));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.promises.rename(temp, file);
    } catch (err) {
      await fs.promises.rm(temp, { force: true });
      throw err;
    }
  }

  entryPath(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new RangeError(`not a SHA-256 hex digest: ${hash}`);
    return path.join(this.dir, `${hash}${ENTRY_SUFFIX}`);
  }
}
