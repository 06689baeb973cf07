// One question, start to finish: open the engine, read the scope under a
// cancellable progress notification, keep the trace for the inspector, show
// the ranked answers, and reveal the one the user picks.
import * as vscode from 'vscode';
import type { AskResult } from '../engine/types';
import { pickAnswer } from './answerPicker';
import type { AskOutcome, TreeformerContext } from './context';
import { EngineLoadError } from './loadErrors';
import { withCancellableProgress } from './longWork';

export interface AskScope {
  kind: AskOutcome['scope'];
  /** For titles and messages, e.g. "notes.md" or "the workspace". */
  label: string;
  paths: string[];
  /** The document an answer's file belongs to. */
  uriOf(file: string): vscode.Uri;
}

export async function askAndReveal(ctx: TreeformerContext, scope: AskScope, question: string): Promise<AskOutcome | undefined> {
  let result: AskResult | undefined;
  try {
    result = await withCancellableProgress(`Treeformer: reading ${scope.label}`, ctx.status, async (signal, onProgress) => {
      const engine = await ctx.engine.engine();
      return engine.ask({ question, paths: scope.paths, topK: ctx.config.maxAnswers, ranker: ctx.config.ranker, signal, onProgress, trace: true });
    });
  } catch (err) {
    ctx.reportError(err instanceof EngineLoadError ? err : new Error(`Treeformer could not answer: ${err instanceof Error ? err.message : String(err)}`));
    return undefined;
  }
  if (!result) {
    ctx.log.info(`cancelled: "${question}"`);
    return undefined;
  }
  const { answers, stats, skipped, trace } = result;
  ctx.log.info(`"${question}" over ${scope.label}: ${answers.length} answers, ${stats.tokens} tokens in ${stats.windows} windows, ${stats.ms} ms`);
  for (const s of skipped) ctx.log.info(`skipped ${s.file}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}`);
  const outcome: AskOutcome = { question, scope: scope.kind, answers, stats, skipped, trace };
  ctx.recordAsk(outcome, trace && { question, trace, uri: scope.uriOf(trace.window.file) });

  if (answers.length === 0) {
    const skippedNote = skipped.length > 0 ? ` (${skipped.length} files skipped; see the log)` : '';
    void vscode.window.showInformationMessage(`Treeformer found no answer in ${scope.label}${skippedNote}.`);
    return outcome;
  }
  const picked = await pickAnswer(
    question,
    answers,
    (file) => vscode.workspace.asRelativePath(scope.uriOf(file)),
    () => ctx.answersShown(answers),
  );
  if (picked) {
    outcome.picked = picked;
    await ctx.highlighter.reveal({ uri: scope.uriOf(picked.file), startLine: picked.startLine, endLine: picked.endLine });
  }
  return outcome;
}
