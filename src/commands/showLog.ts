// "Treeformer: Show Log" (also the status-bar item's click).
import type { TreeformerContext } from '../extension/context';

export function showLog(ctx: TreeformerContext) {
  return (): void => ctx.log.show(true);
}
