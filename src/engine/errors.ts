// Errors the engine throws on purpose, each with a stable `code` so callers
// (the CLI's exit codes, the extension's messages) need not parse text.
import type { SkippedFile } from './types';

export type EngineErrorCode =
  | 'missing-path'
  | 'nothing-to-read'
  | 'model-missing'
  | 'model-invalid'
  | 'vocabulary-missing'
  | 'vocabulary-invalid'
  | 'device-unavailable'
  | 'cache-unusable'
  | 'scope-too-large'
  | 'bad-request';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Every file given was skipped (empty, binary, too large, …); `skipped` says why. */
export class NothingToReadError extends EngineError {
  constructor(readonly skipped: SkippedFile[]) {
    super('nothing-to-read', describeNothingToRead(skipped));
    this.name = 'NothingToReadError';
  }
}

/**
 * The index cache folder cannot be created, read or written. `folder` is the
 * store's folder; `reason` names the path at fault and what is wrong with it.
 */
export class CacheFolderError extends EngineError {
  constructor(
    readonly folder: string,
    reason: string,
  ) {
    super('cache-unusable', `cache folder unusable: ${reason}`);
    this.name = 'CacheFolderError';
  }
}

/** Thrown when an AbortSignal fires; `name` matches the DOM convention. */
export class AbortError extends Error {
  constructor(message = 'the operation was cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}

function describeNothingToRead(skipped: SkippedFile[]): string {
  if (skipped.length === 0) return 'nothing to read: no files found';
  if (skipped.length === 1) {
    const only = skipped[0];
    return `nothing to read: ${only.file} is ${REASON_TEXT[only.reason]}${only.detail ? ` (${only.detail})` : ''}`;
  }
  const counts = new Map<SkippedFile['reason'], number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  const parts = [...counts].map(([reason, n]) => `${n} ${REASON_TEXT[reason]}`);
  return `nothing to read: all ${skipped.length} files were skipped (${parts.join(', ')})`;
}

const REASON_TEXT: Record<SkippedFile['reason'], string> = {
  binary: 'binary',
  'too-large': 'too large',
  empty: 'empty',
  excluded: 'excluded',
  unreadable: 'unreadable',
};
