// The ONNX model as a ranker. The engine (QaEngine, DESIGN.md §8) reads files,
// so documents go through a scratch folder and answers are mapped back.
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

export class ModelNotAvailableError extends Error {
  constructor(modelPath: string) {
    super(
      `--model ${modelPath}: the ONNX question-answering engine is not available yet ` +
        '(src/engine has no openEngine); evaluate --ranker bm25 or --ranker-cmd "<command>" instead',
    );
    this.name = 'ModelNotAvailableError';
  }
}

/**
 * The extension point for `--model`: once src/engine/index.ts exports
 * openEngine(options: EngineOptions), this returns
 * new EngineRanker(await openEngine({ modelPath, device: 'cpu' })).
 */
export async function openModelRanker(modelPath: string): Promise<Ranker> {
  throw new ModelNotAvailableError(modelPath);
}
