// The question input box, prefilled with the editor's selection.
import * as vscode from 'vscode';

const MAX_PREFILL_CHARS = 500;

export async function promptQuestion(scopeLabel: string, editor: vscode.TextEditor | undefined): Promise<string | undefined> {
  const question = await vscode.window.showInputBox({
    title: `Treeformer: ask about ${scopeLabel}`,
    prompt: 'Your question; answers are ranked spans of the text.',
    placeHolder: 'e.g. where is the cache invalidated?',
    value: selectionText(editor),
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() === '' ? 'Type a question.' : undefined),
  });
  const trimmed = question?.trim();
  return trimmed ? trimmed : undefined;
}

/** The primary selection on one line, or '' when nothing is selected. */
function selectionText(editor: vscode.TextEditor | undefined): string {
  if (!editor || editor.selection.isEmpty) return '';
  return editor.document.getText(editor.selection).replace(/\s+/g, ' ').trim().slice(0, MAX_PREFILL_CHARS);
}
