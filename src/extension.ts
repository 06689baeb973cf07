// Extension entry point: wires commands to the engine and nothing else.
import * as vscode from 'vscode';
import { showRuntimeInfo } from './commands/runtimeInfo';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Treeformer', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('treeformer.showRuntimeInfo', () => showRuntimeInfo(log)),
  );
}

export function deactivate(): void {}
