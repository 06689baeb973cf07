// What the evaluation harness asks of a ranker: documents in, ranked answer
// spans out, in the shape of the CLI's JSON answers (DESIGN.md §8).
import type { Answer } from '../engine/types';

export type { Answer };

/** A document handed to a ranker: `file` is how answers refer back to it. */
export interface RankerDocument {
  file: string;
  text: string;
}

export interface Ranker {
  /** Names the results folder (models/eval/<name>-<split>); keep it file-name safe. */
  readonly name: string;
  /** Answers ranked best first, at most `topK`; lines are 1-based and inclusive. */
  rank(question: string, documents: RankerDocument[], topK: number, signal?: AbortSignal): Promise<Answer[]>;
  /** Frees what the ranker holds (a model session); called once, after the last rank. */
  dispose?(): Promise<void>;
}
