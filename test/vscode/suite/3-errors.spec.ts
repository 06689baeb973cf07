// Clear errors when the model or the native library cannot load, and
// recovery once the setting is fixed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { AskOutcome } from '../../../src/extension/context';
import { closeAllEditors, extensionApi, nextEvent, openFixture, record, resetUserSettings, scratchDir, setUserSetting, testModel } from './helpers';

async function askExpectingError(question: string): Promise<string> {
  const api = await extensionApi();
  const error = nextEvent(api.onDidReportError);
  const outcome = await vscode.commands.executeCommand<AskOutcome | undefined>('treeformer.askCurrentFile', question);
  assert.strictEqual(outcome, undefined);
  return error;
}

describe('errors', () => {
  beforeEach(async () => {
    await openFixture('src/cache.js');
  });

  afterEach(async () => {
    await resetUserSettings();
    await closeAllEditors();
  });

  it('names a missing model file and the setting that fixes it', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-folder', 'missing-model.onnx');
    await setUserSetting('modelPath', missing);
    const message = await askExpectingError('where is the checksum computed?');
    assert.ok(message.includes(missing), message);
    assert.match(message, /treeformer\.modelPath/);
    const status = (await extensionApi()).status();
    assert.strictEqual(status.engine, 'failed');
    assert.ok(status.tooltip.includes(missing), status.tooltip);
  });

  it('names the bundled model of the chosen attention kind when it is not shipped', async function () {
    const coarse = path.join(vscode.extensions.getExtension('treeformer.treeformer-vscode')!.extensionPath, 'models', 'treeformer-qa-coarse.onnx');
    if (fs.existsSync(coarse)) this.skip();
    await setUserSetting('attention', 'coarse');
    const message = await askExpectingError('anything');
    assert.ok(message.includes(coarse), message);
    assert.match(message, /coarse-attention/);
  });

  it('says a relative model path must be absolute', async () => {
    await setUserSetting('modelPath', 'models/relative.onnx');
    const message = await askExpectingError('anything');
    assert.match(message, /must be an absolute path/);
  });

  it('reports a model file that is not an ONNX model', async () => {
    const good = testModel();
    const dir = path.join(scratchDir(), 'corrupt-model');
    fs.cpSync(path.dirname(good), dir, { recursive: true });
    const corrupt = path.join(dir, path.basename(good));
    fs.writeFileSync(corrupt, 'this is not an ONNX protobuf');
    await setUserSetting('modelPath', corrupt);
    const message = await askExpectingError('anything');
    assert.ok(message.includes(corrupt), message);
    assert.match(message, /could not be read|cannot open|could not open/i);
  });

  it('names a missing native runtime folder', async () => {
    await setUserSetting('modelPath', testModel());
    const missing = path.join(os.tmpdir(), 'no-such-native-dir');
    await setUserSetting('nativeDir', missing);
    const message = await askExpectingError('anything');
    assert.ok(message.includes(missing), message);
    assert.match(message, /treeformer\.nativeDir/);
  });

  it('refuses CUDA clearly where ONNX Runtime has no CUDA provider', async function () {
    const runtime = await vscode.commands.executeCommand<{ cudaAvailable: boolean } | undefined>('treeformer.showRuntimeInfo');
    if (!runtime) throw new Error('the native runtime did not load');
    if (runtime.cudaAvailable) this.skip();
    await setUserSetting('modelPath', testModel());
    await setUserSetting('device', 'cuda');
    const message = await askExpectingError('anything');
    assert.match(message, /cuda/i);
  });

  it('recovers on the next use once the setting is fixed', async () => {
    const api = await extensionApi();
    await setUserSetting('modelPath', path.join(os.tmpdir(), 'still-missing.onnx'));
    await askExpectingError('anything');
    const errors = record(api.onDidReportError);
    await setUserSetting('modelPath', testModel());
    assert.strictEqual(api.status().engine, 'idle', 'a settings change closes the failed engine');
    const answered = vscode.commands.executeCommand<AskOutcome | undefined>('treeformer.askCurrentFile', 'checksum of a string');
    await nextEvent(api.onDidShowAnswers);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const outcome = await answered;
    errors.dispose();
    assert.deepStrictEqual(errors.values, []);
    assert.ok(outcome && outcome.answers.length > 0);
    assert.strictEqual(api.status().engine, 'ready');
  });
});
