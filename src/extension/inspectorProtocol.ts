// Messages between the inspector webview (media/inspector.js) and the
// extension. Whatever the webview sends is checked before it is used.
import type { InspectorView } from './inspectorModel';

export type HostToWebview = { type: 'trace'; view: InspectorView } | { type: 'empty'; message: string };

export type WebviewToHost =
  /** The page loaded and wants the current trace. */
  | { type: 'ready' }
  /** The user clicked document token `token` (an index into view.documentTokens). */
  | { type: 'reveal'; token: number }
  /** What the page drew, so the host (and its tests) can see the real DOM's result. */
  | { type: 'rendered'; report: RenderReport };

export interface RenderReport {
  questionTokens: number;
  /** Leaf cells in the token × layer × head grid. */
  leafCells: number;
  /** Selected cell, as "token/layer/head". */
  selection: string;
  /** Document tokens sharing the selected cell's leaf. */
  sharedTokens: number;
  /** textContent of the window's text as drawn (first 20k characters). */
  documentText: string;
  /** <script> elements inside the drawn content (the page's own scripts sit outside it). */
  scripts: number;
  /** Elements inside the window text other than the inspector's own <mark>s. */
  foreignElements: number;
}

export function parseWebviewMessage(raw: unknown): WebviewToHost | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
      return { type: 'ready' };
    case 'reveal':
      return Number.isInteger(message.token) && (message.token as number) >= 0
        ? { type: 'reveal', token: message.token as number }
        : undefined;
    case 'rendered':
      return isRenderReport(message.report) ? { type: 'rendered', report: message.report } : undefined;
    default:
      return undefined;
  }
}

function isRenderReport(value: unknown): value is RenderReport {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    Number.isInteger(r.questionTokens) &&
    Number.isInteger(r.leafCells) &&
    typeof r.selection === 'string' &&
    Number.isInteger(r.sharedTokens) &&
    typeof r.documentText === 'string' &&
    Number.isInteger(r.scripts) &&
    Number.isInteger(r.foreignElements)
  );
}
