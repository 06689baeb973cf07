// Opens the engine from a model file: card, vocabulary, native session and
// (when a cache folder is given) the on-disk workspace index.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { EngineError } from './errors';
import { ENTRY_FORMAT } from './index/entryCodec';
import { EntryStore } from './index/entryStore';
import { ModelCard, readModelCard } from './model/card';
import { buildInput, questionSide } from './model/inputs';
import { SessionRunner } from './model/runner';
import { Engine } from './qaEngine';
import { loadRuntime, ModelLoadError, openModel } from './runtime';
import { SPECIAL, WorkerTokenizer } from './tokenizer';
import type { EngineOptions } from './types';
import { WINDOW_SIZE, WINDOW_STRIDE, WindowShape } from './windows';


export async function openEngine(options: EngineOptions): Promise<Engine> {
  const modelPath = path.resolve(options.modelPath);
  if (!fs.existsSync(modelPath)) {
    throw new EngineError('model-missing', `model not found: ${modelPath} (train and export it, or give another model)`);
  }
  const card = readModelCard(modelPath);
  const tokenizer = await loadTokenizer(options.vocabPath ? path.resolve(options.vocabPath) : card.vocabPath, card);
  try {
    return await openWithTokenizer(options, modelPath, card, tokenizer);
  } catch (err) {
    await tokenizer.dispose();
    throw err;
  }
}

async function openWithTokenizer(options: EngineOptions, modelPath: string, card: ModelCard, tokenizer: WorkerTokenizer): Promise<Engine> {
  const modelBytes = await fs.promises.readFile(modelPath);
  if (modelBytes.length === 0) throw new EngineError('model-invalid', `model file is empty: ${modelPath}`);
  if (card.modelSha256 && createHash('sha256').update(modelBytes).digest('hex') !== card.modelSha256) {
    throw new EngineError('model-invalid', `${card.file} describes another model than ${modelPath} (its model_sha256 differs): the model is corrupt or the card is stale; export them together`);
  }
  const device = options.device ?? 'auto';
  if (device === 'cuda' && !loadRuntime(options.nativeDir).cudaAvailable) {
    throw new EngineError('device-unavailable', "device 'cuda' was asked for, but ONNX Runtime's CUDA execution provider is not installed");
  }
  let opened;
  try {
    opened = await openModel(modelBytes, { device, nativeDir: options.nativeDir, intraOpThreads: options.threads });
  } catch (err) {
    if (err instanceof ModelLoadError) throw new EngineError('model-invalid', `${modelPath}: ${err.message}`);
    throw err;
  }
  const shape = { layers: card.layers, heads: card.heads, leaves: 2 ** card.treeDepth };
  const runner = new SessionRunner(opened.session, shape, modelPath, card.outputs.includes('relevance_logit'), card.outputs.includes('relevance_evidence'));
  try {
    await probe(runner, card);
  } catch (err) {
    await runner.dispose();
    throw err;
  }
  const windowShape = windowShapeFor(card);
  let store: EntryStore | undefined;
  if (options.cacheDir) {
    store = new EntryStore(path.join(path.resolve(options.cacheDir), cacheKey(modelBytes, card, windowShape)));
    await store.open();
  }
  return new Engine({
    runner,
    tokenizer,
    device: opened.device,
    questionLength: card.questionLength,
    windowShape,
    readTokens: Math.min(card.readTokens, card.maxWindow - card.questionLength),
    chunkTopTokens: card.chunkTopTokens,
    fusion: card.fusion,
    store,
    discovery: { include: options.include, exclude: options.exclude, maxFileBytes: options.maxFileBytes },
    maxScopeTokens: options.maxScopeTokens,
  });
}

/** The tokenizer in its worker thread, checked against the card. */
async function loadTokenizer(vocabPath: string, card: ModelCard): Promise<WorkerTokenizer> {
  if (!fs.existsSync(vocabPath)) {
    throw new EngineError('vocabulary-missing', `vocabulary not found: ${vocabPath} (named by ${card.file})`);
  }
  let tokenizer: WorkerTokenizer;
  try {
    tokenizer = await WorkerTokenizer.open({ vocabPath });
  } catch (err) {
    throw new EngineError('vocabulary-invalid', `vocabulary ${vocabPath}: ${(err as Error).message}`);
  }
  let problem: string | undefined;
  if (tokenizer.version !== card.vocabVersion) {
    problem = `vocabulary ${vocabPath} is version '${tokenizer.version}', but the model was trained with '${card.vocabVersion}'`;
  } else if (tokenizer.vocabSize > card.vocabSize) {
    problem = `vocabulary ${vocabPath} has ${tokenizer.vocabSize} ids, the model only ${card.vocabSize}`;
  }
  if (problem) {
    await tokenizer.dispose();
    throw new EngineError('vocabulary-invalid', problem);
  }
  return tokenizer;
}

/** The standard windows, shrunk when the model's maximum input cannot hold them. */
export function windowShapeFor(card: Pick<ModelCard, 'maxWindow' | 'questionLength'>): WindowShape {
  const room = card.maxWindow - card.questionLength;
  if (room < 1) throw new EngineError('model-invalid', `max_window ${card.maxWindow} leaves no room after the question side (${card.questionLength})`);
  if (room >= WINDOW_SIZE) return { size: WINDOW_SIZE, stride: WINDOW_STRIDE };
  return { size: room, stride: Math.max(1, Math.floor((room * WINDOW_STRIDE) / WINDOW_SIZE)) };
}

/** Index entries are only valid for one model, vocabulary, window shape and entry format. */
/**
 * One tiny run before the first question: a card whose layers or heads do not
 * match the graph, or weights that give non-finite logits, fail here with
 * the runner's model-invalid error instead of changing answers quietly.
 */
async function probe(runner: SessionRunner, card: ModelCard): Promise<void> {
  const side = questionSide([SPECIAL.SEP + 1], card.questionLength);
  await runner.run(buildInput(side, [SPECIAL.SEP + 1, SPECIAL.SEP + 2], 0, 2), true);
}

function cacheKey(modelBytes: Buffer, card: ModelCard, windows: WindowShape): string {
  const hash = createHash('sha256')
    .update(modelBytes)
    // Entries written without a leaf weight hold empty leaf bags: never mix them with routed ones.
    .update(JSON.stringify({ vocab: card.vocabVersion, windows, format: ENTRY_FORMAT, routed: (card.fusion?.leaves ?? 0) !== 0 }))
    .digest('hex');
  return `model-${hash.slice(0, 16)}`;
}
