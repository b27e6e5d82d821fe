/**
 * The send buffer: bytes the user wrote that are not yet acknowledged, from SND.UNA onward.
 * One contiguous Uint8Array with a moving head, so any segment's payload is a zero-copy view;
 * when the tail reaches the end the live bytes slide to the front (amortised one copy per byte)
 * or the array doubles, up to twice the limit. Views are valid until the next `append`. The
 * array is allocated on the first write, so idle connections cost nothing.
 */

const EMPTY_BUFFER = new Uint8Array(0);

export class SendBuffer {
  private buf: Uint8Array;
  private head = 0;
  private tail = 0;

  /** `limit` is the most unacknowledged bytes the buffer holds (SO_SNDBUF). */
  constructor(readonly limit: number) {
    this.buf = EMPTY_BUFFER;
  }

  /** Bytes held (sent or not, unacknowledged). */
  get length(): number {
    return this.tail - this.head;
  }

  /** Room left before writes are refused. */
  get free(): number {
    return this.limit - (this.tail - this.head);
  }

  /** Copies in as much of `data` as fits; returns the count accepted. */
  append(data: Uint8Array): number {
    const n = Math.min(data.length, this.free);
    if (n === 0) return 0;
    if (this.tail + n > this.buf.length) this.makeRoom(n);
    this.buf.set(n === data.length ? data : data.subarray(0, n), this.tail);
    this.tail += n;
    return n;
  }

  /** A view of `len` bytes starting `offset` bytes after the head (valid until `append`). */
  view(offset: number, len: number): Uint8Array {
    const from = this.head + offset;
    return this.buf.subarray(from, from + len);
  }

  /** Drops `n` acknowledged bytes from the head. */
  consume(n: number): void {
    this.head += Math.min(n, this.tail - this.head);
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }

  /** Forgets everything and releases the memory (abort, close). */
  clear(): void {
    this.head = 0;
    this.tail = 0;
    this.buf = EMPTY_BUFFER;
  }

  private makeRoom(n: number): void {
    const live = this.tail - this.head;
    if (live + n <= this.buf.length && this.head >= live) {
      // Slide only when the live bytes are no more than the space freed at the front, so
      // each byte is copied at most once on average.
      this.buf.copyWithin(0, this.head, this.tail);
    } else {
      let cap = Math.max(this.buf.length * 2, 2048);
      while (cap < live + n) cap *= 2;
      const next = new Uint8Array(Math.min(cap, Math.max(2 * this.limit, live + n)));
      next.set(this.buf.subarray(this.head, this.tail));
      this.buf = next;
    }
    this.head = 0;
    this.tail = live;
  }
}
