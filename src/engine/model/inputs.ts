// The model's input layout (DESIGN §6 and the model card):
//   [CLS] question [SEP] PAD… | document window
//   '------ G positions ------'
// Question-side PADs have mask 0; the question is truncated to fit G − 2.
import { SPECIAL } from '../tokenizer';

export interface QuestionSide {
  /** Exactly G ids. */
  ids: Int32Array;
  /** Question tokens kept (the side holds CLS, these, SEP, then PADs). */
  questionTokens: number;
}

export function questionSide(questionIds: ArrayLike<number>, length: number): QuestionSide {
  if (length < 2) throw new RangeError(`the question side needs at least 2 positions, got ${length}`);
  const kept = Math.min(questionIds.length, length - 2);
  const ids = new Int32Array(length).fill(SPECIAL.PAD);
  ids[0] = SPECIAL.CLS;
  for (let i = 0; i < kept; i++) ids[1 + i] = questionIds[i];
  ids[1 + kept] = SPECIAL.SEP;
  return { ids, questionTokens: kept };
}

/** int64 [1, N] tensors' data. */
export interface ModelInput {
  inputIds: BigInt64Array;
  segmentIds: BigInt64Array;
  attentionMask: BigInt64Array;
}

/** Document tokens [from, to) of `documentIds` go to positions G, G+1, … */
export function buildInput(side: QuestionSide, documentIds: ArrayLike<number>, from: number, to: number): ModelInput {
  const g = side.ids.length;
  const n = g + (to - from);
  const inputIds = new BigInt64Array(n);
  const segmentIds = new BigInt64Array(n);
  const attentionMask = new BigInt64Array(n);
  const validQuestionSide = side.questionTokens + 2;
  for (let i = 0; i < g; i++) {
    inputIds[i] = BigInt(side.ids[i]);
    attentionMask[i] = i < validQuestionSide ? 1n : 0n;
  }
  for (let k = from; k < to; k++) {
    const i = g + (k - from);
    inputIds[i] = BigInt(documentIds[k]);
    segmentIds[i] = 1n;
    attentionMask[i] = 1n;
  }
  return { inputIds, segmentIds, attentionMask };
}
