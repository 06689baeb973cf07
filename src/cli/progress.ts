// Progress on stderr for long runs: silent for the first moment (short runs
// print nothing), then one updating line on a terminal, or a line every few
// seconds when stderr is a file or pipe.
import type { Progress } from '../engine';

const QUIET_MS = 700;
const TTY_EVERY_MS = 150;
const PIPE_EVERY_MS = 3000;

const UNITS: Record<Progress['phase'], string> = {
  discover: 'files found',
  tokenize: 'files tokenized',
  chunk: 'files chunked',
  index: 'windows indexed',
  read: 'candidates read',
};

export class ProgressLine {
  private readonly started = Date.now();
  private lastPrint = 0;
  private shown = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  readonly update = (p: Progress): void => {
    const now = Date.now();
    if (now - this.started < QUIET_MS) return;
    const tty = this.stream.isTTY === true;
    const finished = p.done === p.total && p.phase !== 'discover';
    if (!finished && now - this.lastPrint < (tty ? TTY_EVERY_MS : PIPE_EVERY_MS)) return;
    this.lastPrint = now;
    const seconds = ((now - this.started) / 1000).toFixed(1);
    const count = p.phase === 'discover' ? `${p.done}` : `${p.done}/${p.total}`;
    const line = `treeformer: ${count} ${UNITS[p.phase]} (${seconds} s)`;
    if (tty) {
      this.stream.write(`\r${line}\x1b[K`);
      this.shown = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  };

  /** Ends the updating line so later output starts on a fresh line. */
  finish(): void {
    if (this.shown) this.stream.write('\n');
    this.shown = false;
  }
}
