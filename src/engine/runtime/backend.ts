// The native runtime as an onnxruntime-common backend, so callers keep the
// ordinary InferenceSession / Tensor API (DESIGN.md §5).
import { Backend, InferenceSession, InferenceSessionHandler, SessionHandler, Tensor } from 'onnxruntime-common';
import { NativeDevice, NativeRuntime, NativeSession, NativeTensor, NativeValueMetadata } from './native';

/** Backend name; the execution-provider entry `{ name: BACKEND_NAME, device }` selects it. */
export const BACKEND_NAME = 'treeformer';

export interface TreeformerProviderOptions {
  readonly name: typeof BACKEND_NAME;
  readonly device?: NativeDevice;
  readonly intraOpThreads?: number;
}

export class TreeformerBackend implements Backend {
  constructor(private readonly runtime: NativeRuntime) {}

  async init(): Promise<void> {}

  async createInferenceSessionHandler(
    uriOrBuffer: string | Uint8Array,
    options?: InferenceSession.SessionOptions,
  ): Promise<InferenceSessionHandler> {
    const provider = options?.executionProviders?.find(
      (ep): ep is TreeformerProviderOptions => typeof ep === 'object' && ep.name === BACKEND_NAME,
    );
    const session = await this.runtime.createSession(uriOrBuffer, provider?.device ?? 'cpu', provider?.intraOpThreads);
    return new TreeformerSessionHandler(session);
  }
}

class TreeformerSessionHandler implements InferenceSessionHandler {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  constructor(private readonly session: NativeSession) {
    this.inputMetadata = session.inputMetadata.map(toValueMetadata);
    this.outputMetadata = session.outputMetadata.map(toValueMetadata);
    this.inputNames = this.inputMetadata.map((m) => m.name);
    this.outputNames = this.outputMetadata.map((m) => m.name);
  }

  async run(
    feeds: SessionHandler.FeedsType,
    fetches: SessionHandler.FetchesType,
  ): Promise<SessionHandler.ReturnType> {
    const nativeFeeds: Record<string, NativeTensor> = {};
    for (const [name, value] of Object.entries(feeds)) nativeFeeds[name] = toNativeTensor(`input '${name}'`, value);
    // A fetch given as a Tensor is a preallocated output (ORT's own API): it is written in place.
    const preallocated: Record<string, NativeTensor> = {};
    for (const [name, value] of Object.entries(fetches)) {
      if (value !== null) preallocated[name] = toNativeTensor(`preallocated output '${name}'`, value);
    }
    const outputs = await this.session.run(nativeFeeds, Object.keys(fetches), preallocated);
    const result: SessionHandler.ReturnType = {};
    for (const [name, t] of Object.entries(outputs)) {
      const given = fetches[name];
      result[name] = given instanceof Tensor ? given : new Tensor(t.type as Tensor.Type, t.data as Tensor.DataType, t.dims);
    }
    return result;
  }

  async dispose(): Promise<void> {
    this.session.release();
  }

  startProfiling(): void {}
  endProfiling(): void {}
}

function toNativeTensor(what: string, value: unknown): NativeTensor {
  if (!(value instanceof Tensor) || value.location !== 'cpu') {
    throw new TypeError(`${what} must be a CPU Tensor`);
  }
  return { type: value.type, dims: value.dims, data: value.data as NativeTensor['data'] };
}

function toValueMetadata(m: NativeValueMetadata): InferenceSession.ValueMetadata {
  return m.isTensor
    ? { name: m.name, isTensor: true, type: m.type as Tensor.Type, shape: m.shape ?? [] }
    : { name: m.name, isTensor: false };
}
