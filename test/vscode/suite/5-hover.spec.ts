// The hover provider through VS Code's own hover machinery
// (vscode.executeHoverProvider): on/off setting, the link it offers, the
// cache per document version, and silence when the model cannot load.
import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  closeAllEditors,
  extensionApi,
  lineOf,
  openFixture,
  record,
  resetUserSettings,
  setUserSetting,
  testModel,
  waitUntil,
} from './helpers';

interface Timed<T> {
  value: T;
  ms: number;
}

/** The text of Treeformer's hovers at `position`, and how long VS Code took to produce them. */
async function treeformerHovers(document: vscode.TextDocument, position: vscode.Position): Promise<Timed<string[]>> {
  const started = Date.now();
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
  const texts = hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .filter((text) => text.includes('**Treeformer**'));
  return { value: texts, ms: Date.now() - started };
}

/** Position of `symbol` on the first line of `document` that contains `lineText`. */
function positionOf(document: vscode.TextDocument, lineText: string, symbol: string): vscode.Position {
  const line = lineOf(document, lineText) - 1;
  return new vscode.Position(line, document.lineAt(line).text.indexOf(symbol) + 1);
}

/** The reveal target encoded in a hover's command link. */
function linkTarget(markdown: string): { file: string; startLine: number; endLine: number } {
  const match = /\(command:treeformer\.revealSpan\?([^ )]+)/.exec(markdown);
  assert.ok(match, `a reveal link in ${markdown}`);
  return JSON.parse(decodeURIComponent(match[1]))[0];
}

describe('hover', () => {
  beforeEach(async () => {
    await setUserSetting('modelPath', testModel());
  });

  afterEach(async () => {
    await resetUserSettings();
    await closeAllEditors();
  });

  it('explains a symbol with its definition elsewhere and a link that reveals it', async () => {
    const editor = await openFixture('src/app.js');
    const position = positionOf(editor.document, 'const key = checksumOf(text);', 'checksumOf');
    const { value: hovers } = await treeformerHovers(editor.document, position);
    assert.strictEqual(hovers.length, 1, 'one Treeformer hover');
    const target = linkTarget(hovers[0]);
    const cache = await vscode.workspace.openTextDocument(path.join(path.dirname(editor.document.uri.fsPath), 'cache.js'));
    const definition = lineOf(cache, 'function checksumOf(text) {');
    assert.strictEqual(target.file, cache.uri.fsPath, 'the link goes to the file defining checksumOf');
    assert.ok(target.startLine <= definition && definition <= target.endLine, `lines ${target.startLine}-${target.endLine} hold the definition (line ${definition})`);
    assert.ok(hovers[0].includes('function checksumOf(text)') && hovers[0].includes('FNV-1a'), 'the hover shows the definition and its doc comment');
    assert.strictEqual(await vscode.commands.executeCommand('treeformer.revealSpan', target), true);
    const highlight = (await extensionApi()).highlightedSpan();
    assert.strictEqual(highlight?.uri.fsPath, target.file);
    assert.strictEqual(highlight?.range.start.line, target.startLine - 1);
  });

  it('caches per document version: a repeat is immediate, an edit reads again', async () => {
    await setUserSetting('hover.delay', 1500);
    const editor = await openFixture('src/app.js');
    const position = positionOf(editor.document, 'parsed.put(key, lines);', 'put');
    const first = await treeformerHovers(editor.document, position);
    assert.ok(first.ms >= 1500, `the first hover waits for the mouse to rest (${first.ms} ms)`);
    const repeat = await treeformerHovers(editor.document, position);
    assert.ok(repeat.ms < 1000, `a repeat at the same version comes from the cache (${repeat.ms} ms)`);
    assert.deepStrictEqual(repeat.value, first.value);
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '// edited\n'));
    const moved = new vscode.Position(position.line + 1, position.character);
    const afterEdit = await treeformerHovers(editor.document, moved);
    assert.ok(afterEdit.ms >= 1500, `an edit invalidates the cache (${afterEdit.ms} ms)`);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('shows nothing for a name the workspace does not define', async () => {
    await setUserSetting('hover.delay', 0);
    const editor = await openFixture('src/app.js');
    const { value: hovers } = await treeformerHovers(editor.document, positionOf(editor.document, 'fs.readFileSync(path', 'readFileSync'));
    assert.deepStrictEqual(hovers, [], 'readFileSync is Node\'s, not defined here: no unrelated span');
  });

  it('is off when the setting says so, without touching the model', async () => {
    const api = await extensionApi();
    await setUserSetting('device', 'cpu'); // closes any open model: the state goes back to idle
    await waitUntil(() => api.status().engine === 'idle');
    await setUserSetting('hover.enabled', false);
    const editor = await openFixture('src/app.js');
    const { value: hovers } = await treeformerHovers(editor.document, positionOf(editor.document, 'parsed.get(key)', 'get'));
    assert.deepStrictEqual(hovers, []);
    assert.strictEqual(api.status().engine, 'idle', 'no model was opened');
  });

  it('stays silent when the model cannot load: no hover, no error dialog', async () => {
    const api = await extensionApi();
    await setUserSetting('modelPath', path.join(os.tmpdir(), 'hover-missing-model.onnx'));
    await setUserSetting('hover.delay', 0);
    const errors = record(api.onDidReportError);
    const editor = await openFixture('src/app.js');
    const { value: hovers } = await treeformerHovers(editor.document, positionOf(editor.document, 'function sweep()', 'sweep'));
    errors.dispose();
    assert.deepStrictEqual(hovers, []);
    assert.deepStrictEqual(errors.values, []);
    assert.strictEqual(api.status().engine, 'failed', 'the status bar shows the failure instead');
  });
});
