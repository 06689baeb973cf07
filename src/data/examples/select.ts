// Picks at most `cap` items in a deterministic pseudo-random order (so a
// capped file contributes examples from all over it, not just its top).
import { stableHash } from '../hash';

export function selectSpread<T>(items: T[], cap: number, key: (item: T) => string): T[] {
  if (items.length <= cap) return items;
  const ranked = items.map((item, index) => ({ item, index, h: stableHash(key(item)) }));
  ranked.sort((a, b) => a.h - b.h || a.index - b.index);
  return ranked
    .slice(0, cap)
    .sort((a, b) => a.index - b.index)
    .map((r) => r.item);
}
