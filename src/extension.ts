// Extension entry point: only wiring. The context owns every resource; the
// commands, the hover provider and the API are built from it.
import * as vscode from 'vscode';
import { COMMANDS } from './commands';
import { openEngine } from './engine';
import { createApi, TreeformerApi } from './extension/api';
import { TreeformerContext } from './extension/context';
import { SpanHoverProvider } from './extension/hoverProvider';

export function activate(extension: vscode.ExtensionContext): TreeformerApi {
  const ctx = new TreeformerContext(extension, openEngine);
  extension.subscriptions.push(ctx);
  for (const [id, factory] of Object.entries(COMMANDS)) ctx.push(vscode.commands.registerCommand(id, factory(ctx)));
  const hover = new SpanHoverProvider(ctx);
  ctx.push(hover, vscode.languages.registerHoverProvider({ scheme: 'file' }, hover));
  return createApi(ctx);
}
