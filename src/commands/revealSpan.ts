// Reveals an answer span; the target of the hover's link (a command URI, so
// its argument is checked before use). Any extension or trusted markdown can
// run the command, so it only opens files of the open workspace folders, the
// files of the last question's answers (a file asked about may lie outside
// the folders) and documents already open (a hover's definition in a window
// without folders is in the hovered document itself).
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
    if (!mayReveal(span.file, revealableNow(ctx))) {
      ctx.log.warn(`revealSpan: refused ${span.file}: not in the workspace nor a file Treeformer answered from`);
      return false;
    }
    await ctx.highlighter.reveal({ uri: vscode.Uri.file(span.file), startLine: span.startLine, endLine: span.endLine });
    return true;
  };
}

/** What may be revealed: files under `folders`, and exactly the `files`. */
export interface Revealable {
  folders: readonly string[];
  files: readonly string[];
}

function revealableNow(ctx: TreeformerContext): Revealable {
  const fileUris = (uris: readonly vscode.Uri[]) => uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath);
  const last = ctx.lastAsk;
  return {
    folders: fileUris((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)),
    files: [
      ...(last ? [...last.answers, ...(last.picked ? [last.picked] : [])].map((a) => a.file) : []),
      ...fileUris(vscode.workspace.textDocuments.map((d) => d.uri)),
    ],
  };
}

/**
 * Whether `file` (absolute) is one of `allowed.files` or lies inside one of
 * `allowed.folders`, after resolving `.` and `..`. Windows paths compare
 * without case (VS Code lower-cases drive letters). Pure, so it is
 * unit-tested without vscode; `paths` is the platform's path module.
 */
export function mayReveal(file: string, allowed: Revealable, paths: path.PlatformPath = path): boolean {
  if (!paths.isAbsolute(file) || file.includes('\0')) return false;
  const key = (p: string) => {
    const resolved = paths.resolve(p);
    return paths === path.win32 ? resolved.toLowerCase() : resolved;
  };
  const target = key(file);
  if (allowed.files.some((f) => paths.isAbsolute(f) && key(f) === target)) return true;
  return allowed.folders.some((folder) => {
    if (!paths.isAbsolute(folder)) return false;
    const relative = paths.relative(key(folder), target);
    return relative !== '' && relative !== '..' && !relative.startsWith(`..${paths.sep}`) && !paths.isAbsolute(relative);
  });
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
