// Split by package, never by example: a package's hash decides its split
// (~80/10/10), so every file and example of a package lands in the same one.
import { stableHash } from './hash';
import { Split } from './types';

export function splitOfPackage(pkg: string): Split {
  const bucket = stableHash(pkg) % 100;
  return bucket < 80 ? 'train' : bucket < 90 ? 'dev' : 'test';
}
