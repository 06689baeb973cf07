// The engine's public entry point (DESIGN §8): the CLI and the extension
// import from here only.
export { openEngine } from './openEngine';
export type { Engine } from './qaEngine';
export { RANKERS } from './fusion';
export type { RankerKind, FusionWeights } from './fusion';
export { AbortError, EngineError, NothingToReadError, isAbortError } from './errors';
export type { EngineErrorCode } from './errors';
export { DEFAULT_EXCLUDED_FOLDERS, DEFAULT_MAX_FILE_BYTES } from './discovery/discover';
export { DEFAULT_MAX_SCOPE_TOKENS } from './qaEngine';
export * from './types';
