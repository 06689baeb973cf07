// The engine's memory of files: text, tokens, windows and (once indexed) leaf
// bags, keyed by content hash. A file whose size, mtime and inode are
// unchanged is not read again; a file whose bytes are unchanged is not
// tokenized again; an indexed entry on disk is reused across processes.
import { createHash } from 'crypto';
import * as fs from 'fs';
import { Chunk, chunkFile } from './chunks';
import { throwIfAborted } from './errors';
import type { FoundFile } from './discovery/discover';
import type { LeafBags } from './index/leafBags';
import type { EntryStore } from './index/entryStore';
import { LineIndex } from './lines';
import type { Encoding } from './tokenizer';
import { searchTerms } from './search/terms';
import { TermBag, termBag } from './search/lexicalIndex';
import type { Progress } from './types';
import { splitIntoWindows, TokenWindow, WindowShape } from './windows';

export interface FileContent {
  hash: string;
  text: string;
  lines: LineIndex;
  tokens: { ids: Int32Array; starts: Int32Array; ends: Int32Array };
  windows: TokenWindow[];
  /** One leaf bag per window, once the file has been indexed. */
  bags?: LeafBags;
  /** The file's chunks and their search terms, once asked for (Corpus.chunksOf). */
  chunks?: ChunkSet;
}

/** A file's chunks with what the lexical stage and the reader need of each. */
export interface ChunkSet {
  chunks: Chunk[];
  terms: TermBag[];
  /** Tokens [tokenStarts[i], tokenEnds[i]) cover chunk i. */
  tokenStarts: Int32Array;
  tokenEnds: Int32Array;
}

/** A file of the current request: where it is and what it holds. */
export interface CorpusFile {
  path: string;
  content: FileContent;
}

interface StatKey {
  size: number;
  mtimeMs: number;
  ino: number;
  hash: string;
}

/** Tokens kept in memory across requests before old contents are dropped. */
const MEMORY_BUDGET_TOKENS = 8_000_000;

export class Corpus {
  private readonly byHash = new Map<string, FileContent>();
  private readonly byPath = new Map<string, StatKey>();
  private tokensHeld = 0;

  constructor(
    private readonly tokenizer: { encode(text: string): Promise<Encoding> },
    private readonly windowShape: WindowShape,
    private readonly store: EntryStore | undefined,
  ) {}

  /** Contents of the found files, in order. */
  async load(
    found: readonly FoundFile[],
    signal?: AbortSignal,
    onProgress?: (p: Progress) => void,
  ): Promise<CorpusFile[]> {
    const files: CorpusFile[] = [];
    for (const [i, f] of found.entries()) {
      throwIfAborted(signal);
      files.push({ path: f.path, content: await this.contentOf(f.path) });
      onProgress?.({ phase: 'tokenize', done: i + 1, total: found.length, file: f.path });
    }
    this.evict(new Set(files.map((f) => f.content.hash)));
    return files;
  }

  /** Records a file's freshly computed routing (and writes its entry when there is a store). */
  async saveRouting(content: FileContent, bags: LeafBags): Promise<void> {
    content.bags = bags;
    await this.store?.save({ hash: content.hash, tokens: content.tokens, bags });
  }

  /** The chunks of a loaded file, computed once per content. */
  async chunksOf(file: CorpusFile): Promise<ChunkSet> {
    const { content } = file;
    content.chunks ??= chunkSet(content, await chunkFile(file.path, content.text));
    return content.chunks;
  }

  private async contentOf(file: string): Promise<FileContent> {
    const stat = await fs.promises.stat(file);
    const known = this.byPath.get(file);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ino === stat.ino) {
      const held = this.touch(known.hash);
      if (held) return held;
    }
    const bytes = await fs.promises.readFile(file);
    const hash = createHash('sha256').update(bytes).digest('hex');
    this.byPath.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, hash });
    const held = this.touch(hash);
    if (held) return held;
    const text = new TextDecoder('utf-8').decode(bytes);
    const stored = await this.store?.load(hash);
    const tokens = stored?.tokens ?? (await this.tokenizer.encode(text));
    const content: FileContent = {
      hash,
      text,
      lines: new LineIndex(text),
      tokens,
      windows: splitIntoWindows(tokens, this.windowShape),
      bags: stored?.bags,
    };
    if (content.bags && content.bags.offsets.length !== content.windows.length + 1) {
      // Written with another window shape: the tokens stand, the routing does not.
      content.bags = undefined;
    }
    this.byHash.set(hash, content);
    this.tokensHeld += tokens.ids.length;
    return content;
  }

  /** Marks a content as recently used (Map order is the LRU order). */
  private touch(hash: string): FileContent | undefined {
    const content = this.byHash.get(hash);
    if (content) {
      this.byHash.delete(hash);
      this.byHash.set(hash, content);
    }
    return content;
  }

  private evict(inUse: Set<string>): void {
    for (const [hash, content] of this.byHash) {
      if (this.tokensHeld <= MEMORY_BUDGET_TOKENS) break;
      if (inUse.has(hash)) continue;
      this.byHash.delete(hash);
      this.tokensHeld -= content.tokens.ids.length;
    }
  }
}

function chunkSet(content: FileContent, chunks: Chunk[]): ChunkSet {
  const { lines, text, tokens } = content;
  const terms = chunks.map((c) => {
    const body = searchTerms(text.slice(lines.lineStart(c.startLine), lines.lineEnd(c.endLine)));
    const headers = searchTerms(c.headers.map((h) => lines.lineText(h)).join('\n'));
    const names = c.definitions.flatMap((d) => searchTerms(d.name));
    return termBag([
      { terms: body, weight: 1 },
      { terms: headers, weight: 2 },
      { terms: names, weight: 1 },
    ]);
  });
  const tokenStarts = Int32Array.from(chunks, (c) => firstTokenAtOrAfter(tokens.starts, lines.lineStart(c.startLine)));
  const tokenEnds = Int32Array.from(chunks, (c, i) => Math.max(tokenStarts[i], firstTokenAtOrAfter(tokens.starts, lines.afterLine(c.endLine))));
  return { chunks, terms, tokenStarts, tokenEnds };
}

/** Index of the first token starting at or after character `offset` (tokens.length when none). */
function firstTokenAtOrAfter(starts: Int32Array, offset: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
