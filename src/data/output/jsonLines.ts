// A JSONL file written one record at a time (splits hold too much to build in memory).
import * as fs from 'fs';

export class JsonLinesWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(record: unknown): void {
    const line = JSON.stringify(record) + '\n';
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars > 1 << 22) this.flush();
  }

  private flush(): void {
    if (this.pending.length > 0) fs.writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}
