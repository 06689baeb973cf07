// The corpora the pipeline reads: where each lives under the corpora folder,
// which files it takes, and which package (the unit of the split) a file is in.
import { SourceId, Split } from './types';

export interface SourceSpec {
  id: SourceId;
  /** Roots relative to the corpora folder, '/'-separated; a '*' segment matches any one name. */
  roots: string[];
  /** Whether to walk into folder `name` (at `rel`, relative to the root). */
  entersDir(name: string, rel: string): boolean;
  accepts(rel: string): boolean;
  /** Package of the file at `rel`, without the source prefix. */
  packageOf(rel: string): string;
  /** All of this source goes to one split (the FAQ is test data only). */
  forcedSplit?: Split;
}

const PACKAGE_PREFIX: Record<SourceId, string> = {
  'npm-dts': 'npm',
  python: 'py',
  go: 'go',
  rust: 'rust',
  'python-faq': 'doc',
};

/** The split unit, e.g. "go:net/http", "py:scipy.sparse", "npm:@types/node". */
export function qualifiedPackage(spec: SourceSpec, rel: string): string {
  return `${PACKAGE_PREFIX[spec.id]}:${spec.packageOf(rel)}`;
}

const ALWAYS_SKIPPED_DIRS = new Set(['.git', '__pycache__', 'node_modules', 'testdata', 'tests', 'test', 'benches']);

/**
 * Python folders that copy or backport standard-library modules: near copies
 * of the reserved evaluation corpus, so they are left out.
 */
const STDLIB_COPIES = /^(?:setuptools\/_distutils|_distutils_hack|setuptools\/_vendor|pkg_resources\/_vendor|pip\/_vendor|importlib_metadata|importlib_resources|backports)(?:\/|$)/;
const STDLIB_COPY_MODULES = new Set(['typing_extensions.py', 'zipp.py', 'mock.py']);

export const SOURCES: readonly SourceSpec[] = [
  {
    id: 'npm-dts',
    roots: ['npm/node_modules'],
    // Anything carrying the VS Code API is kept out with @types/vscode (DESIGN §7).
    entersDir: (name) => !/vscode/i.test(name) && name !== '.bin',
    accepts: (rel) => rel.endsWith('.d.ts'),
    packageOf: (rel) => {
      const parts = rel.split('/');
      return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    },
  },
  {
    id: 'python',
    roots: ['site-packages', 'deb/*/usr/lib/python3/dist-packages'],
    entersDir: (name, rel) => !name.endsWith('.dist-info') && !name.endsWith('.egg-info') && !STDLIB_COPIES.test(rel),
    accepts: (rel) => rel.endsWith('.py') && !STDLIB_COPY_MODULES.has(rel) && !/(?:^|\/)(?:test_[^/]*|[^/]*_test|conftest)\.py$/.test(rel),
    // Top-level package plus its first subpackage: "scipy/sparse/x.py" -> "scipy.sparse".
    packageOf: (rel) => {
      const parts = rel.replace(/\.py$/, '').split('/');
      return parts.length >= 3 ? `${parts[0]}.${parts[1]}` : parts[0];
    },
  },
  {
    id: 'go',
    roots: ['deb/golang-*-src/usr/share/go-*/src'],
    entersDir: () => true,
    accepts: (rel) => rel.endsWith('.go') && !rel.endsWith('_test.go'),
    // A Go package is its directory: "net/http/server.go" -> "net/http".
    packageOf: (rel) => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.'),
  },
  {
    id: 'rust',
    roots: ['deb/rust-src/usr/src/rustc-*/library'],
    entersDir: (name) => name !== 'examples',
    accepts: (rel) => rel.endsWith('.rs'),
    // Crate plus top module: "core/src/iter/range.rs" -> "core::iter".
    packageOf: (rel) => {
      const parts = rel.split('/');
      const src = parts.indexOf('src');
      if (src < 0) return parts.slice(0, -1).join('/');
      const crate = parts.slice(0, src).join('/');
      const rest = parts.slice(src + 1);
      return rest.length >= 2 ? `${crate}::${rest[0]}` : crate;
    },
  },
  {
    id: 'python-faq',
    roots: ['deb/python3.*-doc/usr/share/doc/python3.*/html/_sources/faq'],
    entersDir: () => false,
    accepts: (rel) => rel.endsWith('.rst.txt') && rel !== 'index.rst.txt',
    packageOf: () => 'python-doc',
    forcedSplit: 'test',
  },
];

export function isAlwaysSkippedDir(name: string): boolean {
  return ALWAYS_SKIPPED_DIRS.has(name);
}
