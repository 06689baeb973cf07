// Worker-thread side of WorkerTokenizer: builds the Tokenizer here (parsing
// cl100k's ranks takes about a second) and encodes texts on request, so
// neither blocks the thread that hosts the engine (the extension host).
import { parentPort, workerData } from 'worker_threads';
import { Tokenizer } from './tokenizer';
import type { EncodeRequest, WorkerReply, WorkerSource } from './workerTokenizer';

function open(source: WorkerSource): Tokenizer {
  return 'vocabPath' in source ? Tokenizer.fromFile(source.vocabPath) : Tokenizer.fromVocabulary(source.vocabulary);
}

const port = parentPort!;
let tokenizer: Tokenizer | undefined;
try {
  tokenizer = open(workerData as WorkerSource);
  port.postMessage({ kind: 'ready', version: tokenizer.version, vocabSize: tokenizer.vocabSize } satisfies WorkerReply);
} catch (err) {
  port.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
}

port.on('message', (request: EncodeRequest) => {
  try {
    const { ids, starts, ends } = tokenizer!.encode(request.text);
    const reply: WorkerReply = { kind: 'encoded', id: request.id, ids, starts, ends };
    // slice()d copies (buffers.ts): each owns its buffer, so all three move without a copy.
    port.postMessage(reply, [ids.buffer as ArrayBuffer, starts.buffer as ArrayBuffer, ends.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ kind: 'error', id: request.id, message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  }
});
