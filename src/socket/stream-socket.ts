/**
 * The native stream socket: a thin layer over a TcpConnection that keeps every byte a caller
 * writes (refused bytes wait in a queue and go out as TCP frees room), and offers reads both as
 * callbacks and as an async iterable. Callbacks run on simulator events; the iterable resolves
 * promises, whose continuations run as microtasks (see settle.ts for driving them in order).
 */
import type { Nanos } from "../sim/time.js";
import type { TransportError } from "../transport/errors.js";
import type { TcpConnection } from "../transport/tcp/index.js";
import type { Endpoint } from "../transport/udp.js";

/** Default bytes the async iterator buffers before it pauses the connection (64 KiB). */
export const STREAM_READ_HIGH_WATER = 65_536;

/**
 * A connected byte stream (TCP). `write` never loses bytes: it returns false when the caller
 * should wait for `onDrain` before writing more. Reads arrive through `onData` / `onEnd`, or
 * through `for await (const chunk of socket)`; use one style per socket.
 */
export class StreamSocket implements AsyncIterable<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private connected: boolean;
  private ending = false;
  private finished = false;
  private readonly drainFns: (() => void)[] = [];
  private readonly connectFns: (() => void)[] = [];
  private iterating = false;
  private needDrain = false;

  /** The send queue above which `write` asks the caller to wait (bytes beyond TCP's buffer). */
  highWaterMark: number;

  constructor(
    /** The TCP connection underneath (statistics, state history). */
    readonly conn: TcpConnection,
    options: { connected: boolean; highWaterMark?: number },
  ) {
    this.connected = options.connected;
    this.highWaterMark = options.highWaterMark ?? 0;
    conn.onConnect(() => {
      this.connected = true;
      this.flush();
      for (const fn of this.connectFns) fn();
    });
    conn.onDrain(() => this.flush());
  }

  /** Local address and port. */
  get local(): Endpoint {
    return this.conn.local;
  }

  /** Remote address and port. */
  get remote(): Endpoint {
    return this.conn.remote;
  }

  /** Bytes written that TCP has not taken into its send buffer yet. */
  get pendingBytes(): number {
    return this.queued;
  }

  /**
   * Sends `data` (copied). Returns true when the caller may keep writing, false when it should
   * wait for `onDrain` (TCP's send buffer is full and bytes are queued here). After `end()` or
   * `close()` the bytes are dropped and false is returned.
   */
  write(data: Uint8Array): boolean {
    if (this.ending || this.finished) return false;
    if (data.length === 0) return this.queued <= this.highWaterMark;
    if (this.connected && this.queued === 0) {
      const n = this.conn.write(data);
      if (n === data.length) return true;
      data = data.subarray(n);
    }
    this.queue.push(data.slice());
    this.queued += data.length;
    if (this.queued <= this.highWaterMark) return true;
    this.needDrain = true;
    return false;
  }

  /** Half-close: a FIN follows every queued byte; reading continues until the peer's FIN. */
  end(): void {
    if (this.ending) return;
    this.ending = true;
    this.flush();
  }

  /** Closes both directions (FIN after queued data; unread or later data is answered by RST). */
  close(): void {
    this.finished = true;
    this.queue.length = 0;
    this.queued = 0;
    this.conn.close();
  }

  /** Resets the connection (RST), dropping both buffers. */
  abort(): void {
    this.finished = true;
    this.queue.length = 0;
    this.queued = 0;
    this.conn.abort();
  }

  /** Stops delivering data (the window closes as TCP's receive buffer fills). */
  pause(): void {
    this.conn.pause();
  }

  /** Resumes delivery. */
  resume(): void {
    this.conn.resume();
  }

  /** Disables (true) or re-enables Nagle's algorithm. */
  setNoDelay(noDelay = true): void {
    this.conn.setNoDelay(noDelay);
  }

  /** Turns keep-alive probes on or off, optionally with the idle time before the first. */
  setKeepAlive(enable: boolean, idle?: Nanos): void {
    this.conn.setKeepAlive(enable, idle);
  }

  /** Called once the handshake completes (connecting sockets). */
  onConnect(fn: () => void): void {
    this.connectFns.push(fn);
  }

  /** Called with each chunk of received data, in order. */
  onData(fn: (data: Uint8Array) => void): void {
    this.conn.onData(fn);
  }

  /** Called when the peer has finished sending (its FIN, after all its data). */
  onEnd(fn: () => void): void {
    this.conn.onEnd(fn);
  }

  /** Called after `write` returned false, once every queued byte is in TCP's send buffer. */
  onDrain(fn: () => void): void {
    this.drainFns.push(fn);
  }

  /** Called once the connection is over (hadError: it ended by an error). */
  onClose(fn: (hadError: boolean) => void): void {
    this.conn.onClose(fn);
  }

  /** Called with ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, ... */
  onError(fn: (e: TransportError) => void): void {
    this.conn.onError(fn);
  }

  /**
   * Reads as an async iterable: yields chunks until the peer's FIN, throws the connection's
   * error. Buffers at most `highWater` bytes before pausing the connection, so a slow consumer
   * closes TCP's window instead of growing memory. One iterator per socket.
   */
  [Symbol.asyncIterator](highWater = STREAM_READ_HIGH_WATER): AsyncIterator<Uint8Array> {
    if (this.iterating) throw new Error("a StreamSocket can be iterated only once");
    this.iterating = true;
    const chunks: Uint8Array[] = [];
    let buffered = 0;
    let done = false;
    let failure: TransportError | undefined;
    let waiter:
      | { resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: unknown) => void }
      | undefined;
    const settle = () => {
      const w = waiter;
      if (w === undefined) return;
      const c = chunks.shift();
      if (c !== undefined) {
        waiter = undefined;
        buffered -= c.length;
        if (buffered <= highWater) this.conn.resume();
        w.resolve({ value: c, done: false });
      } else if (failure !== undefined) {
        waiter = undefined;
        w.reject(failure);
      } else if (done) {
        waiter = undefined;
        w.resolve({ value: undefined, done: true });
      }
    };
    this.conn.onData((d) => {
      chunks.push(d);
      buffered += d.length;
      if (buffered > highWater) this.conn.pause();
      settle();
    });
    this.conn.onEnd(() => {
      done = true;
      settle();
    });
    this.conn.onError((e) => {
      failure = e;
      settle();
    });
    this.conn.onClose(() => {
      done = true;
      settle();
    });
    return {
      next: () =>
        new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
          waiter = { resolve, reject };
          settle();
        }),
      return: () => {
        done = true;
        chunks.length = 0;
        this.conn.resume();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** Moves queued bytes into TCP as it has room; sends the FIN once the queue is empty. */
  private flush(): void {
    if (!this.connected) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = this.conn.write(head);
      this.queued -= n;
      if (n < head.length) {
        this.queue[0] = head.subarray(n);
        return;
      }
      this.queue.shift();
      if (this.queue.length === 0 && this.needDrain && !this.ending) {
        this.needDrain = false;
        for (const fn of this.drainFns) fn();
      }
    }
    if (this.ending && !this.finished) {
      this.finished = true;
      this.conn.end();
    }
  }
}
