// Binary sniffing on a file's first bytes: a NUL byte, or too many bytes that
// are not valid UTF-8, means the file is not text the model can read.

export const SNIFF_BYTES = 8192;
/** Above this share of invalid UTF-8 bytes a file counts as binary (Latin-1 prose stays below it). */
export const MAX_INVALID_UTF8_RATIO = 0.1;

export interface BinaryVerdict {
  binary: boolean;
  detail?: string;
}

/**
 * `head` is the start of the file; `truncated` says more bytes follow, so a
 * multi-byte character cut at the end of `head` is not held against it.
 */
export function sniffBinary(head: Uint8Array, truncated: boolean): BinaryVerdict {
  const nul = head.indexOf(0);
  if (nul >= 0) return { binary: true, detail: `NUL byte at offset ${nul}` };
  const invalid = countInvalidUtf8(head, truncated);
  if (head.length > 0 && invalid / head.length > MAX_INVALID_UTF8_RATIO) {
    const percent = Math.round((100 * invalid) / head.length);
    return { binary: true, detail: `${percent}% of the first ${head.length} bytes are not valid UTF-8` };
  }
  return { binary: false };
}

/** Bytes that belong to no well-formed UTF-8 sequence (overlongs and surrogates included). */
export function countInvalidUtf8(bytes: Uint8Array, truncated: boolean): number {
  let invalid = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) {
      invalid++;
      i++;
      continue;
    }
    const [lo, hi] = secondByteRange(b);
    let ok = true;
    let k = 1;
    for (; k <= need; k++) {
      if (i + k >= bytes.length) break;
      const c = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c < min || c > max) {
        ok = false;
        break;
      }
    }
    if (ok && i + need >= bytes.length) {
      // Cut off by the end of the buffer: fine if the file goes on, else invalid.
      if (!truncated) invalid += bytes.length - i;
      break;
    }
    if (ok) {
      i += need + 1;
    } else {
      invalid += k;
      i += k;
    }
  }
  return invalid;
}

/** Allowed range of the byte after a lead byte (excludes overlongs, surrogates, > U+10FFFF). */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}
