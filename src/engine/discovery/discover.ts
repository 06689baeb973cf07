// Finds the text files under the paths a user gave: folders are walked with
// their .gitignore rules and the default excludes; every file left out is
// reported with a reason.
import * as fs from 'fs';
import * as path from 'path';
import { EngineError, throwIfAborted } from '../errors';
import type { Progress, SkippedFile } from '../types';
import { sniffBinary, SNIFF_BYTES } from './binary';
import { compileGlob } from './glob';
import { checkIgnored, IgnoreFile, parseGitignore } from './gitignore';

/** Folder names never walked into (dependencies, VCS metadata, build output). */
export const DEFAULT_EXCLUDED_FOLDERS: readonly string[] = ['node_modules', '.git', 'out', 'dist', 'build'];
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface DiscoveryOptions {
  /** Globs relative to each folder given; when present a file must match one. */
  include?: string[];
  exclude?: string[];
  maxFileBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface FoundFile {
  /** Absolute path as reached (not resolved through symlinks). */
  path: string;
  bytes: number;
}

export interface Discovery {
  files: FoundFile[];
  skipped: SkippedFile[];
}

/** Every path must exist (else EngineError 'missing-path'); files are returned in a stable order. */
export async function discoverFiles(paths: readonly string[], options: DiscoveryOptions = {}): Promise<Discovery> {
  if (paths.length === 0) throw new EngineError('bad-request', 'no paths given');
  const walker = new Walker(options);
  for (const given of paths) {
    const absolute = path.resolve(given);
    const stat = await fs.promises.stat(absolute).catch(() => undefined);
    if (!stat) throw new EngineError('missing-path', `no such file or folder: ${given}`);
    if (stat.isDirectory()) await walker.walkRoot(absolute);
    else await walker.consider(absolute, stat, undefined);
  }
  return { files: walker.files, skipped: walker.skipped };
}

interface RootContext {
  /** The folder the user gave; include/exclude globs are relative to it. */
  folder: string;
  /** The git work tree containing it (or the folder itself); .gitignore bases are relative to it. */
  top: string;
  include: RegExp[];
  exclude: { glob: string; regex: RegExp }[];
}

class Walker {
  readonly files: FoundFile[] = [];
  readonly skipped: SkippedFile[] = [];
  private readonly seenFiles = new Set<string>();
  private readonly seenFolders = new Set<string>();
  private readonly maxBytes: number;

  constructor(private readonly options: DiscoveryOptions) {
    this.maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  async walkRoot(folder: string): Promise<void> {
    const top = findGitTop(folder) ?? folder;
    const context: RootContext = {
      folder,
      top,
      include: (this.options.include ?? []).map((g) => compileGlob(g, { braces: true })),
      exclude: (this.options.exclude ?? []).map((g) => ({ glob: g, regex: compileGlob(g, { braces: true }) })),
    };
    // .gitignore files between the work tree's top and the folder apply too.
    const inherited: IgnoreFile[] = [];
    for (let dir = top; dir !== folder; ) {
      const loaded = await loadIgnoreFile(dir, top);
      if (loaded) inherited.push(loaded);
      const next = path.relative(dir, folder).split(path.sep)[0];
      dir = path.join(dir, next);
    }
    await this.walk(folder, context, inherited);
  }

  private async walk(dir: string, context: RootContext, ignores: IgnoreFile[]): Promise<void> {
    throwIfAborted(this.options.signal);
    const real = await fs.promises.realpath(dir);
    if (this.seenFolders.has(real)) return;
    this.seenFolders.add(real);
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (err) {
      this.skip(dir, 'unreadable', (err as Error).message);
      return;
    }
    const own = await loadIgnoreFile(dir, context.top);
    const rules = own ? [...ignores, own] : ignores;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      let stat: fs.Stats;
      try {
        stat = await fs.promises.stat(full);
      } catch (err) {
        // A dangling symlink or a file removed while walking.
        this.skip(full, 'unreadable', (err as Error).message);
        continue;
      }
      const isDir = stat.isDirectory();
      if (!isDir && !stat.isFile()) continue; // sockets, FIFOs, devices: not documents
      if (isDir && DEFAULT_EXCLUDED_FOLDERS.includes(entry.name)) {
        this.skip(full, 'excluded', `folder excluded by default (${entry.name})`);
        continue;
      }
      const fromTop = toPosix(path.relative(context.top, full));
      const ignored = checkIgnored(fromTop, isDir, rules);
      if (ignored.ignored) {
        this.skip(full, 'excluded', `ignored by ${ignored.because}`);
        continue;
      }
      if (isDir) {
        await this.walk(full, context, rules);
      } else {
        await this.consider(full, stat, context);
      }
    }
  }

  /** A file: applies include/exclude (folder walks only), size, emptiness and binary checks. */
  async consider(file: string, stat: fs.Stats, context: RootContext | undefined): Promise<void> {
    if (context) {
      const fromFolder = toPosix(path.relative(context.folder, file));
      const excludedBy = context.exclude.find((e) => e.regex.test(fromFolder));
      if (excludedBy) return this.skip(file, 'excluded', `matches exclude pattern ${excludedBy.glob}`);
      if (context.include.length > 0 && !context.include.some((r) => r.test(fromFolder))) {
        return this.skip(file, 'excluded', 'matches no include pattern');
      }
    }
    const real = await fs.promises.realpath(file).catch(() => file);
    if (this.seenFiles.has(real)) return;
    this.seenFiles.add(real);
    if (stat.size === 0) return this.skip(file, 'empty');
    if (stat.size > this.maxBytes) {
      return this.skip(file, 'too-large', `${stat.size} bytes, limit ${this.maxBytes}`);
    }
    let head: Buffer;
    try {
      head = await readHead(file, SNIFF_BYTES);
    } catch (err) {
      return this.skip(file, 'unreadable', (err as Error).message);
    }
    const verdict = sniffBinary(head, stat.size > head.length);
    if (verdict.binary) return this.skip(file, 'binary', verdict.detail);
    this.files.push({ path: file, bytes: stat.size });
    this.options.onProgress?.({ phase: 'discover', done: this.files.length, total: this.files.length, file });
  }

  private skip(file: string, reason: SkippedFile['reason'], detail?: string): void {
    this.skipped.push(detail === undefined ? { file, reason } : { file, reason, detail });
  }
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function loadIgnoreFile(dir: string, top: string): Promise<IgnoreFile | undefined> {
  const source = path.join(dir, '.gitignore');
  let text: string;
  try {
    text = await fs.promises.readFile(source, 'utf8');
  } catch {
    return undefined;
  }
  return { base: toPosix(path.relative(top, dir)), source, rules: parseGitignore(text) };
}

/** The nearest folder at or above `folder` holding a `.git` entry. */
function findGitTop(folder: string): string | undefined {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}
