// A file's chunks: from its parser when one reads it, else plain.
import type { Chunk } from './chunk';
import { plainChunks } from './plainChunks';
import { syntaxChunks } from './syntaxChunks';

export type { Chunk, Definition } from './chunk';
export { MAX_CHUNK_LINES } from './chunk';
export { grammarFor } from './syntaxChunks';

export async function chunkFile(file: string, text: string): Promise<Chunk[]> {
  if (text.length === 0) return [];
  return (await syntaxChunks(file, text)) ?? plainChunks(text);
}
