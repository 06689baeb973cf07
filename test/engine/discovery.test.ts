// File discovery: .gitignore semantics, globs, binary sniffing, size and
// emptiness checks, and a reason for every file left out.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { countInvalidUtf8, sniffBinary } from '../../src/engine/discovery/binary';
import { discoverFiles } from '../../src/engine/discovery/discover';
import { checkIgnored, parseGitignore } from '../../src/engine/discovery/gitignore';
import { compileGlob } from '../../src/engine/discovery/glob';
import { EngineError } from '../../src/engine/errors';

function ignored(gitignore: string, relPath: string, isDir = false): boolean {
  return checkIgnored(relPath, isDir, [{ base: '', source: '.gitignore', rules: parseGitignore(gitignore) }]).ignored;
}

describe('gitignore patterns', () => {
  it('matches a bare name at any depth, and only the name', () => {
    assert.ok(ignored('*.log', 'a.log'));
    assert.ok(ignored('*.log', 'deep/er/b.log'));
    assert.ok(!ignored('*.log', 'a.log.txt'));
    assert.ok(ignored('secret', 'x/secret'));
    assert.ok(!ignored('secret', 'x/secrets'));
  });

  it('anchors patterns that contain a slash, and a leading slash', () => {
    assert.ok(ignored('/todo.txt', 'todo.txt'));
    assert.ok(!ignored('/todo.txt', 'sub/todo.txt'));
    assert.ok(ignored('doc/frotz', 'doc/frotz'));
    assert.ok(!ignored('doc/frotz', 'a/doc/frotz'));
  });

  it('applies folder-only rules to folders only', () => {
    assert.ok(ignored('cache/', 'cache', true));
    assert.ok(!ignored('cache/', 'cache', false));
    assert.ok(ignored('cache/', 'a/cache', true));
  });

  it('handles **, ?, character classes and escapes', () => {
    assert.ok(ignored('**/foo', 'foo'));
    assert.ok(ignored('**/foo', 'a/b/foo'));
    assert.ok(ignored('a/**/b', 'a/b'));
    assert.ok(ignored('a/**/b', 'a/x/y/b'));
    assert.ok(ignored('abc/**', 'abc/x/y'));
    assert.ok(!ignored('abc/**', 'abc'));
    assert.ok(ignored('file?.txt', 'file1.txt'));
    assert.ok(!ignored('file?.txt', 'file10.txt'));
    assert.ok(ignored('[ab]*.c', 'b1.c'));
    assert.ok(!ignored('[!ab]*.c', 'b1.c'));
    assert.ok(ignored('[!ab]*.c', 'c1.c'));
    assert.ok(ignored('\\#notes', '#notes'));
    assert.ok(ignored('\\!important', '!important'));
    assert.ok(!ignored('a*b', 'a/b'), '* never crosses a slash');
  });

  it('skips comments and blank lines, trims unescaped trailing spaces', () => {
    const rules = parseGitignore('# comment\n\n  \ntrail   \nkeep\\ \n');
    assert.deepStrictEqual(
      rules.map((r) => r.regex.test('trail')),
      [true, false],
    );
    assert.ok(rules[1].regex.test('keep '));
  });

  it('lets the last matching rule win, so ! re-includes', () => {
    assert.ok(!ignored('*.log\n!keep.log', 'keep.log'));
    assert.ok(ignored('*.log\n!keep.log', 'other.log'));
    assert.ok(ignored('!keep.log\n*.log', 'keep.log'));
  });

  it('gives nested .gitignore files the last word inside their folder', () => {
    const files = [
      { base: '', source: 'root', rules: parseGitignore('*.gen.ts') },
      { base: 'pkg', source: 'pkg', rules: parseGitignore('!*.gen.ts') },
    ];
    assert.strictEqual(checkIgnored('pkg/a.gen.ts', false, files).ignored, false);
    assert.strictEqual(checkIgnored('other/a.gen.ts', false, files).ignored, true);
    assert.match(checkIgnored('other/a.gen.ts', false, files).because ?? '', /root: \*\.gen\.ts/);
  });
});

describe('include/exclude globs', () => {
  it('understands braces when asked', () => {
    const re = compileGlob('**/*.{ts,md}', { braces: true });
    assert.ok(re.test('src/a.ts') && re.test('README.md') && !re.test('a.js'));
    assert.ok(!compileGlob('{a,b}').test('a'), 'braces stay literal in .gitignore mode');
  });
});

describe('binary sniffing', () => {
  const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

  it('calls a NUL byte binary, and says where it is', () => {
    const v = sniffBinary(new Uint8Array([65, 66, 0, 67]), false);
    assert.deepStrictEqual(v, { binary: true, detail: 'NUL byte at offset 2' });
  });

  it('accepts UTF-8 text in every script', () => {
    assert.strictEqual(sniffBinary(utf8('héllo wörld — 日本語 😀\n'), false).binary, false);
    assert.strictEqual(countInvalidUtf8(utf8('日本語 😀'), false), 0);
  });

  it('counts invalid sequences: stray continuations, overlongs, surrogates', () => {
    assert.strictEqual(countInvalidUtf8(new Uint8Array([0x80, 0x41]), false), 1);
    assert.strictEqual(countInvalidUtf8(new Uint8Array([0xc0, 0xaf]), false), 2); // overlong '/'
    assert.strictEqual(countInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]), false), 3); // U+D800
    assert.strictEqual(countInvalidUtf8(new Uint8Array([0xe2, 0x82, 0x41]), false), 2); // cut short
  });

  it('does not count a character cut by the end of a longer file', () => {
    const cut = utf8('ab😀').slice(0, 4);
    assert.strictEqual(countInvalidUtf8(cut, true), 0);
    assert.strictEqual(countInvalidUtf8(cut, false), 2);
  });

  it('calls mostly-invalid bytes binary but tolerates a little Latin-1', () => {
    const random = Uint8Array.from({ length: 1000 }, (_, i) => 0x80 + ((i * 37) % 120));
    assert.strictEqual(sniffBinary(random, false).binary, true);
    const latin1 = new Uint8Array(Buffer.from('caf\xe9 cr\xe8me, na\xefve, a long enough line of text', 'latin1'));
    assert.strictEqual(sniffBinary(latin1, false).binary, false);
  });
});

describe('discoverFiles', () => {
  let root: string;
  const write = (rel: string, data: string | Buffer) => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-discover-'));
    fs.mkdirSync(path.join(root, '.git'));
    write('.git/config', '[core]\n');
    write('.gitignore', '*.log\ngenerated/\n');
    write('src/main.ts', 'export const main = 1;\n');
    write('src/util.ts', 'export const util = 2;\n');
    write('src/.gitignore', '!keep.log\n');
    write('src/keep.log', 'kept despite *.log\n');
    write('debug.log', 'ignored\n');
    write('generated/out.ts', 'ignored folder\n');
    write('node_modules/dep/index.js', 'module.exports = 1;\n');
    write('build/app.js', 'built\n');
    write('empty.txt', '');
    write('image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    write('big.txt', 'x'.repeat(2000));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const rel = (files: { path: string }[] | { file: string }[]) =>
    files.map((f) => path.relative(root, 'path' in f ? f.path : f.file)).sort();

  it('walks folders with .gitignore rules and default excludes, and says why each file was left out', async () => {
    const found = await discoverFiles([root], { maxFileBytes: 1000 });
    assert.deepStrictEqual(rel(found.files), ['.gitignore', 'src/.gitignore', 'src/keep.log', 'src/main.ts', 'src/util.ts']);
    const reasons = Object.fromEntries(found.skipped.map((s) => [path.relative(root, s.file), s.reason]));
    assert.deepStrictEqual(reasons, {
      '.git': 'excluded',
      'big.txt': 'too-large',
      build: 'excluded',
      'debug.log': 'excluded',
      'empty.txt': 'empty',
      generated: 'excluded',
      'image.png': 'binary',
      node_modules: 'excluded',
    });
    const detail = (name: string) => found.skipped.find((s) => path.relative(root, s.file) === name)?.detail ?? '';
    assert.match(detail('debug.log'), /ignored by .*\.gitignore: \*\.log/);
    assert.match(detail('node_modules'), /excluded by default/);
    assert.match(detail('big.txt'), /2000 bytes, limit 1000/);
    assert.match(detail('image.png'), /NUL byte/);
  });

  it('applies the .gitignore files above a subfolder that is given', async () => {
    write('src/trace.log', 'ignored by the root .gitignore\n');
    const found = await discoverFiles([path.join(root, 'src')]);
    assert.deepStrictEqual(rel(found.files), ['src/.gitignore', 'src/keep.log', 'src/main.ts', 'src/util.ts']);
    assert.deepStrictEqual(rel(found.skipped), ['src/trace.log']);
  });

  it('reads a file given by name even where a folder walk would skip it', async () => {
    const found = await discoverFiles([path.join(root, 'debug.log'), path.join(root, 'node_modules/dep/index.js')]);
    assert.deepStrictEqual(rel(found.files), ['debug.log', 'node_modules/dep/index.js']);
  });

  it('applies include and exclude globs relative to the folder given', async () => {
    const found = await discoverFiles([root], { include: ['src/**/*.ts'], exclude: ['**/util.ts'] });
    assert.deepStrictEqual(rel(found.files), ['src/main.ts']);
    const why = found.skipped.find((s) => s.file.endsWith('util.ts'));
    assert.deepStrictEqual(why && { reason: why.reason, detail: why.detail }, { reason: 'excluded', detail: 'matches exclude pattern **/util.ts' });
  });

  it('lists a file reached twice only once', async () => {
    const found = await discoverFiles([path.join(root, 'src'), path.join(root, 'src/main.ts')]);
    assert.strictEqual(found.files.filter((f) => f.path.endsWith('main.ts')).length, 1);
  });

  it('refuses a path that does not exist', async () => {
    await assert.rejects(
      discoverFiles([path.join(root, 'nope')]),
      (err: EngineError) => err.code === 'missing-path' && /no such file or folder/.test(err.message),
    );
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(discoverFiles([root], { signal: controller.signal }), { name: 'AbortError' });
  });
});
