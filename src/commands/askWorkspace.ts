// "Treeformer: Ask About the Workspace".
import * as vscode from 'vscode';
import { askAndReveal } from '../extension/askFlow';
import type { AskOutcome, TreeformerContext } from '../extension/context';
import { promptQuestion } from '../extension/questionInput';

/** `question` skips the input box (for keybindings and scripts). */
export function askWorkspace(ctx: TreeformerContext) {
  return async (question?: string): Promise<AskOutcome | undefined> => {
    const folders = vscode.workspace.workspaceFolders?.filter((f) => f.uri.scheme === 'file') ?? [];
    if (folders.length === 0) {
      void vscode.window.showInformationMessage('Treeformer: open a folder to ask about a workspace.');
      return undefined;
    }
    const asked =
      typeof question === 'string' && question.trim() ? question.trim() : await promptQuestion('the workspace', vscode.window.activeTextEditor);
    if (!asked) return undefined;
    const scope = { kind: 'workspace' as const, label: 'the workspace', paths: folders.map((f) => f.uri.fsPath), uriOf: (file: string) => vscode.Uri.file(file) };
    return askAndReveal(ctx, scope, asked);
  };
}
