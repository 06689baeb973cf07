import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertNotReserved } from '../../src/data/vocab';
import { walkCorpora } from '../../src/data/walk';
import { FIXTURE_CORPORA } from './support';

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

describe('data: corpus walker', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'walk-test-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('lists the fixture corpus by source, with packages and relative paths', () => {
    const walked = walkCorpora(FIXTURE_CORPORA);
    const ids = walked.files.map((f) => `${f.source} ${f.package} ${f.path}`);
    assert.deepStrictEqual(ids, [
      'npm-dts npm:@types/fixture-shapes @types/fixture-shapes/index.d.ts',
      'npm-dts npm:fixture-timers fixture-timers/timers.d.ts',
      'python py:fixture_stats fixture_stats/__init__.py',
      'python py:fixture_stats.io fixture_stats/io/__init__.py',
      'python py:fixture_stats.io fixture_stats/io/readers.py',
      'python py:fixture_stats fixture_stats/moments.py',
      'go go:fixture/ring fixture/ring/ring.go',
      'go go:fixture/ringcopy fixture/ringcopy/ring.go',
      'rust rust:fixture::collections fixture/src/collections/queue.rs',
      'rust rust:fixture fixture/src/stack.rs',
      'python-faq doc:python-doc fixture.rst.txt',
    ]);
    assert.deepStrictEqual(walked.reserved, []);
    assert.deepStrictEqual(walked.missing, []);
    assert.strictEqual(walked.shadowed, 0);
  });

  it('walks a root reached twice through a link once, and keeps the first root\'s copy of a path', () => {
    const faq = path.join(tmp, 'deb', 'python3.11-doc', 'usr', 'share', 'doc');
    write(path.join(faq, 'python3.11', 'html', '_sources', 'faq', 'general.rst.txt'), 'Why?\n====\n\nBecause.\n');
    fs.mkdirSync(path.join(faq, 'python3.11-doc'));
    fs.symlinkSync('../python3.11/html', path.join(faq, 'python3.11-doc', 'html'), 'dir');
    write(path.join(tmp, 'site-packages', 'pkg', 'mod.py'), '"""From site-packages."""\n');
    write(path.join(tmp, 'deb', 'python3-pkg', 'usr', 'lib', 'python3', 'dist-packages', 'pkg', 'mod.py'), '"""From Debian."""\n');
    const walked = walkCorpora(tmp);
    assert.deepStrictEqual(walked.files.map((f) => `${f.source}:${f.path}`), ['python:pkg/mod.py', 'python-faq:general.rst.txt']);
    assert.ok(walked.files[0].absPath.includes('site-packages'));
    assert.strictEqual(walked.shadowed, 1);
  });

  it('never lists a fake stdlib lib/python3.11/os.py or a fake @types/vscode, whatever root they sit under', () => {
    const stdlibOs = path.join(tmp, 'site-packages', 'vendored', 'lib', 'python3.11', 'os.py');
    const vscodeTypes = path.join(tmp, 'npm', 'node_modules', '@types', 'vscode', 'index.d.ts');
    write(stdlibOs, '"""Fake os module."""\ndef getcwd():\n    """Return the cwd."""\n');
    write(vscodeTypes, '/** The VS Code API. */\nexport declare function fake(): void;\n');
    write(path.join(tmp, 'site-packages', 'vendored', 'ok.py'), 'def f():\n    """Fine."""\n');
    write(path.join(tmp, 'npm', 'node_modules', '@types', 'fine', 'index.d.ts'), 'export declare const x: number;\n');
    assert.throws(() => assertNotReserved(stdlibOs));
    assert.throws(() => assertNotReserved(vscodeTypes));

    const walked = walkCorpora(tmp);
    const listed = walked.files.map((f) => f.absPath);
    assert.ok(!listed.some((p) => p.endsWith(`${path.sep}os.py`)), 'os.py excluded');
    assert.ok(!listed.some((p) => p.includes('vscode')), '@types/vscode excluded');
    assert.deepStrictEqual(walked.files.map((f) => f.path), ['@types/fine/index.d.ts', 'vendored/ok.py']);
    assert.deepStrictEqual(walked.reserved, ['npm-dts:@types/vscode', 'python:vendored/lib/python3.11']);
  });

  it('refuses a python root that points into the standard library itself', () => {
    const lib = path.join(tmp, 'pyenv', 'lib', 'python3.11');
    write(path.join(lib, 'os.py'), '"""Fake os module."""\n');
    write(path.join(lib, 'site-packages', 'good', 'mod.py'), '"""Fine."""\n');
    const corpora = path.join(tmp, 'corpora');
    fs.mkdirSync(corpora);
    fs.symlinkSync(lib, path.join(corpora, 'site-packages'), 'dir');
    const walked = walkCorpora(corpora);
    assert.deepStrictEqual(walked.files, []);
    assert.deepStrictEqual(walked.reserved, ['python:.']);

    fs.rmSync(path.join(corpora, 'site-packages'));
    fs.symlinkSync(path.join(lib, 'site-packages'), path.join(corpora, 'site-packages'), 'dir');
    assert.deepStrictEqual(walkCorpora(corpora).files.map((f) => `${f.package} ${f.path}`), ['py:good good/mod.py']);
  });
});
