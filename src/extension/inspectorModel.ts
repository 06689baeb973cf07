// Turns the engine's AttentionTrace into what the inspector webview draws:
// per layer and head, the leaf of every question and document token, the
// leaf occupancy, and each leaf's root-to-leaf path. No vscode import, so it
// is unit-tested under plain Node; the webview only lays it out.
import type { AttentionTrace } from '../engine/types';

export interface PathStep {
  /** Breadth-first node index (children of n are 2n+1, 2n+2; leaf l is node 2^depth - 1 + l). */
  node: number;
  /** The branch taken from this node; absent on the leaf itself. */
  branch?: 'left' | 'right';
}

export interface HeadView {
  /** Leaf of each question token; -1 for padding. */
  questionLeaves: number[];
  /** Leaf of each document token; -1 for padding. */
  documentLeaves: number[];
  /** Document tokens per leaf. */
  occupancy: number[];
}

export interface InspectorView {
  question: string;
  source: { file: string; label: string; startLine: number; endLine: number };
  layers: number;
  heads: number;
  leaves: number;
  depth: number;
  questionTokens: string[];
  documentTokens: { text: string; line: number }[];
  /** cells[layer][head]. */
  cells: HeadView[][];
  /** paths[leaf]: root to leaf. */
  paths: PathStep[][];
}

export class TraceShapeError extends Error {
  constructor(message: string) {
    super(`attention trace: ${message}`);
    this.name = 'TraceShapeError';
  }
}

export function buildInspectorView(question: string, trace: AttentionTrace, label: string): InspectorView {
  const depth = depthOf(trace.leaves);
  const questionCount = trace.questionTokens.length;
  const documentCount = trace.documentTokens.length;
  checkShape(trace, questionCount + documentCount);
  const cells = trace.leafIds.map((layer) =>
    layer.map((leafIds): HeadView => {
      const questionLeaves = leafIds.slice(0, questionCount).map((l) => validLeaf(l, trace.leaves));
      const documentLeaves = leafIds.slice(questionCount).map((l) => validLeaf(l, trace.leaves));
      const occupancy = new Array<number>(trace.leaves).fill(0);
      for (const leaf of documentLeaves) if (leaf >= 0) occupancy[leaf]++;
      return { questionLeaves, documentLeaves, occupancy };
    }),
  );
  const lines = trace.documentTokens.map((t) => t.line);
  return {
    question,
    source: {
      file: trace.window.file,
      label,
      startLine: lines.reduce((a, b) => Math.min(a, b), lines[0] ?? 0),
      endLine: lines.reduce((a, b) => Math.max(a, b), lines[0] ?? 0),
    },
    layers: trace.layers,
    heads: trace.heads,
    leaves: trace.leaves,
    depth,
    questionTokens: trace.questionTokens.map((t) => t.text),
    documentTokens: trace.documentTokens.map((t) => ({ text: t.text, line: t.line })),
    cells,
    paths: Array.from({ length: trace.leaves }, (_, leaf) => rootToLeafPath(leaf, depth)),
  };
}

/** Nodes from the root to leaf `leaf` of a complete tree of `depth` levels of splits. */
export function rootToLeafPath(leaf: number, depth: number): PathStep[] {
  const internalNodes = 2 ** depth - 1;
  const steps: PathStep[] = [{ node: internalNodes + leaf }];
  for (let node = internalNodes + leaf; node > 0; ) {
    const parent = (node - 1) >> 1;
    steps.unshift({ node: parent, branch: node === 2 * parent + 1 ? 'left' : 'right' });
    node = parent;
  }
  return steps;
}

function depthOf(leaves: number): number {
  const depth = Math.log2(leaves);
  if (!Number.isInteger(depth) || depth < 0) throw new TraceShapeError(`leaves = ${leaves} is not a power of two`);
  return depth;
}

function checkShape(trace: AttentionTrace, tokens: number): void {
  if (trace.leafIds.length !== trace.layers) {
    throw new TraceShapeError(`leafIds has ${trace.leafIds.length} layers, expected ${trace.layers}`);
  }
  trace.leafIds.forEach((layer, l) => {
    if (layer.length !== trace.heads) throw new TraceShapeError(`layer ${l} has ${layer.length} heads, expected ${trace.heads}`);
    layer.forEach((ids, h) => {
      if (ids.length !== tokens) {
        throw new TraceShapeError(`layer ${l} head ${h} has ${ids.length} leaf ids, expected ${tokens} (question + document tokens)`);
      }
    });
  });
}

function validLeaf(leaf: number, leaves: number): number {
  if (leaf === -1) return -1;
  if (!Number.isInteger(leaf) || leaf < 0 || leaf >= leaves) throw new TraceShapeError(`leaf id ${leaf} outside [0, ${leaves})`);
  return leaf;
}
