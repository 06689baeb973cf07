// "Treeformer: Show Native Runtime Info": loads the native runtime and reports
// what it found, or why it could not load.
import * as vscode from 'vscode';
import { loadRuntime } from '../engine/runtime';

export async function showRuntimeInfo(log: vscode.LogOutputChannel): Promise<void> {
  try {
    const runtime = loadRuntime();
    const device = runtime.cudaAvailable ? 'cuda available' : 'cpu only';
    log.info(`native runtime ${runtime.dir}: ONNX Runtime ${runtime.ortVersion}, providers ${runtime.providers.join(', ')}`);
    await vscode.window.showInformationMessage(`Treeformer runtime ready: ONNX Runtime ${runtime.ortVersion}, ${device}.`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.error(message);
    await vscode.window.showErrorMessage(`Treeformer: ${message}`);
  }
}
