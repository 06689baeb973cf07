// Tree routing as retrieval keys. Every (layer, head, leaf) the model routed a
// token to is one key, and so is the token's layer signature (its leaves in
// all heads of a layer together). A text span is summarised by the bag of its
// tokens' keys (sorted keys with counts), which is what the workspace index
// stores per window.
import type { TreeShape } from '../model/runner';

/** Key of leaf `leaf` in the tree of (layer, head). */
export function leafKey(shape: TreeShape, layer: number, head: number, leaf: number): number {
  return (layer * shape.heads + head) * shape.leaves + leaf;
}

/** Bags of several spans in one CSR block: span s owns entries offsets[s] .. offsets[s+1]. */
export interface LeafBags {
  offsets: Uint32Array;
  keys: Uint32Array;
  counts: Uint16Array;
}

/** Keys with this bit set are layer signatures; the others are (layer, head, leaf) keys. */
export const SIGNATURE_BIT = 0x80000000;

/**
 * The signature key of a token at one layer: the leaves it reached in every
 * head of that layer, hashed (FNV-1a) into the keys with SIGNATURE_BIT set.
 * Two tokens share it when all the layer's trees put them together, which is
 * far more selective than one shared leaf.
 */
export function signatureKey(layer: number, leavesOfHeads: ArrayLike<number>): number {
  let h = fnvMix(0x811c9dc5, layer);
  for (let i = 0; i < leavesOfHeads.length; i++) h = fnvMix(h, leavesOfHeads[i]);
  return ((h >>> 1) | SIGNATURE_BIT) >>> 0;
}

/** One FNV-1a round per byte of a 32-bit value. */
function fnvMix(hash: number, value: number): number {
  let h = hash;
  for (let shift = 0; shift < 32; shift += 8) h = Math.imul(h ^ ((value >>> shift) & 0xff), 0x01000193);
  return h;
}

/**
 * Bag of positions [from, to) of one run's leaf_ids ([layers, heads, n],
 * row-major): each token adds its (layer, head, leaf) keys and its layer
 * signatures. Padded positions (leaf −1) are left out.
 */
export function bagOfPositions(
  leaves: Int32Array,
  shape: TreeShape,
  n: number,
  from: number,
  to: number,
): { keys: Uint32Array; counts: Uint16Array } {
  const counts = new Map<number, number>();
  const add = (key: number) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const heads = new Int32Array(shape.heads);
  for (let layer = 0; layer < shape.layers; layer++) {
    for (let i = from; i < to; i++) {
      let padded = false;
      for (let head = 0; head < shape.heads; head++) {
        const leaf = leaves[(layer * shape.heads + head) * n + i];
        if (leaf < 0 || leaf >= shape.leaves) padded = true;
        heads[head] = leaf;
      }
      if (padded) continue;
      for (let head = 0; head < shape.heads; head++) add(leafKey(shape, layer, head, heads[head]));
      add(signatureKey(layer, heads));
    }
  }
  const keys = Uint32Array.from(counts.keys()).sort();
  return { keys, counts: Uint16Array.from(keys, (k) => counts.get(k) ?? 0) };
}

/** Packs per-span bags into one LeafBags block. */
export function packBags(bags: readonly { keys: Uint32Array; counts: Uint16Array }[]): LeafBags {
  const offsets = new Uint32Array(bags.length + 1);
  for (let s = 0; s < bags.length; s++) offsets[s + 1] = offsets[s] + bags[s].keys.length;
  const keys = new Uint32Array(offsets[bags.length]);
  const counts = new Uint16Array(offsets[bags.length]);
  bags.forEach((bag, s) => {
    keys.set(bag.keys, offsets[s]);
    counts.set(bag.counts, offsets[s]);
  });
  return { offsets, keys, counts };
}
