// Why the engine could not open, worded for the user: what failed and which
// setting or action fixes it.
import * as path from 'path';
import { EngineError } from '../engine';
import { NativeRuntimeError } from '../engine/runtime';
import type { TreeformerConfig } from './config';

export type LoadFailure = 'model-missing' | 'model-invalid' | 'native' | 'device' | 'engine';

export class EngineLoadError extends Error {
  constructor(
    readonly failure: LoadFailure,
    message: string,
    /** The setting that fixes it, offered as an "Open Settings" button. */
    readonly setting?: string,
  ) {
    super(message);
    this.name = 'EngineLoadError';
  }
}

export function modelMissing(config: TreeformerConfig): EngineLoadError {
  const where = config.model.path;
  const relative = path.isAbsolute(where) ? '' : ' (it must be an absolute path)';
  return config.model.source === 'setting'
    ? new EngineLoadError(
        'model-missing',
        `Treeformer model not found at ${where}${relative}. Fix the "treeformer.modelPath" user setting or clear it to use the bundled model.`,
        'treeformer.modelPath',
      )
    : new EngineLoadError(
        'model-missing',
        `Treeformer model not found at ${where}: this installation has no ${config.attention}-attention model. ` +
          'Reinstall the extension, choose another "treeformer.attention", or set "treeformer.modelPath".',
        'treeformer.attention',
      );
}

export function nativeDirMissing(dir: string): EngineLoadError {
  const relative = path.isAbsolute(dir) ? '' : ' (it must be an absolute path)';
  return new EngineLoadError(
    'native',
    `Treeformer native runtime folder not found: ${dir}${relative}. Fix the "treeformer.nativeDir" user setting or clear it to use the bundled runtime.`,
    'treeformer.nativeDir',
  );
}

/** Turns whatever openEngine threw into an EngineLoadError naming the fix. */
export function describeLoadFailure(err: unknown, config: TreeformerConfig): EngineLoadError {
  if (err instanceof EngineLoadError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof NativeRuntimeError) {
    return new EngineLoadError(
      'native',
      `Treeformer's native runtime could not load: ${detail}`,
      config.nativeDir ? 'treeformer.nativeDir' : undefined,
    );
  }
  if (config.device === 'cuda' && /cuda/i.test(detail)) {
    return new EngineLoadError('device', `Treeformer cannot run on CUDA here: ${detail}`, 'treeformer.device');
  }
  if (err instanceof EngineError && (err.code === 'model-missing' || err.code === 'vocabulary-missing' || err.code === 'vocabulary-invalid')) {
    return new EngineLoadError('model-missing', `Treeformer model incomplete: ${detail}`, 'treeformer.modelPath');
  }
  if (err instanceof EngineError && err.code === 'model-invalid') {
    return new EngineLoadError('model-invalid', `Treeformer model could not be read: ${detail}`, 'treeformer.modelPath');
  }
  return new EngineLoadError('engine', `Treeformer could not open the model ${config.model.path}: ${detail}`);
}
