// Hover: on a symbol, its definition elsewhere in the workspace (the doc
// comment and the definition line) with a link that reveals it. The logic lives in HoverResolver; this
// adapts it to VS Code and formats the result.
import * as path from 'path';
import * as vscode from 'vscode';
import type { TreeformerContext } from './context';
import { HoverFinding, HoverResolver } from './hoverResolver';
import { formatScore } from './answerItems';

/** Lines shown: the definition line, the doc lines above it, and a few of its body. */
const DOC_LINES_ABOVE = 10;
const BODY_LINES_BELOW = 3;

export class SpanHoverProvider implements vscode.HoverProvider, vscode.Disposable {
  private readonly resolver: HoverResolver;
  private lastLoggedFailure: string | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: TreeformerContext) {
    this.resolver = new HoverResolver(
      async (request) => (await ctx.engine.engine()).definitions(request),
      () => ctx.config.hoverDelayMs,
    );
    this.subscription = vscode.workspace.onDidCloseTextDocument((d) => this.resolver.forget(d.uri.toString()));
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    // Off by setting, and in Restricted Mode: a hover reads the workspace without being asked.
    if (!this.ctx.config.hoverEnabled || !vscode.workspace.isTrusted || document.uri.scheme !== 'file') return undefined;
    const range = document.getWordRangeAtPosition(position);
    if (!range) return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    try {
      const finding = await this.resolver.resolve(
        {
          documentKey: document.uri.toString(),
          version: document.version,
          file: document.uri.fsPath,
          line: position.line + 1,
          lineText: document.lineAt(position.line).text,
          word: document.getText(range),
          paths: [folder ? folder.uri.fsPath : document.uri.fsPath],
        },
        token,
      );
      return finding && new vscode.Hover(this.markdown(finding, document), range);
    } catch (err) {
      // Hovers never raise dialogs; the status bar already shows a failed model.
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.lastLoggedFailure) this.ctx.log.warn(`hover: ${message}`);
      this.lastLoggedFailure = message;
      return undefined;
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private markdown({ answer }: HoverFinding, document: vscode.TextDocument): vscode.MarkdownString {
    const target = vscode.Uri.file(answer.file);
    const lines = answer.endLine > answer.startLine ? `${answer.startLine}-${answer.endLine}` : `${answer.startLine}`;
    // encodeURIComponent leaves ( and ), which end a markdown link target.
    const args = encodeURIComponent(JSON.stringify([{ file: answer.file, startLine: answer.startLine, endLine: answer.endLine }]))
      .replace(/\(/g, '%28')
      .replace(/\)/g, '%29');
    const markdown = new vscode.MarkdownString();
    markdown.isTrusted = { enabledCommands: ['treeformer.revealSpan'] };
    markdown.appendMarkdown(`**Treeformer** · [${escapeMarkdown(`${vscode.workspace.asRelativePath(target)}:${lines}`)}](command:treeformer.revealSpan?${args} "Reveal the span")`);
    markdown.appendMarkdown(` · score ${formatScore(answer.score)}\n`);
    const first = Math.max(answer.startLine, answer.definitionLine - DOC_LINES_ABOVE);
    const last = Math.min(answer.endLine, answer.definitionLine + BODY_LINES_BELOW);
    const snippet = answer.text.split(/\r?\n/).slice(first - answer.startLine, last - answer.startLine + 1).join('\n');
    markdown.appendCodeblock(snippet, sameExtension(target, document.uri) ? document.languageId : '');
    return markdown;
  }
}

function sameExtension(a: vscode.Uri, b: vscode.Uri): boolean {
  return path.extname(a.path) === path.extname(b.path);
}

/** File names may hold markdown syntax; show them literally. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
