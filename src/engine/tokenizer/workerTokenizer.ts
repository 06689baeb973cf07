// The engine's tokenizer: the same Tokenizer, run in a worker thread. Loading
// it and encoding long files are CPU work that would otherwise stall the
// extension host (about a second to load, ~0.4 s per megabyte to encode).
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { Encoding } from './tokenizer';
import type { VocabularyFile } from './vocabulary';

/** Compiled beside this file (out/…/tokenizer/) and bundled beside the bundle (dist/). */
export const WORKER_FILE = 'tokenizerWorker.js';

export type WorkerSource = { vocabPath: string } | { vocabulary: VocabularyFile };
export interface EncodeRequest {
  id: number;
  text: string;
}
export type WorkerReply =
  | { kind: 'ready'; version: string; vocabSize: number }
  | { kind: 'failed'; message: string }
  | ({ kind: 'encoded'; id: number } & Encoding)
  | { kind: 'error'; id: number; message: string };

interface Pending {
  resolve(encoding: Encoding): void;
  reject(err: Error): void;
}

export class WorkerTokenizer {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly version: string,
    readonly vocabSize: number,
  ) {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind !== 'encoded' && reply.kind !== 'error') return;
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiting) return;
      if (reply.kind === 'error') waiting.reject(new Error(`tokenizer: ${reply.message}`));
      else waiting.resolve({ ids: reply.ids, starts: reply.starts, ends: reply.ends });
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const waiting of this.pending.values()) waiting.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the tokenizer worker stopped (exit code ${code})`)));
    this.idle();
  }

  /** Starts the worker and waits until its tokenizer is built; rejects with the reason it could not be. */
  static open(source: WorkerSource, workerDir = __dirname): Promise<WorkerTokenizer> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(path.join(workerDir, WORKER_FILE), { workerData: source });
      const onStartError = (err: Error) => reject(err);
      worker.once('error', onStartError);
      worker.once('message', (reply: WorkerReply) => {
        worker.off('error', onStartError);
        if (reply.kind === 'ready') {
          resolve(new WorkerTokenizer(worker, reply.version, reply.vocabSize));
        } else {
          void worker.terminate();
          reject(new Error(reply.kind === 'failed' ? reply.message : `unexpected first reply '${reply.kind}'`));
        }
      });
    });
  }

  encode(text: string): Promise<Encoding> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (e) => this.settled(() => resolve(e)),
        reject: (err) => this.settled(() => reject(err)),
      });
      this.worker.ref(); // keep the process alive while an answer is owed
      this.worker.postMessage({ id, text } satisfies EncodeRequest);
    });
  }

  async dispose(): Promise<void> {
    this.failure ??= new Error('the tokenizer was disposed');
    await this.worker.terminate();
  }

  private settled(settle: () => void): void {
    settle();
    if (this.pending.size === 0) this.idle();
  }

  /** An idle worker does not keep the process alive (a CLI exits when its work is done). */
  private idle(): void {
    this.worker.unref();
  }
}
