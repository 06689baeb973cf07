// Loads the native runtime: the N-API addon (treeformer_ort.node), the op
// library (libtreeformer_ops.so) and ONNX Runtime itself (libonnxruntime.so.1),
// all from one folder, dist/native/<platform>-<arch>/ (DESIGN.md §5).
import * as fs from 'fs';
import * as path from 'path';

export type NativeDevice = 'cpu' | 'cuda';

/** A tensor as it crosses into and out of the addon. */
export interface NativeTensor {
  type: string;
  dims: readonly number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;
}

export interface NativeValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: (number | string)[];
}

export interface NativeSession {
  readonly inputMetadata: NativeValueMetadata[];
  readonly outputMetadata: NativeValueMetadata[];
  /** Outputs in `preallocated` are written in place (their shapes must match) and returned as given. */
  run(
    feeds: Record<string, NativeTensor>,
    outputNames: string[],
    preallocated?: Record<string, NativeTensor>,
  ): Promise<Record<string, NativeTensor>>;
  release(): void;
}

interface NativeAddon {
  init(ortLibraryPath: string): { apiVersion: number; ortVersion: string; providers: string[] };
  createSession(
    model: string | Uint8Array,
    options: { opsLibrary: string; device: NativeDevice; intraOpThreads?: number },
  ): Promise<NativeSession>;
}

export class NativeRuntimeError extends Error {
  constructor(
    message: string,
    readonly reason: 'unsupported-platform' | 'missing' | 'load-failed',
  ) {
    super(message);
    this.name = 'NativeRuntimeError';
  }
}

export const ADDON_FILE = 'treeformer_ort.node';
export const OPS_LIBRARY_FILE = 'libtreeformer_ops.so';
export const ORT_LIBRARY_FILE = 'libonnxruntime.so.1';
const CUDA_PROVIDER_FILE = 'libonnxruntime_providers_cuda.so';

export function platformKey(): string {
  return `${process.platform}-${process.arch}`;
}

/** dist/native/<platform>-<arch> of the nearest folder above this module that has one. */
export function defaultNativeDir(): string {
  const relative = path.join('dist', 'native', platformKey());
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(path.join(candidate, ADDON_FILE))) return candidate;
    if (path.dirname(dir) === dir) return path.join(path.resolve(__dirname, '..', '..', '..'), relative);
  }
}

export class NativeRuntime {
  readonly ortVersion: string;
  readonly providers: readonly string[];

  private constructor(
    readonly dir: string,
    private readonly addon: NativeAddon,
    info: { ortVersion: string; providers: string[] },
  ) {
    this.ortVersion = info.ortVersion;
    this.providers = info.providers;
  }

  /** Loads the runtime from `dir`; fails with a NativeRuntimeError that says what to do. */
  static load(dir: string): NativeRuntime {
    if (platformKey() !== 'linux-x64') {
      throw new NativeRuntimeError(
        `Treeformer's native runtime is built for linux-x64 only; this machine is ${platformKey()}.`,
        'unsupported-platform',
      );
    }
    for (const file of [ADDON_FILE, OPS_LIBRARY_FILE, ORT_LIBRARY_FILE]) {
      if (!fs.existsSync(path.join(dir, file))) {
        throw new NativeRuntimeError(
          `Treeformer's native runtime is missing ${file} in ${dir}. Build it with \`npm run build:native\`.`,
          'missing',
        );
      }
    }
    let addon: NativeAddon;
    try {
      // A computed path: bundlers must leave this require alone.
      addon = module.require(path.join(dir, ADDON_FILE)) as NativeAddon;
    } catch (err) {
      throw new NativeRuntimeError(
        `Treeformer's native addon in ${dir} failed to load (built for another platform or Node version?): ${messageOf(err)}`,
        'load-failed',
      );
    }
    try {
      return new NativeRuntime(dir, addon, addon.init(path.join(dir, ORT_LIBRARY_FILE)));
    } catch (err) {
      throw new NativeRuntimeError(`ONNX Runtime in ${dir} failed to load: ${messageOf(err)}`, 'load-failed');
    }
  }

  /** True when ONNX Runtime's CUDA execution provider can be tried. */
  get cudaAvailable(): boolean {
    return this.providers.includes('CUDAExecutionProvider') && fs.existsSync(path.join(this.dir, CUDA_PROVIDER_FILE));
  }

  createSession(model: string | Uint8Array, device: NativeDevice, intraOpThreads = 0): Promise<NativeSession> {
    return this.addon.createSession(model, { opsLibrary: path.join(this.dir, OPS_LIBRARY_FILE), device, intraOpThreads });
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
