// The ONNX model as a ranker. The engine (QaEngine, DESIGN.md §8) reads files,
// so documents go through a scratch folder and answers are mapped back.
import { openEngine } from '../engine';
import type { QaEngine } from '../engine/types';
import { Answer, Ranker, RankerDocument } from './ranker';
import { writeDocuments } from './tempDocuments';

export class EngineRanker implements Ranker {
  constructor(private readonly engine: QaEngine, readonly name = 'model') {}

  async rank(question: string, documents: RankerDocument[], topK: number, signal?: AbortSignal): Promise<Answer[]> {
    const written = writeDocuments(documents);
    try {
      const result = await this.engine.ask({ question, paths: written.paths, topK, signal });
      return result.answers.slice(0, topK).map((answer) => ({ ...answer, file: written.fileOf(answer.file) ?? answer.file }));
    } finally {
      written.dispose();
    }
  }

  dispose(): Promise<void> {
    return this.engine.dispose();
  }
}

/** `--model`: the ONNX model read through the QA engine, on the CPU (threads: 0 = every core). */
export async function openModelRanker(modelPath: string, threads = 0): Promise<Ranker> {
  return new EngineRanker(await openEngine({ modelPath, device: 'cpu', threads }));
}
