// Entry point of the runtime: open an ONNX model with the ai.treeformer ops
// loaded, on the CPU or on CUDA where ONNX Runtime's CUDA provider exists.
import * as fs from 'fs';
import { InferenceSession, registerBackend } from 'onnxruntime-common';
import { BACKEND_NAME, TreeformerBackend, TreeformerProviderOptions } from './backend';
import { defaultNativeDir, messageOf, NativeDevice, NativeRuntime } from './native';

export { NativeRuntimeError } from './native';
export type { NativeDevice } from './native';

export type DevicePreference = 'auto' | NativeDevice;

export interface OpenModelOptions {
  /** 'auto' uses CUDA when ONNX Runtime's CUDA provider is installed, else the CPU. */
  device?: DevicePreference;
  /** Folder with the native runtime; defaults to dist/native/<platform>-<arch>. */
  nativeDir?: string;
  /** ONNX Runtime intra-op threads; 0 lets it use every physical core. */
  intraOpThreads?: number;
}

export interface OpenedModel {
  session: InferenceSession;
  device: NativeDevice;
}

let loaded: NativeRuntime | undefined;

/** Loads the native runtime once per process and registers it as a backend. */
export function loadRuntime(nativeDir?: string): NativeRuntime {
  if (loaded) {
    if (nativeDir && nativeDir !== loaded.dir) {
      throw new Error(`the Treeformer runtime is already loaded from ${loaded.dir}; restart to use ${nativeDir}`);
    }
    return loaded;
  }
  const runtime = NativeRuntime.load(nativeDir ?? defaultNativeDir());
  registerBackend(BACKEND_NAME, new TreeformerBackend(runtime), 0);
  loaded = runtime;
  return runtime;
}

export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/** Opens a model (path or bytes) as an onnxruntime-common InferenceSession. */
export async function openModel(model: string | Uint8Array, options: OpenModelOptions = {}): Promise<OpenedModel> {
  const runtime = loadRuntime(options.nativeDir);
  const label = typeof model === 'string' ? model : 'the model buffer';
  if (typeof model === 'string' && !fs.existsSync(model)) throw new ModelLoadError(`model file not found: ${model}`);
  const preference = options.device ?? 'auto';
  if (preference === 'cuda' && !runtime.cudaAvailable) {
    throw new ModelLoadError(
      `device 'cuda' was asked for, but ONNX Runtime's CUDA execution provider is not installed in ${runtime.dir}`,
    );
  }
  const device: NativeDevice = preference === 'auto' ? (runtime.cudaAvailable ? 'cuda' : 'cpu') : preference;
  const create = (d: NativeDevice) => {
    const provider: TreeformerProviderOptions = { name: BACKEND_NAME, device: d, intraOpThreads: options.intraOpThreads };
    const sessionOptions = { executionProviders: [provider] } as InferenceSession.SessionOptions;
    return typeof model === 'string'
      ? InferenceSession.create(model, sessionOptions)
      : InferenceSession.create(model, sessionOptions);
  };
  try {
    return { session: await create(device), device };
  } catch (err) {
    if (preference === 'auto' && device === 'cuda') {
      try {
        return { session: await create('cpu'), device: 'cpu' };
      } catch {
        // fall through to report the first failure
      }
    }
    throw new ModelLoadError(`cannot open ${label} on ${device}: ${messageOf(err)}`);
  }
}
