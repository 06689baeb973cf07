// Near-duplicate documents (the same file vendored twice, one version copied
// beside another): dropped before splitting so no copy can sit in two splits.
// Exact: same text up to whitespace. Near: files with the same name whose word
// 5-shingle sets have an estimated Jaccard similarity ≥ threshold (bottom-k sketches).
import { createHash } from 'crypto';

export interface DedupeDocument {
  docId: string;
  path: string;
  text: string;
}

export const NEAR_DUPLICATE_JACCARD = 0.85;
const SKETCH_SIZE = 128;
const SHINGLE_WORDS = 5;

function normalizedDigest(text: string): string {
  return createHash('sha1').update(text.replace(/\s+/g, ' ').trim()).digest('base64');
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The SKETCH_SIZE smallest distinct hashes of the text's word 5-shingles, ascending. */
export function shingleSketch(text: string): Uint32Array {
  const words = (text.match(/\w+/g) ?? []).map(fnv1a);
  const n = Math.max(1, words.length - SHINGLE_WORDS + 1);
  const hashes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = 0x9e3779b9;
    for (let j = i; j < Math.min(i + SHINGLE_WORDS, words.length); j++) h = Math.imul(h ^ words[j], 0x85ebca6b) ^ (h >>> 13);
    hashes[i] = h >>> 0;
  }
  hashes.sort();
  const sketch: number[] = [];
  for (let i = 0; i < hashes.length && sketch.length < SKETCH_SIZE; i++) if (i === 0 || hashes[i] !== hashes[i - 1]) sketch.push(hashes[i]);
  return Uint32Array.from(sketch);
}

/** Jaccard estimate: the share of the union's smallest hashes that both sketches hold. */
export function sketchSimilarity(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let both = 0;
  let taken = 0;
  while (taken < SKETCH_SIZE && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) i++;
    else if (i >= a.length || b[j] < a[i]) j++;
    else {
      both++;
      i++;
      j++;
    }
    taken++;
  }
  return taken === 0 ? 1 : both / taken;
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * The duplicates among `docs`, each mapped to the docId it duplicates. The
 * first document (in the given order) of a group of copies is the one kept.
 */
export function findDuplicates(docs: readonly DedupeDocument[], threshold = NEAR_DUPLICATE_JACCARD): Map<string, string> {
  if (new Set(docs.map((d) => d.docId)).size !== docs.length) throw new Error('findDuplicates needs distinct docIds');
  const duplicates = new Map<string, string>();
  const byDigest = new Map<string, string>();
  const byName = new Map<string, DedupeDocument[]>();
  for (const d of docs) {
    const digest = normalizedDigest(d.text);
    const first = byDigest.get(digest);
    if (first !== undefined) {
      duplicates.set(d.docId, first);
      continue;
    }
    byDigest.set(digest, d.docId);
    const name = baseName(d.path);
    let group = byName.get(name);
    if (!group) byName.set(name, (group = []));
    group.push(d);
  }
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const kept: { docId: string; sketch: Uint32Array }[] = [];
    for (const d of group) {
      const sketch = shingleSketch(d.text);
      const original = kept.find((k) => sketchSimilarity(k.sketch, sketch) >= threshold);
      if (original) duplicates.set(d.docId, original.docId);
      else kept.push({ docId: d.docId, sketch });
    }
  }
  return duplicates;
}
