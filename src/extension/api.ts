// What activate() returns: a read-mostly view of the extension for other
// extensions and for the extension-host tests.
import * as vscode from 'vscode';
import type { Answer } from '../engine/types';
import type { AskOutcome, TreeformerContext } from './context';
import type { WebviewToHost } from './inspectorProtocol';
import type { HighlightedSpan } from './spanHighlighter';
import type { StatusSnapshot } from './statusBar';

export interface TreeformerApi {
  status(): StatusSnapshot;
  readonly onDidChangeStatus: vscode.Event<StatusSnapshot>;
  /** Every error message shown to the user. */
  readonly onDidReportError: vscode.Event<string>;
  /** The answers quick pick is on screen. */
  readonly onDidShowAnswers: vscode.Event<readonly Answer[]>;
  /** Messages from the inspector page, including its render reports. */
  readonly onDidReceiveInspectorMessage: vscode.Event<WebviewToHost>;
  lastAsk(): AskOutcome | undefined;
  highlightedSpan(): HighlightedSpan | undefined;
}

export function createApi(ctx: TreeformerContext): TreeformerApi {
  return {
    status: () => ctx.status.snapshot(),
    onDidChangeStatus: ctx.status.onDidChange,
    onDidReportError: ctx.onDidReportError,
    onDidShowAnswers: ctx.onDidShowAnswers,
    onDidReceiveInspectorMessage: ctx.inspector.onDidReceiveMessage,
    lastAsk: () => ctx.lastAsk,
    highlightedSpan: () => ctx.highlighter.current,
  };
}
