// Binary form of one file's index entry: its tokens and the leaf bags of its
// windows. The file ends with a SHA-256 of everything before it, so a
// truncated or damaged entry is detected and never trusted. (Format 2 also
// held a per-window answer prior that nothing read; format 3 dropped it.)
//
//   "TFIX" | u32 format | u32 header bytes | header JSON | pad to 4
//   | ids i32[t] | starts i32[t] | ends i32[t]
//   | offsets u32[w+1] | keys u32[e] | counts u16[e] | pad to 4 | sha256
import { createHash } from 'crypto';
import type { LeafBags } from './leafBags';

export const ENTRY_FORMAT = 3;
const MAGIC = 'TFIX';
const CHECKSUM_BYTES = 32;

export interface IndexEntry {
  /** SHA-256 (hex) of the file's bytes. */
  hash: string;
  tokens: { ids: Int32Array; starts: Int32Array; ends: Int32Array };
  /** One bag per window, in window order. */
  bags: LeafBags;
}

export class CorruptEntryError extends Error {
  constructor(what: string) {
    super(`corrupt index entry: ${what}`);
    this.name = 'CorruptEntryError';
  }
}

interface Header {
  hash: string;
  tokens: number;
  windows: number;
  entries: number;
}

export function encodeEntry(entry: IndexEntry): Buffer {
  const t = entry.tokens.ids.length;
  const w = entry.bags.offsets.length - 1;
  const e = entry.bags.keys.length;
  const header: Header = { hash: entry.hash, tokens: t, windows: w, entries: e };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const parts: Buffer[] = [Buffer.from(MAGIC, 'latin1'), u32(ENTRY_FORMAT), u32(headerBytes.length), headerBytes];
  parts.push(Buffer.alloc(pad4(12 + headerBytes.length)));
  for (const a of [entry.tokens.ids, entry.tokens.starts, entry.tokens.ends, entry.bags.offsets, entry.bags.keys]) {
    parts.push(bytesOf(a));
  }
  parts.push(bytesOf(entry.bags.counts), Buffer.alloc(pad4(e * 2)));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Decodes and verifies an entry; `expectedHash` must match the one it was written for. */
export function decodeEntry(buf: Buffer, expectedHash: string): IndexEntry {
  if (buf.length < 12 + CHECKSUM_BYTES) throw new CorruptEntryError(`${buf.length} bytes is too short`);
  const body = buf.subarray(0, buf.length - CHECKSUM_BYTES);
  const checksum = createHash('sha256').update(body).digest();
  if (!checksum.equals(buf.subarray(buf.length - CHECKSUM_BYTES))) throw new CorruptEntryError('checksum mismatch');
  if (buf.toString('latin1', 0, 4) !== MAGIC) throw new CorruptEntryError('bad magic');
  const format = buf.readUInt32LE(4);
  if (format !== ENTRY_FORMAT) throw new CorruptEntryError(`format ${format}, expected ${ENTRY_FORMAT}`);
  const headerLength = buf.readUInt32LE(8);
  if (12 + headerLength > body.length) throw new CorruptEntryError(`header of ${headerLength} bytes overruns the entry`);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as Header;
  } catch {
    throw new CorruptEntryError('unreadable header');
  }
  if (typeof header !== 'object' || header === null) throw new CorruptEntryError('header is not an object');
  if (header.hash !== expectedHash) throw new CorruptEntryError(`written for ${header.hash}, expected ${expectedHash}`);
  const { tokens: t, windows: w, entries: e } = header;
  let at = 12 + headerLength + pad4(12 + headerLength);
  const expected = at + 4 * (3 * t + w + 1 + e) + 2 * e + pad4(2 * e) + CHECKSUM_BYTES;
  if (![t, w, e].every((n) => Number.isInteger(n) && n >= 0) || expected !== buf.length) {
    throw new CorruptEntryError(`length ${buf.length} does not match its header (${expected})`);
  }
  const take = <T>(make: (b: ArrayBuffer) => T, bytes: number): T => {
    // Copy out: the file buffer's offset need not be aligned for typed arrays.
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(at, at + bytes));
    at += bytes;
    return make(copy.buffer);
  };
  const ids = take((b) => new Int32Array(b), 4 * t);
  const starts = take((b) => new Int32Array(b), 4 * t);
  const ends = take((b) => new Int32Array(b), 4 * t);
  const offsets = take((b) => new Uint32Array(b), 4 * (w + 1));
  const keys = take((b) => new Uint32Array(b), 4 * e);
  const counts = take((b) => new Uint16Array(b), 2 * e);
  checkTokens(ids, starts, ends);
  checkBags(offsets, keys, e);
  return { hash: header.hash, tokens: { ids, starts, ends }, bags: { offsets, keys, counts } };
}

/**
 * The checksum only proves the bytes are the ones written; these checks prove
 * they make an entry the engine can use, so that a bad writer's entry is
 * dropped and rebuilt like a damaged one instead of failing every later run.
 * Tokens tile the text in order (tokenizer/index.ts): ids are not negative,
 * every token has start ≤ end, and starts and ends never go back.
 */
function checkTokens(ids: Int32Array, starts: Int32Array, ends: Int32Array): void {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0) throw new CorruptEntryError(`token ${i} has id ${ids[i]}`);
    if (starts[i] < 0 || starts[i] > ends[i]) throw new CorruptEntryError(`token ${i} spans ${starts[i]}..${ends[i]}`);
    if (i > 0 && (starts[i] < starts[i - 1] || ends[i] < ends[i - 1])) throw new CorruptEntryError(`token ${i} goes back before token ${i - 1}`);
  }
}

/**
 * Window offsets start at 0, never decrease and end at the entry count; each
 * window's keys are strictly increasing (a bag is sorted keys, each once).
 */
function checkBags(offsets: Uint32Array, keys: Uint32Array, entries: number): void {
  const w = offsets.length - 1;
  if (offsets[0] !== 0 || offsets[w] !== entries) {
    throw new CorruptEntryError(`window offsets run ${offsets[0]}..${offsets[w]}, not 0..${entries}`);
  }
  for (let s = 0; s < w; s++) {
    const from = offsets[s];
    const to = offsets[s + 1];
    if (to < from || to > entries) throw new CorruptEntryError(`window ${s} has entries ${from}..${to} of ${entries}`);
    for (let k = from + 1; k < to; k++) {
      if (keys[k] <= keys[k - 1]) throw new CorruptEntryError(`window ${s} has its keys out of order`);
    }
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function bytesOf(a: Int32Array | Uint32Array | Uint16Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
