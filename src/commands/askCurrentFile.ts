// "Treeformer: Ask About the Current File".
import * as path from 'path';
import * as vscode from 'vscode';
import { askAndReveal } from '../extension/askFlow';
import type { AskOutcome, TreeformerContext } from '../extension/context';
import { sourceOf } from '../extension/documentSnapshot';
import { promptQuestion } from '../extension/questionInput';

/** `question` skips the input box (for keybindings and scripts). */
export function askCurrentFile(ctx: TreeformerContext) {
  return async (question?: string): Promise<AskOutcome | undefined> => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Treeformer: open a file to ask about it.');
      return undefined;
    }
    const label = path.basename(editor.document.uri.path) || editor.document.uri.toString();
    const asked = typeof question === 'string' && question.trim() ? question.trim() : await promptQuestion(label, editor);
    if (!asked) return undefined;
    const source = await sourceOf(editor.document, ctx.snapshotDir);
    return askAndReveal(ctx, { kind: 'file', label, paths: [source.file], uriOf: source.uriOf }, asked);
  };
}
