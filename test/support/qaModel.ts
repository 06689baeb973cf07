/**
 * A tiny, untrained Treeformer QA model for engine tests and benchmarks when
 * the trained model is absent. It has the shipped model's inputs and outputs
 * (DESIGN §6) and runs one real `TreeFineAttention` on the native backend.
 *
 * Built so that its answers are predictable, like a lexical matcher with
 * rarity weights: per head, a token's query is its random embedding, whose
 * norm grows with the token id (cl100k ranks roughly follow frequency, so
 * rarer tokens get longer vectors); question tokens are keys with their own
 * embedding as value, document keys are negated and carry a zero value. A
 * document token whose id also occurs in the question finds that question
 * token among the global keys with the largest possible dot product and
 * attends almost only to it, so q·out ≈ |e|²; a token with no match gets
 * little. Per token, q·out summed over heads is high on document tokens that
 * occur in the question, higher the rarer they are; the span logits sum it
 * over the five tokens around each position, so places where several
 * question tokens meet score highest. Leaves depend
 * only on the token id, so the first stage sees the question's tokens in the
 * windows that contain them.
 */
import type { FusionWeights } from '../../src/engine/fusion';
import * as fs from 'fs';
import * as path from 'path';
import { EntryStore } from '../../src/engine/index/entryStore';
import type { ModelInput } from '../../src/engine/model/inputs';
import { ModelOutput, ModelRunner, SessionRunner, TreeShape } from '../../src/engine/model/runner';
import { Engine } from '../../src/engine/qaEngine';
import { openModel } from '../../src/engine/runtime';
import { Tokenizer, VocabularyFile, WorkerTokenizer } from '../../src/engine/tokenizer';
import type { WindowShape } from '../../src/engine/windows';
import { GraphBuilder, TensorType, TREEFORMER_DOMAIN, TREEFORMER_OPSET, attr } from './onnxModel';
import { Rng } from './treeReference';

export interface QaTestModelOptions {
  vocabSize: number;
  heads?: number;
  headDim?: number;
  treeDepth?: number;
  /** G: positions of the question side. */
  questionLength?: number;
  /** Softmax scale; large, so a matching key dominates. */
  scale?: number;
  seed?: number;
}

export const QA_TEST_DEFAULTS = { heads: 4, headDim: 32, treeDepth: 6, questionLength: 32, scale: 4, seed: 7 };

/** Squared embedding norm of token `id`: 1 for the special and byte ids, growing slowly with the rank. */
function testEmbeddingNormSquared(id: number): number {
  return 1 + Math.log1p(Math.max(0, id - 260) / 64);
}

const builtModels = new Map<string, Uint8Array>();

/** The model's bytes; built once per process for each set of options. */
export function qaTestModel(options: QaTestModelOptions): Uint8Array {
  const o = { ...QA_TEST_DEFAULTS, ...options };
  const key = JSON.stringify(o);
  let bytes = builtModels.get(key);
  if (!bytes) {
    bytes = buildQaTestModel(o);
    builtModels.set(key, bytes);
  }
  return bytes;
}

function buildQaTestModel(o: Required<QaTestModelOptions>): Uint8Array {
  const { vocabSize: V, heads: H, headDim: D } = o;
  const M = 2 ** o.treeDepth - 1;
  const rng = new Rng(o.seed);
  const embedding = new Float32Array(V * H * D);
  for (let row = 0; row < V * H; row++) {
    let norm = 0;
    for (let d = 0; d < D; d++) {
      const x = rng.normal();
      embedding[row * D + d] = x;
      norm += x * x;
    }
    const length = Math.sqrt(testEmbeddingNormSquared(Math.floor(row / H)) / norm);
    for (let d = 0; d < D; d++) embedding[row * D + d] *= length;
  }
  const hyperplanes = Float32Array.from({ length: H * M * D }, () => rng.normal());
  const g = new GraphBuilder('treeformer_qa_test');
  g.input('input_ids', TensorType.INT64, [1, 'N']);
  g.input('segment_ids', TensorType.INT64, [1, 'N']);
  g.input('attention_mask', TensorType.INT64, [1, 'N']);
  g.initializer('embedding', TensorType.FLOAT, [V, H * D], embedding);
  g.initializer('W', TensorType.FLOAT, [H, M, D], hyperplanes);
  g.initializer('Wb', TensorType.FLOAT, [H, M], new Float32Array(H * M));
  g.initializer('sink_k', TensorType.FLOAT, [H, D], new Float32Array(H * D));
  g.initializer('sink_v', TensorType.FLOAT, [H, D], new Float32Array(H * D));
  g.initializer('split_heads', TensorType.INT64, [4], [1, -1, H, D]);
  g.initializer('one', TensorType.FLOAT, [], [1]);
  g.initializer('two', TensorType.FLOAT, [], [2]);
  g.initializer('sign_axes', TensorType.INT64, [2], [1, 3]);
  g.initializer('sum_axes', TensorType.INT64, [2], [1, 3]);
  g.initializer('channel_axis', TensorType.INT64, [1], [1]);
  g.initializer('neighbourhood', TensorType.FLOAT, [1, 1, 5], [1, 1, 1, 1, 1]);
  // Q = per-head embedding [1,H,N,D]; K = Q * (1 - 2 * segment); V = Q * (1 - segment).
  g.node('Gather', ['embedding', 'input_ids'], ['x']);
  g.node('Reshape', ['x', 'split_heads'], ['x4']);
  g.node('Transpose', ['x4'], ['Q'], { perm: [0, 2, 1, 3] });
  g.node('Cast', ['segment_ids'], ['segment'], { to: TensorType.FLOAT });
  g.node('Mul', ['segment', 'two'], ['twice']);
  g.node('Sub', ['one', 'twice'], ['sign']);
  g.node('Unsqueeze', ['sign', 'sign_axes'], ['sign4']);
  g.node('Mul', ['Q', 'sign4'], ['K']);
  g.node('Sub', ['one', 'segment'], ['question_side']);
  g.node('Unsqueeze', ['question_side', 'sign_axes'], ['question_side4']);
  g.node('Mul', ['Q', 'question_side4'], ['V']);
  g.node(
    'TreeFineAttention',
    ['Q', 'K', 'V', 'W', 'Wb', 'sink_k', 'sink_v', 'attention_mask'],
    ['attended', 'q_leaf', 'k_leaf'],
    { num_global: attr.int(o.questionLength), scale: attr.float(o.scale) },
    TREEFORMER_DOMAIN,
  );
  g.node('Mul', ['Q', 'attended'], ['agreement']);
  g.node('ReduceSum', ['agreement', 'sum_axes'], ['match'], { keepdims: 0 });
  // Document positions only, summed over a window of five tokens.
  g.node('Mul', ['match', 'segment'], ['document_match']);
  g.node('Unsqueeze', ['document_match', 'channel_axis'], ['match3']);
  g.node('Conv', ['match3', 'neighbourhood'], ['nearby3'], { pads: [2, 2] });
  g.node('Squeeze', ['nearby3', 'channel_axis'], ['start_logits']);
  g.node('Identity', ['start_logits'], ['end_logits']);
  // q_leaf is [B=1, H, N]: exactly leaf_ids [layers=1, heads, N].
  g.node('Identity', ['q_leaf'], ['leaf_ids']);
  g.output('start_logits', TensorType.FLOAT, [1, 'N']);
  g.output('end_logits', TensorType.FLOAT, [1, 'N']);
  g.output('leaf_ids', TensorType.INT64, [1, H, 'N']);
  return g.toModel({ opsets: { '': 17, [TREEFORMER_DOMAIN]: TREEFORMER_OPSET } });
}

/**
 * A vocabulary that is not built from any corpus: the first `tokens`
 * multi-byte cl100k ranks (ranks 0–255 are the single bytes).
 */
export function testVocabulary(tokens = TEST_VOCABULARY_TOKENS, version = 'test-v1'): VocabularyFile {
  return {
    format: 'treeformer-vocab',
    version,
    base: 'cl100k_base',
    size: 260 + tokens,
    tokens: Array.from({ length: tokens }, (_, i) => 256 + i),
    trainedOn: { files: 0, chars: 0, sources: ['none: the first cl100k ranks, for tests'] },
  };
}

export interface WrittenTestModel {
  modelPath: string;
  cardPath: string;
  vocabPath: string;
}

/**
 * Writes `treeformer-qa.onnx`, its card and `tokenizer/vocab.json` into
 * `dir`, laid out like the shipped model. `maxWindow` bounds the input.
 */
export function writeQaTestModel(
  dir: string,
  options: { vocabulary?: VocabularyFile; maxWindow?: number } & Partial<QaTestModelOptions> = {},
): WrittenTestModel {
  const vocabulary = options.vocabulary ?? testVocabulary();
  const o = { ...QA_TEST_DEFAULTS, ...options, vocabSize: vocabulary.size };
  fs.mkdirSync(path.join(dir, 'tokenizer'), { recursive: true });
  const modelPath = path.join(dir, 'treeformer-qa.onnx');
  const cardPath = path.join(dir, 'treeformer-qa.json');
  const vocabPath = path.join(dir, 'tokenizer', 'vocab.json');
  fs.writeFileSync(vocabPath, JSON.stringify(vocabulary));
  fs.writeFileSync(modelPath, qaTestModel(o));
  const card = {
    name: 'treeformer-qa test model (untrained, lexical by construction)',
    config: {
      vocab_size: vocabulary.size,
      n_layer: 1,
      n_head: o.heads,
      d_model: o.heads * o.headDim,
      tree_depth: o.treeDepth,
      question_len: o.questionLength,
      max_window: options.maxWindow ?? 4096,
      attention: 'tf',
    },
    tokenizer: { vocab: 'tokenizer/vocab.json', version: vocabulary.version },
    io: { outputs: { start_logits: 'float [1,N]', end_logits: 'float [1,N]', leaf_ids: 'int64 [layers,heads,N]' } },
  };
  fs.writeFileSync(cardPath, JSON.stringify(card, null, 2));
  return { modelPath, cardPath, vocabPath };
}

/** A model runner that counts its runs and can be told to wait (for cancellation tests). */
export class CountingRunner implements ModelRunner {
  runs = 0;
  /** Called before each run; may await to slow runs down or abort. */
  beforeRun?: (run: number) => Promise<void> | void;

  constructor(private readonly inner: ModelRunner) {}

  get shape(): TreeShape {
    return this.inner.shape;
  }

  async run(input: ModelInput, withLeaves: boolean): Promise<ModelOutput> {
    this.runs++;
    await this.beforeRun?.(this.runs);
    return this.inner.run(input, withLeaves);
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

export interface TestEngine {
  engine: Engine;
  runner: CountingRunner;
  tokenizer: Tokenizer;
}

/**
 * The engine over the test model, built from its parts so tests can count
 * session runs and use small windows. One model is compiled per process.
 */
export async function openQaTestEngine(
  options: { windowShape?: WindowShape; cacheDir?: string; readTokens?: number; fusion?: FusionWeights; vocabularyTokens?: number } = {},
): Promise<TestEngine> {
  const vocabulary = testVocabulary(options.vocabularyTokens ?? TEST_VOCABULARY_TOKENS);
  const tokenizer = Tokenizer.fromVocabulary(vocabulary);
  const bytes = qaTestModel({ vocabSize: vocabulary.size });
  const { session } = await openModel(bytes, { device: 'cpu' });
  const shape = { layers: 1, heads: QA_TEST_DEFAULTS.heads, leaves: 2 ** QA_TEST_DEFAULTS.treeDepth };
  const runner = new CountingRunner(new SessionRunner(session, shape, 'the test model'));
  let store: EntryStore | undefined;
  if (options.cacheDir) {
    store = new EntryStore(options.cacheDir);
    await store.open();
  }
  const engine = new Engine({
    runner,
    tokenizer: await WorkerTokenizer.open({ vocabulary }),
    device: 'cpu',
    questionLength: QA_TEST_DEFAULTS.questionLength,
    windowShape: options.windowShape ?? { size: 512, stride: 384 },
    readTokens: options.readTokens ?? 480,
    fusion: options.fusion,
    store,
  });
  return { engine, runner, tokenizer };
}

/** Vocabulary size of the test model: enough cl100k tokens that common words are whole tokens. */
export const TEST_VOCABULARY_TOKENS = 16000;
