// A stable 32-bit hash of a string: the same on every machine and Node version.
import { createHash } from 'crypto';

export function stableHash(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0);
}
