// Opens a file at an answer (or a token of the inspector), puts the cursor on
// it, scrolls it into view and highlights it until the next reveal or an edit.
import * as vscode from 'vscode';

export type SpanTarget =
  /** 1-based inclusive lines, as the engine reports answers. */
  | { uri: vscode.Uri; startLine: number; endLine: number }
  /** Character offsets into the file's text, as the engine reports tokens. */
  | { uri: vscode.Uri; start: number; end: number };

export interface HighlightedSpan {
  uri: vscode.Uri;
  range: vscode.Range;
}

export class SpanHighlighter implements vscode.Disposable {
  private readonly decoration = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('treeformer.answerHighlightBackground'),
    overviewRulerColor: new vscode.ThemeColor('treeformer.answerHighlightBackground'),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
    isWholeLine: false,
  });
  private highlighted: { editor: vscode.TextEditor; span: HighlightedSpan } | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.highlighted?.span.uri.toString() === e.document.uri.toString()) this.clear();
      }),
    );
  }

  get current(): HighlightedSpan | undefined {
    return this.highlighted?.span;
  }

  /** `column`: where to open it; the active editor group when absent. */
  async reveal(target: SpanTarget, column?: vscode.ViewColumn): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument(target.uri);
    const range = rangeOf(document, target);
    const editor = await vscode.window.showTextDocument(document, {
      viewColumn: column,
      preview: true,
      selection: new vscode.Range(range.start, range.start),
    });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.clear();
    editor.setDecorations(this.decoration, [range]);
    this.highlighted = { editor, span: { uri: document.uri, range } };
    return editor;
  }

  clear(): void {
    this.highlighted?.editor.setDecorations(this.decoration, []);
    this.highlighted = undefined;
  }

  dispose(): void {
    this.decoration.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** The target as a range of the document, clamped to what the document holds. */
function rangeOf(document: vscode.TextDocument, target: SpanTarget): vscode.Range {
  if ('start' in target) {
    const start = document.positionAt(target.start);
    return new vscode.Range(start, document.positionAt(Math.max(target.start, target.end)));
  }
  const last = document.lineCount - 1;
  const startLine = clamp(target.startLine - 1, 0, last);
  const endLine = clamp(target.endLine - 1, startLine, last);
  return new vscode.Range(startLine, 0, endLine, document.lineAt(endLine).text.length);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
