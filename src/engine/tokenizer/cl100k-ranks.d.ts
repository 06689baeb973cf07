// The package's "exports" map serves this path, but the project resolves types
// the classic way (moduleResolution "node"), which does not read that map.
declare module 'js-tiktoken/ranks/cl100k_base' {
  import type { TiktokenBPE } from 'js-tiktoken/lite';
  const ranks: TiktokenBPE;
  export default ranks;
}
