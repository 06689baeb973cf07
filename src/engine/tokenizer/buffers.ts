// Append-only typed arrays that grow by doubling (no per-token allocation).

export class TokenBuffer {
  private ids: Int32Array;
  private starts: Int32Array;
  private ends: Int32Array;
  length = 0;

  constructor(capacity: number) {
    const n = Math.max(16, capacity);
    this.ids = new Int32Array(n);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
  }

  push(id: number, start: number, end: number): void {
    if (this.length === this.ids.length) this.grow();
    this.ids[this.length] = id;
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length++;
  }

  /** Exact-length copies, so the result holds no spare capacity. */
  finish(): { ids: Int32Array; starts: Int32Array; ends: Int32Array } {
    return {
      ids: this.ids.slice(0, this.length),
      starts: this.starts.slice(0, this.length),
      ends: this.ends.slice(0, this.length),
    };
  }

  private grow(): void {
    const n = this.ids.length * 2;
    const widen = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.ids = widen(this.ids);
    this.starts = widen(this.starts);
    this.ends = widen(this.ends);
  }
}

export class ByteBuffer {
  private bytes = new Uint8Array(256);
  length = 0;

  push(b: number): void {
    if (this.length === this.bytes.length) this.reserve(1);
    this.bytes[this.length++] = b;
  }

  append(src: Uint8Array): void {
    this.reserve(src.length);
    this.bytes.set(src, this.length);
    this.length += src.length;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let n = this.bytes.length * 2;
    while (n < this.length + extra) n *= 2;
    const b = new Uint8Array(n);
    b.set(this.bytes.subarray(0, this.length));
    this.bytes = b;
  }
}
