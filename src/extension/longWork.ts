// Long work (answering, indexing) runs under a cancellable progress
// notification that also drives the status bar; Cancel aborts the engine.
import * as path from 'path';
import * as vscode from 'vscode';
import { isAbortError } from '../engine';
import type { Progress } from '../engine/types';
import type { StatusBar } from './statusBar';

const PHASES: Record<Progress['phase'], string> = {
  discover: 'finding files',
  tokenize: 'tokenizing',
  chunk: 'parsing',
  index: 'indexing',
  read: 'reading',
};

export type Work<T> = (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<T>;

/** Runs `work`; resolves undefined when the user cancelled it. */
export async function withCancellableProgress<T>(title: string, status: StatusBar, work: Work<T>): Promise<T | undefined> {
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        try {
          return await work(controller.signal, (p) => {
            const percent = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : 0;
            progress.report({ message: describeProgress(p), increment: Math.max(0, percent - reported) });
            reported = Math.max(reported, percent);
            status.setProgress(`${PHASES[p.phase]} ${Math.round(percent)}%`);
          });
        } finally {
          subscription.dispose();
          status.setProgress(undefined);
        }
      },
    );
  } catch (err) {
    if (isAbortError(err)) return undefined;
    throw err;
  }
}

export function describeProgress(p: Progress): string {
  const counts = p.total > 0 ? ` ${p.done}/${p.total}` : '';
  return `${PHASES[p.phase]}${counts}${p.file ? ` · ${path.basename(p.file)}` : ''}`;
}
