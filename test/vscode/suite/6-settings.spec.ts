// Settings: changes take effect without a reload, and a workspace can never
// choose the model file (machine-scoped).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { AskOutcome } from '../../../src/extension/context';
import { closeAllEditors, extensionApi, nextEvent, openFixture, record, resetUserSettings, setUserSetting, testModel, waitUntil, workspaceRoot } from './helpers';

async function askAndClose(question: string): Promise<AskOutcome | undefined> {
  const api = await extensionApi();
  // an ask that fails never shows answers: that wait may time out unobserved
  const shown = nextEvent(api.onDidShowAnswers).catch(() => undefined);
  const outcome = vscode.commands.executeCommand<AskOutcome | undefined>('treeformer.askCurrentFile', question);
  await Promise.race([shown, outcome]);
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  return outcome;
}

describe('settings', () => {
  afterEach(async () => {
    await resetUserSettings();
    await closeAllEditors();
  });

  it('reopens the model when a setting that shapes it changes', async () => {
    const api = await extensionApi();
    await setUserSetting('modelPath', testModel());
    await openFixture('docs/notes.md');
    await askAndClose('how long does an entry stay in the cache');
    assert.strictEqual(api.status().engine, 'ready');
    await setUserSetting('device', 'cpu');
    await waitUntil(() => api.status().engine === 'idle', 5_000, 'the engine to close');
    await askAndClose('how long does an entry stay in the cache');
    assert.deepStrictEqual([api.status().engine, api.status().device], ['ready', 'cpu']);
  });

  it('limits the number of answers to treeformer.maxAnswers', async () => {
    await setUserSetting('modelPath', testModel());
    await setUserSetting('maxAnswers', 1);
    await openFixture('docs/notes.md');
    const outcome = await askAndClose('cache entries expire sweep timer');
    assert.strictEqual(outcome?.answers.length, 1);
  });

  it('treeformer.ranker bm25 answers from words alone', async () => {
    await setUserSetting('modelPath', testModel());
    await setUserSetting('ranker', 'bm25');
    await openFixture('docs/notes.md');
    const outcome = await askAndClose('how many seconds pass between sweeps of expired entries');
    assert.ok(outcome && outcome.answers[0].text.includes('every thirty seconds'), outcome?.answers[0]?.text);
  });

  it('skips files larger than treeformer.maxFileBytes', async () => {
    await setUserSetting('modelPath', testModel());
    await setUserSetting('maxFileBytes', 64);
    await openFixture('docs/notes.md');
    const errors = record((await extensionApi()).onDidReportError);
    const outcome = await askAndClose('cache');
    errors.dispose();
    assert.strictEqual(outcome, undefined, 'nothing left to read');
    assert.match(errors.values.join('\n'), /too large/);
  });

  it('ignores a model path set by the workspace', async () => {
    const api = await extensionApi();
    const settingsFile = path.join(workspaceRoot(), '.vscode', 'settings.json');
    const planted = path.join(workspaceRoot(), 'planted-model.onnx');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ 'treeformer.modelPath': planted, 'treeformer.hover.delay': 1234 }));
    try {
      // the window-scoped setting beside it shows when the file has been read
      await waitUntil(() => vscode.workspace.getConfiguration('treeformer').get('hover.delay') === 1234, 15_000, 'the workspace settings');
      const errors = record(api.onDidReportError);
      await openFixture('docs/notes.md');
      const outcome = await askAndClose('how long does an entry stay in the cache');
      errors.dispose();
      for (const message of errors.values) assert.ok(!message.includes('planted-model'), message);
      const bundled = path.join(vscode.extensions.getExtension('treeformer.treeformer-vscode')!.extensionPath, 'models');
      assert.ok(
        (outcome && outcome.answers.length > 0) || errors.values.some((m) => m.includes(bundled)),
        'answered by the bundled model, or failed naming the bundled model',
      );
    } finally {
      fs.rmSync(path.dirname(settingsFile), { recursive: true, force: true });
    }
  });
});
