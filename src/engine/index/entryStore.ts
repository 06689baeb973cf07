// Index entries on disk, one file per content hash. Writes go to a temporary
// file that is renamed into place, so a crash leaves either the old entry, the
// new one, or a stray temporary file — never a half-written entry under the
// real name. A damaged entry fails its checksum, is deleted and rebuilt; so is
// anything else found under an entry's name (a folder, a pipe).
//
// A folder that cannot be used (under a file, a dangling symbolic link, a file
// system that refuses new folders, no permission, no space) is a
// CacheFolderError naming the path at fault. The folder is created one level
// at a time rather than with a recursive mkdir, which loops forever on procfs.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CacheFolderError } from '../errors';
import { CorruptEntryError, decodeEntry, encodeEntry, IndexEntry } from './entryCodec';

const ENTRY_SUFFIX = '.tfix';
const TEMP_SUFFIX = '.tmp';
/** Temporary files older than this belong to a crashed writer. */
const STALE_TEMP_MS = 10 * 60 * 1000;

export class EntryStore {
  constructor(readonly dir: string) {}

  /** Creates the folder and removes temporary files a crashed writer left behind. */
  async open(): Promise<void> {
    await this.makeFolder();
    let names: string[];
    try {
      await fs.promises.access(this.dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
      names = await fs.promises.readdir(this.dir);
    } catch (err) {
      throw this.unusable(`cannot use ${this.dir}: ${describe(err)}`);
    }
    const now = Date.now();
    for (const name of names) {
      if (!name.endsWith(TEMP_SUFFIX)) continue;
      const file = path.join(this.dir, name);
      const stat = await fs.promises.lstat(file).catch(() => undefined);
      if (stat && now - stat.mtimeMs > STALE_TEMP_MS) await removeQuietly(file);
    }
  }

  /** The entry for `hash`, or undefined when absent or damaged (a damaged one is deleted). */
  async load(hash: string): Promise<IndexEntry | undefined> {
    const file = this.entryPath(hash);
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (!stat) return undefined;
    if (!stat.isFile()) {
      // Never read it (a pipe would block); clear the name for the rebuilt entry.
      await removeQuietly(file);
      return undefined;
    }
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
      await removeQuietly(file);
      return undefined;
    }
  }

  /**
   * Writes the entry. Something that is not a file under the entry's name is
   * removed first; when it cannot be, the entry is not kept (the answer does
   * not depend on it) rather than failing every run.
   */
  async save(entry: IndexEntry): Promise<void> {
    const file = this.entryPath(entry.hash);
    const bytes = encodeEntry(entry);
    let temp: string;
    try {
      temp = await this.writeTemp(file, bytes);
    } catch (err) {
      if (code(err) !== 'ENOENT') throw this.unusable(`cannot write in ${this.dir}: ${describe(err)}`);
      // The folder went away while we ran (a cleared cache): make it again, once.
      await this.makeFolder();
      try {
        temp = await this.writeTemp(file, bytes);
      } catch (again) {
        throw this.unusable(`cannot write in ${this.dir}: ${describe(again)}`);
      }
    }
    try {
      await fs.promises.rename(temp, file);
      return;
    } catch (err) {
      const stat = await fs.promises.lstat(file).catch(() => undefined);
      if (!stat || stat.isFile() || stat.isSymbolicLink()) {
        await removeQuietly(temp);
        throw this.unusable(`cannot write ${file}: ${describe(err)}`);
      }
    }
    // A folder (or other non-file) holds the entry's name.
    await removeQuietly(file);
    try {
      await fs.promises.rename(temp, file);
    } catch {
      await removeQuietly(temp);
    }
  }

  entryPath(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new RangeError(`not a SHA-256 hex digest: ${hash}`);
    return path.join(this.dir, `${hash}${ENTRY_SUFFIX}`);
  }

  private async writeTemp(file: string, bytes: Buffer): Promise<string> {
    const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
    const handle = await fs.promises.open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await removeQuietly(temp);
      throw err;
    }
    await handle.close();
    return temp;
  }

  /**
   * Creates the folder and its missing parents, one level at a time: find the
   * nearest existing ancestor, check it is a folder, then create each level
   * below it once. Every step is bounded by the path's depth.
   */
  private async makeFolder(): Promise<void> {
    const dir = path.resolve(this.dir);
    const missing: string[] = [];
    for (let at = dir; ; ) {
      let stat: fs.Stats | undefined;
      try {
        stat = await fs.promises.stat(at);
      } catch (err) {
        const why = code(err);
        if (why !== 'ENOENT' && why !== 'ENOTDIR') throw this.unusable(`cannot use ${at}: ${describe(err)}`);
      }
      if (stat) {
        if (!stat.isDirectory()) throw this.unusable(`${at} is not a folder`);
        break;
      }
      const link = await fs.promises.lstat(at).catch(() => undefined);
      if (link?.isSymbolicLink()) throw this.unusable(`${at} is a symbolic link to a missing target`);
      const parent = path.dirname(at);
      if (parent === at) throw this.unusable(`${at} does not exist`);
      missing.push(at);
      at = parent;
    }
    for (const at of missing.reverse()) {
      try {
        await fs.promises.mkdir(at);
      } catch (err) {
        // Another process may have made it meanwhile; anything else is final.
        const made = code(err) === 'EEXIST' && (await fs.promises.stat(at).catch(() => undefined))?.isDirectory();
        if (made) continue;
        // The parent exists, so ENOENT means the file system refuses (procfs, sysfs).
        const reason = code(err) === 'ENOENT' ? 'the file system does not allow new folders there' : describe(err);
        throw this.unusable(`cannot create ${at}: ${reason}`);
      }
    }
  }

  private unusable(reason: string): CacheFolderError {
    return new CacheFolderError(this.dir, reason);
  }
}

async function removeQuietly(file: string): Promise<void> {
  await fs.promises.rm(file, { recursive: true, force: true }).catch(() => undefined);
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'something else is in the way',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  ENOENT: 'no such file or folder',
  EIO: 'input/output error',
};

/** An fs error in words, on one line. */
function describe(err: unknown): string {
  const c = code(err);
  if (c && REASONS[c]) return REASONS[c];
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0];
}
