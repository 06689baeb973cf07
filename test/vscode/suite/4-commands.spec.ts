// Every command, driven as a user would: input box, quick pick, reveal.
// Answers come from the engine's small test model, run for real.
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { IndexStats } from '../../../src/engine/types';
import type { AskOutcome } from '../../../src/extension/context';
import {
  acceptQuickInput,
  closeAllEditors,
  extensionApi,
  lineOf,
  nextEvent,
  openFixture,
  record,
  resetUserSettings,
  setUserSetting,
  sleep,
  testModel,
  workspaceRoot,
} from './helpers';

/** Runs an ask command, waits for the answers, then accepts the first one (Enter). */
async function askAndAcceptFirst(command: string, question?: string): Promise<AskOutcome> {
  const api = await extensionApi();
  const shown = nextEvent(api.onDidShowAnswers);
  const outcome = vscode.commands.executeCommand<AskOutcome | undefined>(command, question);
  await shown;
  await acceptQuickInput();
  const result = await outcome;
  assert.ok(result, `${command} returned an outcome`);
  return result;
}

/** The highlighted range's text must hold the answer's first line: the lines map back exactly. */
function assertRevealed(answer: { file: string; startLine: number; endLine: number; text: string }, document: vscode.TextDocument): void {
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor, 'an editor is active');
  assert.strictEqual(editor.document.uri.toString(), document.uri.toString());
  assert.strictEqual(editor.selection.active.line, answer.startLine - 1, 'the cursor is on the answer\'s first line');
  const firstLine = answer.text.split(/\r?\n/).find((l) => l.trim() !== '')?.trim() ?? '';
  const range = new vscode.Range(answer.startLine - 1, 0, answer.endLine - 1, Number.MAX_SAFE_INTEGER);
  assert.ok(document.getText(range).includes(firstLine), `lines ${answer.startLine}-${answer.endLine} hold "${firstLine}"`);
}

describe('commands', () => {
  beforeEach(async () => {
    await setUserSetting('modelPath', testModel());
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await resetUserSettings();
    await closeAllEditors();
  });

  it('ask about the current file: answers in a quick pick, the chosen one revealed and highlighted', async () => {
    const editor = await openFixture('src/cache.js');
    const outcome = await askAndAcceptFirst('treeformer.askCurrentFile', 'checksumOf FNV hash of the text');
    assert.strictEqual(outcome.scope, 'file');
    assert.ok(outcome.answers.length > 0);
    assert.deepStrictEqual(outcome.picked, outcome.answers[0]);
    const definition = lineOf(editor.document, 'function checksumOf(text) {');
    assert.ok(outcome.answers[0].startLine <= definition && definition <= outcome.answers[0].endLine, `the first answer (${outcome.answers[0].startLine}-${outcome.answers[0].endLine}) holds checksumOf, line ${definition}`);
    for (const a of outcome.answers) assert.strictEqual(a.file, editor.document.uri.fsPath, 'every answer is in the current file');
    assertRevealed(outcome.picked!, editor.document);
    const highlight = (await extensionApi()).highlightedSpan();
    assert.ok(highlight);
    assert.strictEqual(highlight.range.start.line, outcome.picked!.startLine - 1);
    assert.strictEqual(highlight.range.end.line, outcome.picked!.endLine - 1);
    assert.match(String((await extensionApi()).status().device), /^(cpu|cuda)$/);
  });

  it('prefills the question with the selection', async () => {
    const editor = await openFixture('src/cache.js');
    const line = lineOf(editor.document, 'invalidateExpired() {') - 1;
    const start = editor.document.lineAt(line).text.indexOf('invalidateExpired');
    editor.selection = new vscode.Selection(line, start, line, start + 'invalidateExpired'.length);
    const api = await extensionApi();
    const shown = nextEvent(api.onDidShowAnswers);
    const statusChanges = record(api.onDidChangeStatus);
    const outcome = vscode.commands.executeCommand<AskOutcome | undefined>('treeformer.askCurrentFile');
    // The input box opens asynchronously: press Enter until the question is being
    // answered (the status bar changes), never later, so the answers stay unpicked.
    while (statusChanges.values.length === 0) {
      await acceptQuickInput();
      await sleep(100);
    }
    statusChanges.dispose();
    await shown;
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const result = await outcome;
    assert.strictEqual(result?.question, 'invalidateExpired');
    assert.strictEqual(result?.picked, undefined, 'closing the quick pick picks nothing');
  });

  it('asks about unsaved text and maps the answers back to its editor', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: '# Draft\n\nThe quarterly bilberry harvest starts on Tuesday.\n\n# Other\n\nNothing else.\n' });
    await vscode.window.showTextDocument(document);
    const outcome = await askAndAcceptFirst('treeformer.askCurrentFile', 'when does the bilberry harvest start');
    assert.ok(outcome.picked);
    assert.ok(outcome.picked.text.includes('bilberry harvest starts on Tuesday'), outcome.picked.text);
    assertRevealed(outcome.picked, document);
    assert.strictEqual(vscode.window.activeTextEditor?.document.uri.scheme, 'untitled');
  });

  it('ask about the workspace: the right file and lines first, the chosen one opened', async () => {
    const outcome = await askAndAcceptFirst('treeformer.askWorkspace', 'how many seconds pass between sweeps of expired entries');
    assert.strictEqual(outcome.scope, 'workspace');
    const [best] = outcome.answers;
    assert.ok(best.file.endsWith(path.join('docs', 'notes.md')), `the notes answer it, not ${best.file}`);
    assert.ok(best.text.includes('every thirty seconds'), best.text);
    const files = new Set(outcome.answers.map((a) => a.file));
    for (const file of files) assert.ok(file.startsWith(workspaceRoot()), `${file} is in the workspace`);
    assert.ok(outcome.picked);
    const document = await vscode.workspace.openTextDocument(outcome.picked.file);
    assertRevealed(outcome.picked, document);
    assert.ok(outcome.skipped.some((s) => s.file.endsWith(path.join('assets', 'blob.bin')) && s.reason === 'binary'), 'the binary file is skipped as binary');
  });

  it('rebuilds the workspace index with progress in the status bar, and reports what it read and skipped', async () => {
    const api = await extensionApi();
    const statuses = record(api.onDidChangeStatus);
    const stats = await vscode.commands.executeCommand<IndexStats | undefined>('treeformer.rebuildIndex');
    statuses.dispose();
    assert.ok(stats, 'indexing finished');
    const progress = statuses.values.map((s) => s.progress).filter((p): p is string => p !== undefined);
    assert.ok(progress.length > 0 && progress.every((p) => /^(finding files|tokenizing|parsing|indexing|reading) \d+%$/.test(p)), JSON.stringify(progress));
    assert.strictEqual(api.status().progress, undefined, 'the progress is cleared when done');
    assert.strictEqual(stats.files, 4, 'cache.js, app.js, notes.md and page.html');
    assert.strictEqual(stats.reused, 0, 'a rebuild reuses nothing');
    assert.ok(stats.tokens > 0 && stats.windows >= stats.files);
    assert.ok(stats.skipped.some((s) => s.file.endsWith('blob.bin') && s.reason === 'binary'));
  });

  it('reveals a span given as a command argument, and refuses a malformed one', async () => {
    const file = path.join(workspaceRoot(), 'docs', 'notes.md');
    assert.strictEqual(await vscode.commands.executeCommand('treeformer.revealSpan', { file, startLine: 3, endLine: 5 }), true);
    const highlight = (await extensionApi()).highlightedSpan();
    assert.strictEqual(highlight?.uri.fsPath, file);
    assert.deepStrictEqual([highlight?.range.start.line, highlight?.range.end.line], [2, 4]);
    assert.strictEqual(await vscode.commands.executeCommand('treeformer.revealSpan', { file: 'relative.md', startLine: 1, endLine: 1 }), false);
    assert.strictEqual(await vscode.commands.executeCommand('treeformer.revealSpan', { file, startLine: 5, endLine: 2 }), false);
  });

  it('shows the native runtime info', async () => {
    const info = await vscode.commands.executeCommand<{ ortVersion: string; providers: string[] } | undefined>('treeformer.showRuntimeInfo');
    assert.ok(info, 'the bundled runtime loads');
    assert.match(info.ortVersion, /^\d+\.\d+\.\d+/);
    assert.ok(info.providers.includes('CPUExecutionProvider'));
  });

  it('shows its log', async () => {
    await vscode.commands.executeCommand('treeformer.showLog');
  });
});
