// WTF-8: UTF-8 extended so that a lone surrogate (which a JS string may hold)
// is written as the 3-byte form of its code unit, e.g. U+D800 → ED A0 80.
// Well-formed text encodes exactly as UTF-8. Decoding reads that form back as
// the lone code unit, so every JS string survives encode → decode.

/** Writes the 3 WTF-8 bytes of a lone surrogate code unit (0xD800..0xDFFF). */
export function loneSurrogateBytes(codeUnit: number): [number, number, number] {
  return [0xe0 | (codeUnit >> 12), 0x80 | ((codeUnit >> 6) & 0x3f), 0x80 | (codeUnit & 0x3f)];
}

/**
 * Length of the valid sequence at bytes[i] (1..4), or −k where the k bytes at
 * i are a maximal invalid subpart (the WHATWG rule: one U+FFFD per subpart).
 * ED A0..BF is accepted (a surrogate), unlike strict UTF-8.
 */
function scanSequence(bytes: Uint8Array, i: number, end: number): number {
  const b0 = bytes[i];
  if (b0 < 0x80) return 1;
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    if (b0 === 0xe0) lo = 0xa0;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    if (b0 === 0xf0) lo = 0x90;
    if (b0 === 0xf4) hi = 0x8f;
  } else return -1;
  for (let k = 1; k <= need; k++) {
    if (i + k >= end) return -k;
    const b = bytes[i + k];
    if (b < lo || b > hi) return -k;
    lo = 0x80;
    hi = 0xbf;
  }
  return need + 1;
}

function codePointAt(bytes: Uint8Array, i: number, length: number): number {
  const b0 = bytes[i];
  switch (length) {
    case 1:
      return b0;
    case 2:
      return ((b0 & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
    case 3:
      return ((b0 & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
    default:
      return ((b0 & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
  }
}

const REPLACEMENT = 0xfffd;
const CHUNK = 8192;

/** Decodes WTF-8; each invalid subpart becomes U+FFFD. */
export function decodeWtf8(bytes: Uint8Array): string {
  const units = new Uint16Array(bytes.length); // never more units than bytes
  let n = 0;
  for (let i = 0; i < bytes.length; ) {
    const len = scanSequence(bytes, i, bytes.length);
    if (len < 0) {
      units[n++] = REPLACEMENT;
      i -= len;
      continue;
    }
    const cp = codePointAt(bytes, i, len);
    if (cp > 0xffff) {
      units[n++] = 0xd800 + ((cp - 0x10000) >> 10);
      units[n++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    } else units[n++] = cp;
    i += len;
  }
  const parts: string[] = [];
  for (let at = 0; at < n; at += CHUNK) parts.push(String.fromCharCode(...units.subarray(at, Math.min(at + CHUNK, n))));
  return parts.join('');
}

/**
 * Text for display: valid characters as themselves, every other byte
 * (incomplete or invalid sequence, surrogate) as <0xHH>.
 */
export function displayBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const len = scanSequence(bytes, i, bytes.length);
    const cp = len > 0 ? codePointAt(bytes, i, len) : -1;
    if (cp >= 0 && (cp < 0xd800 || cp > 0xdfff)) {
      out += String.fromCodePoint(cp);
      i += len;
    } else {
      const stop = i + Math.abs(len);
      for (; i < stop; i++) out += hexByte(bytes[i]);
    }
  }
  return out;
}

export function hexByte(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}
