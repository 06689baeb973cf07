// Reveals an answer span; the target of the hover's link (a command URI, so
// its argument is checked before use).
import * as path from 'path';
import * as vscode from 'vscode';
import type { TreeformerContext } from '../extension/context';

export function revealSpan(ctx: TreeformerContext) {
  return async (target: unknown): Promise<boolean> => {
    const span = asSpan(target);
    if (!span) {
      ctx.log.warn(`revealSpan: ignored a malformed target ${JSON.stringify(target)?.slice(0, 200)}`);
      return false;
    }
    await ctx.highlighter.reveal({ uri: vscode.Uri.file(span.file), startLine: span.startLine, endLine: span.endLine });
    return true;
  };
}

function asSpan(value: unknown): { file: string; startLine: number; endLine: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { file, startLine, endLine } = value as Record<string, unknown>;
  if (typeof file !== 'string' || !path.isAbsolute(file)) return undefined;
  if (!Number.isInteger(startLine) || !Number.isInteger(endLine) || (startLine as number) < 1 || (endLine as number) < (startLine as number)) {
    return undefined;
  }
  return { file, startLine: startLine as number, endLine: endLine as number };
}
