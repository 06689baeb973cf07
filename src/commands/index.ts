// Every command the extension contributes, by id: each a factory that takes
// the context and returns the handler.
import type { TreeformerContext } from '../extension/context';
import { askCurrentFile } from './askCurrentFile';
import { askWorkspace } from './askWorkspace';
import { rebuildIndex } from './rebuildIndex';
import { revealSpan } from './revealSpan';
import { showInspector } from './showInspector';
import { showLog } from './showLog';
import { showRuntimeInfo } from './runtimeInfo';

export const COMMANDS: Record<string, (ctx: TreeformerContext) => (...args: never[]) => unknown> = {
  'treeformer.askCurrentFile': askCurrentFile,
  'treeformer.askWorkspace': askWorkspace,
  'treeformer.showInspector': showInspector,
  'treeformer.rebuildIndex': rebuildIndex,
  'treeformer.showRuntimeInfo': showRuntimeInfo,
  'treeformer.showLog': showLog,
  'treeformer.revealSpan': revealSpan,
};
