// Shared by the extension-host specs: the extension's API, waiting for its
// events, settings, the sample workspace and the test model.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TreeformerApi } from '../../../src/extension/api';
import { writeQaTestModel } from '../../support/qaModel';

export const EXTENSION_ID = 'treeformer.treeformer-vscode';

export async function extensionApi(): Promise<TreeformerApi> {
  const extension = vscode.extensions.getExtension<TreeformerApi>(EXTENSION_ID);
  if (!extension) throw new Error(`extension ${EXTENSION_ID} is not installed`);
  return extension.activate();
}

/** The extension manifest as VS Code loaded it (free-form JSON). */
export function packageJson(): Record<string, any> {
  return vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
}

/** The first value `event` fires that passes `accept`, or a rejection after `timeoutMs`. */
export function nextEvent<T>(event: vscode.Event<T>, accept: (value: T) => boolean = () => true, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = event((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(value);
    });
  });
}

/** Collects every value `event` fires until disposed. */
export function record<T>(event: vscode.Event<T>): { values: T[]; dispose(): void } {
  const values: T[] = [];
  const subscription = event((v) => values.push(v));
  return { values, dispose: () => subscription.dispose() };
}

export async function waitUntil(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const SETTINGS = ['device', 'attention', 'include', 'exclude', 'maxFileBytes', 'maxAnswers', 'hover.enabled', 'hover.delay', 'modelPath', 'nativeDir'];

/** Sets a treeformer.* user setting and waits until the extension host sees it. */
export async function setUserSetting(key: string, value: unknown): Promise<void> {
  const section = vscode.workspace.getConfiguration('treeformer');
  await section.update(key, value, vscode.ConfigurationTarget.Global);
  await waitUntil(() => vscode.workspace.getConfiguration('treeformer').inspect(key)?.globalValue === value, 10_000, `treeformer.${key}`);
}

export async function resetUserSettings(): Promise<void> {
  for (const key of SETTINGS) {
    if (vscode.workspace.getConfiguration('treeformer').inspect(key)?.globalValue !== undefined) await setUserSetting(key, undefined);
  }
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the suite runs with the sample workspace open');
  return folder.uri.fsPath;
}

export async function openFixture(relative: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(path.join(workspaceRoot(), relative));
  return vscode.window.showTextDocument(document);
}

/** The 1-based line of the first line of `file` that contains `text`. */
export function lineOf(document: vscode.TextDocument, text: string): number {
  for (let i = 0; i < document.lineCount; i++) if (document.lineAt(i).text.includes(text)) return i + 1;
  throw new Error(`"${text}" is not in ${document.uri.fsPath}`);
}

let scratch: string | undefined;

/** A folder for the suite's files, removed when the suite ends (removeScratch). */
export function scratchDir(): string {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'treeformer-host-suite-'));
  return scratch;
}

export function removeScratch(): void {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

let testModelPath: string | undefined;

/**
 * The engine's small test model (test/support/qaModel.ts): untrained and
 * lexical by construction, run for real by the native runtime. The UI flows
 * are tested with it so they do not depend on the trained model being present.
 */
export function testModel(): string {
  testModelPath ??= writeQaTestModel(path.join(scratchDir(), 'test-model')).modelPath;
  return testModelPath;
}

/** Accepts the active quick input (input box or quick pick) as Enter would. */
export async function acceptQuickInput(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
