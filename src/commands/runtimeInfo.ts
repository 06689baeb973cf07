// "Treeformer: Show Native Runtime Info": loads the native runtime and reports
// what it found, or why it could not load.
import * as vscode from 'vscode';
import { loadRuntime } from '../engine/runtime';
import type { TreeformerContext } from '../extension/context';

export interface RuntimeSummary {
  dir: string;
  ortVersion: string;
  providers: string[];
  cudaAvailable: boolean;
}

export function showRuntimeInfo(ctx: TreeformerContext) {
  return (): RuntimeSummary | undefined => {
    try {
      const runtime = loadRuntime(ctx.config.nativeDir);
      const summary = { dir: runtime.dir, ortVersion: runtime.ortVersion, providers: [...runtime.providers], cudaAvailable: runtime.cudaAvailable };
      ctx.log.info(`native runtime ${summary.dir}: ONNX Runtime ${summary.ortVersion}, providers ${summary.providers.join(', ')}`);
      const device = summary.cudaAvailable ? 'cuda available' : 'cpu only';
      void vscode.window.showInformationMessage(`Treeformer runtime ready: ONNX Runtime ${summary.ortVersion}, ${device}.`);
      return summary;
    } catch (err) {
      ctx.reportError(new Error(`Treeformer's native runtime could not load: ${err instanceof Error ? err.message : String(err)}`));
      return undefined;
    }
  };
}
