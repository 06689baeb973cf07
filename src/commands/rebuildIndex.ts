// "Treeformer: Rebuild Workspace Index": drops the cached index and builds it
// again from every workspace folder, with progress and cancel.
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { IndexStats } from '../engine/types';
import type { TreeformerContext } from '../extension/context';
import { EngineLoadError } from '../extension/loadErrors';
import { withCancellableProgress } from '../extension/longWork';

export function rebuildIndex(ctx: TreeformerContext) {
  return async (): Promise<IndexStats | undefined> => {
    const folders = vscode.workspace.workspaceFolders?.filter((f) => f.uri.scheme === 'file') ?? [];
    if (folders.length === 0) {
      void vscode.window.showInformationMessage('Treeformer: open a folder to index it.');
      return undefined;
    }
    let stats: IndexStats | undefined;
    try {
      // The engine holds the cache open: close it before deleting the folder.
      await ctx.engine.reset();
      if (ctx.indexDir) await fs.promises.rm(ctx.indexDir, { recursive: true, force: true });
      stats = await withCancellableProgress('Treeformer: indexing the workspace', ctx.status, async (signal, onProgress) => {
        const engine = await ctx.engine.engine();
        return engine.buildIndex(
          folders.map((f) => f.uri.fsPath),
          { signal, onProgress },
        );
      });
    } catch (err) {
      ctx.reportError(err instanceof EngineLoadError ? err : new Error(`Treeformer could not index the workspace: ${err instanceof Error ? err.message : String(err)}`));
      return undefined;
    }
    if (!stats) {
      ctx.log.info('indexing cancelled');
      return undefined;
    }
    const summary = `${stats.files} files, ${stats.tokens} tokens in ${stats.windows} windows, ${(stats.ms / 1000).toFixed(1)} s`;
    ctx.log.info(`index rebuilt: ${summary}; ${stats.skipped.length} skipped`);
    for (const s of stats.skipped) ctx.log.info(`skipped ${s.file}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}`);
    void vscode.window.showInformationMessage(`Treeformer indexed ${summary}${stats.skipped.length ? ` (${stats.skipped.length} skipped)` : ''}.`);
    return stats;
  };
}
