// One model run per window through an onnxruntime-common session (the native
// backend runs it on ONNX Runtime's threads, off the JS thread).
import { InferenceSession, Tensor } from 'onnxruntime-common';
import { EngineError } from '../errors';
import type { ModelInput } from './inputs';

export interface ModelOutput {
  start: Float32Array;
  end: Float32Array;
  /** leaf_ids [layers, heads, N] (query leaf of every position), when asked for. */
  leaves?: Int32Array;
  /** relevance_logit, for a model that has it (the card lists it). */
  relevance?: number;
  /** relevance_evidence [N]: the per-token score relevance is the log-sum-exp of, for a model that has it. */
  evidence?: Float32Array;
}

export interface TreeShape {
  layers: number;
  heads: number;
  /** Leaves per tree (2^depth). */
  leaves: number;
}

export interface ModelRunner {
  readonly shape: TreeShape;
  run(input: ModelInput, withLeaves: boolean): Promise<ModelOutput>;
  dispose(): Promise<void>;
}

const INPUTS = ['input_ids', 'segment_ids', 'attention_mask'];
const OUTPUTS = ['start_logits', 'end_logits', 'leaf_ids'];
const RELEVANCE = 'relevance_logit';
const EVIDENCE = 'relevance_evidence';

export class SessionRunner implements ModelRunner {
  private released = false;

  constructor(
    private readonly session: InferenceSession,
    readonly shape: TreeShape,
    private readonly label: string,
    private readonly hasRelevance = false,
    private readonly hasEvidence = false,
  ) {
    const missingIn = INPUTS.filter((n) => !session.inputNames.includes(n));
    const missingOut = [...OUTPUTS, ...(hasRelevance ? [RELEVANCE] : []), ...(hasEvidence ? [EVIDENCE] : [])].filter((n) => !session.outputNames.includes(n));
    if (missingIn.length > 0 || missingOut.length > 0) {
      throw new EngineError(
        'model-invalid',
        `${label} is not a Treeformer QA model: missing ${[...missingIn.map((n) => `input ${n}`), ...missingOut.map((n) => `output ${n}`)].join(', ')}`,
      );
    }
  }

  async run(input: ModelInput, withLeaves: boolean): Promise<ModelOutput> {
    const n = input.inputIds.length;
    const feeds = {
      input_ids: new Tensor('int64', input.inputIds, [1, n]),
      segment_ids: new Tensor('int64', input.segmentIds, [1, n]),
      attention_mask: new Tensor('int64', input.attentionMask, [1, n]),
    };
    const fetches = [...OUTPUTS.slice(0, withLeaves ? 3 : 2), ...(this.hasRelevance ? [RELEVANCE] : []), ...(this.hasEvidence ? [EVIDENCE] : [])];
    const out = await this.session.run(feeds, fetches);
    const result: ModelOutput = { start: this.floats(out.start_logits, n), end: this.floats(out.end_logits, n) };
    if (this.hasRelevance) result.relevance = this.floats(out[RELEVANCE], 1)[0];
    if (this.hasEvidence) result.evidence = this.floats(out[EVIDENCE], n);
    if (withLeaves) result.leaves = this.leafIds(out.leaf_ids, n);
    return result;
  }

  async dispose(): Promise<void> {
    // Releasing a native session twice would free it twice.
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }

  private floats(t: Tensor, n: number): Float32Array {
    if (t.type !== 'float32' || t.data.length !== n) {
      throw new EngineError('model-invalid', `${this.label}: logits are ${t.type} [${t.dims.join(',')}], expected float32 [1,${n}]`);
    }
    const data = t.data as Float32Array;
    // Flipped weight bytes give NaN or infinite logits: refuse them rather than rank by them.
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new EngineError('model-invalid', `${this.label}: the model is corrupt (it gave a non-finite logit); reinstall or re-export it`);
    }
    return data;
  }

  private leafIds(t: Tensor, n: number): Int32Array {
    const { layers, heads } = this.shape;
    if (t.type !== 'int64' || t.dims.length !== 3 || t.dims[0] !== layers || t.dims[1] !== heads || t.dims[2] !== n) {
      throw new EngineError(
        'model-invalid',
        `${this.label}: leaf_ids is ${t.type} [${t.dims.join(',')}], expected int64 [${layers},${heads},${n}] per the model card`,
      );
    }
    const data = t.data as BigInt64Array;
    const leaves = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) leaves[i] = Number(data[i]);
    return leaves;
  }
}
