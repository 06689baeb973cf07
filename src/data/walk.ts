// Lists the files of every source under a corpora folder. Every folder and
// file passes assertNotReserved first: the evaluation corpora (the Python
// standard library, @types/vscode) are never read, whatever a root points at.
import * as fs from 'fs';
import * as path from 'path';
import { isAlwaysSkippedDir, qualifiedPackage, SourceSpec, SOURCES } from './sources';
import { CorpusFile, SourceId } from './types';
import { assertNotReserved } from './vocab';

export interface WalkResult {
  files: CorpusFile[];
  /** What was refused as reserved for evaluation, as "<source>:<path inside its root>". */
  reserved: string[];
  /** Sources none of whose roots exist. */
  missing: SourceId[];
  /** Files skipped because an earlier root of their source has the same path (the first root wins). */
  shadowed: number;
}

/** Folders matching `pattern` ('/'-separated, '*' segments match any name) under `base`, sorted. */
export function resolveRoots(base: string, pattern: string): string[] {
  let found = [base];
  for (const segment of pattern.split('/')) {
    const next: string[] = [];
    for (const dir of found) {
      if (!segment.includes('*')) {
        next.push(path.join(dir, segment));
        continue;
      }
      const re = new RegExp(`^${segment.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      if (fs.existsSync(dir)) next.push(...fs.readdirSync(dir).sort().filter((n) => re.test(n)).map((n) => path.join(dir, n)));
    }
    found = next;
  }
  return found.filter((d) => fs.existsSync(d) && fs.statSync(d).isDirectory());
}

function isReserved(p: string): boolean {
  try {
    assertNotReserved(p);
    return false;
  } catch {
    return true;
  }
}

export function walkCorpora(corporaDir: string, sources: readonly SourceSpec[] = SOURCES): WalkResult {
  const result: WalkResult = { files: [], reserved: [], missing: [], shadowed: 0 };
  for (const spec of sources) {
    const roots = spec.roots.flatMap((r) => resolveRoots(corporaDir, r));
    if (roots.length === 0) result.missing.push(spec.id);
    // Paths are only unique within a root: a root reached twice (a link) is walked once,
    // and a path an earlier root already gave is skipped.
    const walkedRoots = new Set<string>();
    const seenPaths = new Set<string>();
    for (const root of roots) {
      const visit = (abs: string, rel: string): void => {
        if (isReserved(abs)) {
          result.reserved.push(`${spec.id}:${rel || '.'}`);
          return;
        }
        const st = fs.lstatSync(abs);
        const name = path.basename(rel);
        if (st.isDirectory()) {
          if (rel !== '' && (isAlwaysSkippedDir(name) || !spec.entersDir(name, rel))) return;
          for (const child of fs.readdirSync(abs).sort()) visit(path.join(abs, child), rel === '' ? child : `${rel}/${child}`);
        } else if (st.isFile() && spec.accepts(rel)) {
          if (seenPaths.has(rel)) {
            result.shadowed++;
            return;
          }
          seenPaths.add(rel);
          result.files.push({ source: spec.id, package: qualifiedPackage(spec, rel), path: rel, absPath: abs });
        }
      };
      // The root itself may be a link (site-packages); nothing below it is followed.
      const real = fs.realpathSync(root);
      if (isReserved(root)) result.reserved.push(`${spec.id}:.`);
      else if (!walkedRoots.has(real)) visit(real, '');
      walkedRoots.add(real);
    }
  }
  return result;
}
