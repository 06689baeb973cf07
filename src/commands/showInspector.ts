// "Treeformer: Show Attention Inspector": the last question's routing.
import type { TreeformerContext } from '../extension/context';

export function showInspector(ctx: TreeformerContext) {
  return (): void => ctx.inspector.show();
}
