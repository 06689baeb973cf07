// The attention trace for the inspector: where each question token and each
// document token of the best answer's read was routed, per layer and head.
import type { QuestionSide } from './model/inputs';
import type { TreeShape } from './model/runner';
import type { ReadContext } from './reader';
import type { AttentionTrace } from './types';
import type { Encoding } from './windows';

export function buildTrace(
  question: string,
  questionTokens: Encoding,
  side: QuestionSide,
  best: ReadContext,
  shape: TreeShape,
): AttentionTrace {
  const { content } = best.file;
  const w = { tokenStart: best.tokenStart, tokenEnd: best.tokenEnd, charStart: content.tokens.starts[best.tokenStart], charEnd: content.tokens.ends[best.tokenEnd - 1] };
  const g = side.ids.length;
  const qCount = side.questionTokens;
  const questionSide = Array.from({ length: qCount }, (_, i) => {
    const start = questionTokens.starts[i];
    const end = questionTokens.ends[i];
    return { text: question.slice(start, end), start, end };
  });
  const documentTokens = [];
  for (let k = w.tokenStart; k < w.tokenEnd; k++) {
    const start = content.tokens.starts[k];
    const end = content.tokens.ends[k];
    documentTokens.push({ text: content.text.slice(start, end), start, end, line: content.lines.lineOf(start) });
  }
  // Question tokens sit at positions 1..qCount (after [CLS]); document tokens from G on.
  const positions = [...Array.from({ length: qCount }, (_, i) => 1 + i), ...Array.from({ length: w.tokenEnd - w.tokenStart }, (_, i) => g + i)];
  const leafIds = Array.from({ length: shape.layers }, (_, layer) =>
    Array.from({ length: shape.heads }, (_, head) => {
      const row = (layer * shape.heads + head) * best.n;
      return positions.map((p) => best.leaves[row + p]);
    }),
  );
  return {
    layers: shape.layers,
    heads: shape.heads,
    leaves: shape.leaves,
    questionTokens: questionSide,
    window: { file: best.file.path, charStart: w.charStart, charEnd: w.charEnd },
    documentTokens,
    leafIds,
  };
}
