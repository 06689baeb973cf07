// treeformer.revealSpan only opens files of the workspace folders, of the last
// answers and of open documents. The path check is pure; the command itself
// runs here against a stand-in for the few vscode members it touches.
import * as assert from 'assert';
import * as path from 'path';
import Module = require('module');
import type { TreeformerContext } from '../../../src/extension/context';

interface FakeUri {
  scheme: string;
  fsPath: string;
}

const fakeVscode = {
  Uri: { file: (fsPath: string): FakeUri => ({ scheme: 'file', fsPath }) },
  workspace: {
    workspaceFolders: undefined as { uri: FakeUri }[] | undefined,
    textDocuments: [] as { uri: FakeUri }[],
  },
};

/** The command module, loaded with `vscode` resolved to the stand-in (only while loading it). */
function loadRevealSpan(): typeof import('../../../src/commands/revealSpan') {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? fakeVscode : original.call(this, request, ...rest);
  };
  try {
    return require('../../../src/commands/revealSpan');
  } finally {
    loader._load = original;
  }
}

const { mayReveal, revealSpan } = loadRevealSpan();

describe('extension: revealSpan', () => {
  describe('mayReveal (POSIX paths)', () => {
    const allowed = { folders: ['/ws/app', '/ws/lib/'], files: ['/elsewhere/asked.md'] };

    it('allows files anywhere under a workspace folder', () => {
      for (const file of ['/ws/app/a.ts', '/ws/app/src/deep/b.ts', '/ws/lib/c.ts', '/ws/app/..hidden', '/ws/app/./x/../y.ts']) {
        assert.strictEqual(mayReveal(file, allowed, path.posix), true, file);
      }
    });

    it('allows exactly the files given, nothing beside them', () => {
      assert.strictEqual(mayReveal('/elsewhere/asked.md', allowed, path.posix), true);
      assert.strictEqual(mayReveal('/elsewhere/x/../asked.md', allowed, path.posix), true);
      assert.strictEqual(mayReveal('/elsewhere/other.md', allowed, path.posix), false);
      assert.strictEqual(mayReveal('/elsewhere', allowed, path.posix), false);
    });

    it('refuses files outside, ".." escapes, look-alike prefixes, the folder itself and relative paths', () => {
      for (const file of ['/etc/passwd', '/ws/app/../secret.txt', '/ws/app/../../etc/passwd', '/ws/application/x.ts', '/ws/app', '/ws', 'app/a.ts', '/ws/app/a\0.ts']) {
        assert.strictEqual(mayReveal(file, allowed, path.posix), false, file);
      }
    });

    it('refuses everything with no folders and no files', () => {
      assert.strictEqual(mayReveal('/ws/app/a.ts', { folders: [], files: [] }, path.posix), false);
    });
  });

  describe('mayReveal (Windows paths)', () => {
    const allowed = { folders: ['c:\\Work\\App'], files: ['D:\\notes\\asked.md'] };

    it('compares without case (VS Code lower-cases the drive letter)', () => {
      assert.strictEqual(mayReveal('C:\\work\\app\\src\\a.ts', allowed, path.win32), true);
      assert.strictEqual(mayReveal('d:\\Notes\\ASKED.md', allowed, path.win32), true);
    });

    it('refuses another drive, an escape and a look-alike prefix', () => {
      for (const file of ['D:\\Work\\App\\a.ts', 'C:\\Work\\App\\..\\secret.txt', 'C:\\Work\\Application\\a.ts', 'C:\\Windows\\win.ini']) {
        assert.strictEqual(mayReveal(file, allowed, path.win32), false, file);
      }
    });
  });

  describe('the command', () => {
    const revealed: string[] = [];
    const warnings: string[] = [];
    const ctx = {
      log: { warn: (message: string) => warnings.push(message) },
      highlighter: { reveal: async (target: { uri: FakeUri }) => void revealed.push(target.uri.fsPath) },
      lastAsk: undefined as unknown,
    };
    const command = revealSpan(ctx as unknown as TreeformerContext);
    const ws = path.resolve('/ws');
    const outside = path.resolve('/outside/asked.md');
    const secret = path.resolve('/etc/passwd');

    beforeEach(() => {
      revealed.length = 0;
      warnings.length = 0;
      ctx.lastAsk = undefined;
      fakeVscode.workspace.workspaceFolders = [{ uri: fakeVscode.Uri.file(ws) }];
      fakeVscode.workspace.textDocuments = [];
    });

    it('reveals a span in a workspace folder (what the hover links to)', async () => {
      const file = path.join(ws, 'src', 'cache.js');
      assert.strictEqual(await command({ file, startLine: 3, endLine: 5 }), true);
      assert.deepStrictEqual(revealed, [file]);
    });

    it('refuses a file outside the workspace, says so in the log, and opens nothing', async () => {
      assert.strictEqual(await command({ file: secret, startLine: 1, endLine: 1 }), false);
      assert.strictEqual(await command({ file: path.join(ws, '..', 'etc', 'passwd'), startLine: 1, endLine: 1 }), false);
      fakeVscode.workspace.workspaceFolders = undefined;
      assert.strictEqual(await command({ file: path.join(ws, 'src', 'cache.js'), startLine: 1, endLine: 1 }), false, 'no folders open');
      assert.deepStrictEqual(revealed, []);
      assert.strictEqual(warnings.length, 3);
      assert.match(warnings[0], /revealSpan: refused .*passwd/);
    });

    it('reveals the exact file of an answer from the last question, also outside the folders', async () => {
      ctx.lastAsk = { answers: [{ file: outside, startLine: 1, endLine: 2, score: 1, text: '' }] };
      assert.strictEqual(await command({ file: outside, startLine: 1, endLine: 2 }), true);
      assert.strictEqual(await command({ file: path.join(path.dirname(outside), 'other.md'), startLine: 1, endLine: 1 }), false);
      assert.deepStrictEqual(revealed, [outside]);
    });

    it('reveals an open document (a hover in a window without folders reads only that document)', async () => {
      fakeVscode.workspace.workspaceFolders = undefined;
      fakeVscode.workspace.textDocuments = [{ uri: fakeVscode.Uri.file(outside) }, { uri: { scheme: 'untitled', fsPath: secret } }];
      assert.strictEqual(await command({ file: outside, startLine: 4, endLine: 4 }), true);
      assert.strictEqual(await command({ file: secret, startLine: 1, endLine: 1 }), false, 'only file documents count');
      assert.deepStrictEqual(revealed, [outside]);
    });

    it('still refuses a malformed target', async () => {
      assert.strictEqual(await command({ file: 'relative.md', startLine: 1, endLine: 1 }), false);
      assert.strictEqual(await command({ file: path.join(ws, 'a.md'), startLine: 5, endLine: 2 }), false);
      assert.strictEqual(await command('nonsense'), false);
      assert.deepStrictEqual(revealed, []);
    });
  });
});
