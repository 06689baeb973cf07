// Hosts the attention inspector webview: one panel, strict CSP with a nonce,
// resources from media/ only, and a checked message channel both ways.
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import type { AttentionTrace } from '../engine/types';
import { buildInspectorView } from './inspectorModel';
import { HostToWebview, parseWebviewMessage, WebviewToHost } from './inspectorProtocol';
import type { SpanHighlighter } from './spanHighlighter';

/** The last question's trace, with the document its window came from. */
export interface InspectedAsk {
  question: string;
  trace: AttentionTrace;
  /** The document of trace.window.file (a snapshot file maps back to its editor). */
  uri: vscode.Uri;
}

const EMPTY_MESSAGE = 'No question asked yet. Run "Treeformer: Ask About the Current File" or "Ask About the Workspace", then come back.';

export class InspectorPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private inspected: InspectedAsk | undefined;
  private readonly messageEmitter = new vscode.EventEmitter<WebviewToHost>();
  /** Every valid message the page sent (tests watch the page's render reports). */
  readonly onDidReceiveMessage = this.messageEmitter.event;

  constructor(
    private readonly mediaRoot: vscode.Uri,
    private readonly highlighter: SpanHighlighter,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, false);
      return;
    }
    const panel = vscode.window.createWebviewPanel('treeformer.inspector', 'Treeformer: Attention Inspector', vscode.ViewColumn.Beside, {
      enableScripts: true,
      enableForms: false,
      localResourceRoots: [this.mediaRoot],
    });
    panel.webview.html = this.html(panel.webview);
    panel.webview.onDidReceiveMessage((raw) => this.receive(raw));
    panel.onDidDispose(() => {
      this.panel = undefined;
    });
    this.panel = panel;
  }

  /** Shows `inspected` now if the panel is open, else when it opens. */
  setInspected(inspected: InspectedAsk | undefined): void {
    this.inspected = inspected;
    this.post();
  }

  dispose(): void {
    this.panel?.dispose();
    this.messageEmitter.dispose();
  }

  private post(): void {
    if (!this.panel) return;
    let message: HostToWebview;
    try {
      message = this.inspected
        ? { type: 'trace', view: buildInspectorView(this.inspected.question, this.inspected.trace, vscode.workspace.asRelativePath(this.inspected.uri)) }
        : { type: 'empty', message: EMPTY_MESSAGE };
    } catch (err) {
      this.log.error(`inspector: ${err instanceof Error ? err.message : String(err)}`);
      message = { type: 'empty', message: 'The last answer came with an attention trace the inspector cannot read; see the Treeformer log.' };
    }
    void this.panel.webview.postMessage(message);
  }

  private receive(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.log.warn(`inspector: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (message.type === 'ready') this.post();
    if (message.type === 'reveal') void this.reveal(message.token);
    this.messageEmitter.fire(message);
  }

  private async reveal(index: number): Promise<void> {
    const token = this.inspected?.trace.documentTokens[index];
    if (!this.inspected || !token) return;
    try {
      await this.highlighter.reveal({ uri: this.inspected.uri, start: token.start, end: token.end }, this.editorColumn());
    } catch (err) {
      this.log.error(`inspector: cannot reveal ${this.inspected.uri.toString()}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** A text editor's group other than the inspector's own, so revealing text keeps the inspector in view. */
  private editorColumn(): vscode.ViewColumn {
    const own = this.panel?.viewColumn;
    const other = vscode.window.visibleTextEditors.find((e) => e.viewColumn !== undefined && e.viewColumn !== own);
    if (other?.viewColumn) return other.viewColumn;
    return own === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
  }

  private html(webview: vscode.Webview): string {
    const nonce = crypto.randomBytes(18).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'inspector.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'inspector.css'));
    const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Treeformer: Attention Inspector</title>
</head>
<body>
<main id="app" aria-live="polite"></main>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }
}
