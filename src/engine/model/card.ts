// The model card (DESIGN §6): `<model>.json` beside `<model>.onnx`. The engine
// reads only the fields below and names any that is missing or malformed.
import * as fs from 'fs';
import * as path from 'path';
import { EngineError } from '../errors';
import type { FusionWeights } from '../fusion';

export interface ModelCard {
  /** The card file itself. */
  file: string;
  /** Longest input (question side + document tokens) the engine may feed. */
  maxWindow: number;
  /** G: the question side ([CLS] question [SEP] PAD…) always spans exactly G positions. */
  questionLength: number;
  layers: number;
  heads: number;
  treeDepth: number;
  vocabSize: number;
  /** Absolute path of the vocabulary the card names (relative to the card's folder). */
  vocabPath: string;
  vocabVersion: string;
  /** Fusion weights fitted on the dev questions (fusion.ts); absent in cards written before them. */
  fusion?: FusionWeights;
  /** Output names the model has (io.outputs). */
  outputs: string[];
  /** Document tokens the reader reads in one window: what the model was trained at (reader.read_tokens). */
  readTokens: number;
  /** A chunk's relevance averages this many of its highest evidence values (reader.chunk_top_tokens; reader.ts); absent: their log-sum-exp. */
  chunkTopTokens?: number;
  /** sha256 of the .onnx file, when the card records it (model_sha256). */
  modelSha256?: string;
}

/** Read length of cards written before the reader section (the v1 model trained at 1,024 tokens). */
export const DEFAULT_READ_TOKENS = 992;

export function cardPathFor(modelPath: string): string {
  return path.join(path.dirname(modelPath), `${path.basename(modelPath, path.extname(modelPath))}.json`);
}

export function readModelCard(modelPath: string): ModelCard {
  const file = cardPathFor(modelPath);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message;
    throw new EngineError('model-invalid', `model card ${file}: ${why} (the card sits beside the .onnx, same name, .json)`);
  }
  const card = new CardReader(file, json);
  const config = card.object('config');
  const tokenizer = card.object('tokenizer');
  return {
    file,
    maxWindow: card.positiveInt(config, 'config', ['max_window']),
    // The model package names it question_len; question_tokens is accepted as an alias.
    questionLength: card.positiveInt(config, 'config', ['question_len', 'question_tokens']),
    layers: card.positiveInt(config, 'config', ['n_layer']),
    heads: card.positiveInt(config, 'config', ['n_head']),
    treeDepth: card.positiveInt(config, 'config', ['tree_depth']),
    vocabSize: card.positiveInt(config, 'config', ['vocab_size']),
    vocabPath: path.resolve(path.dirname(file), card.string(tokenizer, 'tokenizer', 'vocab')),
    vocabVersion: card.string(tokenizer, 'tokenizer', 'version'),
    fusion: card.fusion(),
    outputs: Object.keys(card.object('io').outputs ?? {}),
    readTokens: card.optionalPositiveInt('reader', 'read_tokens') ?? DEFAULT_READ_TOKENS,
    chunkTopTokens: card.optionalPositiveInt('reader', 'chunk_top_tokens'),
    modelSha256: card.optionalString('model_sha256'),
  };
}

class CardReader {
  constructor(
    private readonly file: string,
    private readonly json: unknown,
  ) {}

  object(key: string): Record<string, unknown> {
    const value = isObject(this.json) ? this.json[key] : undefined;
    if (!isObject(value)) this.fail(`lacks the object "${key}"`);
    return value as Record<string, unknown>;
  }

  positiveInt(section: Record<string, unknown>, sectionName: string, keys: string[]): number {
    const key = keys.find((k) => k in section);
    const value = key === undefined ? undefined : section[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      this.fail(`needs ${sectionName}.${keys[0]} as a positive integer, found ${JSON.stringify(value)}`);
    }
    return value as number;
  }

  optionalPositiveInt(sectionName: string, key: string): number | undefined {
    const section = isObject(this.json) ? this.json[sectionName] : undefined;
    if (section === undefined) return undefined;
    if (!isObject(section)) this.fail(`has "${sectionName}" that is not an object`);
    return this.positiveInt(section, sectionName, [key]);
  }

  optionalString(key: string): string | undefined {
    const value = isObject(this.json) ? this.json[key] : undefined;
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value === '') this.fail(`needs ${key} as a string`);
    return value;
  }

  string(section: Record<string, unknown>, sectionName: string, key: string): string {
    const value = section[key];
    if (typeof value !== 'string' || value === '') this.fail(`needs ${sectionName}.${key} as a string`);
    return value as string;
  }

  fusion(): FusionWeights | undefined {
    const section = isObject(this.json) ? this.json.fusion : undefined;
    if (section === undefined) return undefined;
    if (!isObject(section)) this.fail('has "fusion" that is not an object');
    const weights = section as Record<string, unknown>;
    const read = (key: string) => {
      const v = weights[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`needs fusion.${key} as a finite number, found ${JSON.stringify(v)}`);
      return v as number;
    };
    const candidates = read('candidates');
    if (!Number.isInteger(candidates) || candidates < 1) this.fail(`needs fusion.candidates as a positive integer, found ${candidates}`);
    return { lexical: read('lexical'), relevance: read('relevance'), span: read('span'), leaves: read('leaves'), candidates };
  }

  private fail(what: string): never {
    throw new EngineError('model-invalid', `model card ${this.file} ${what}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
