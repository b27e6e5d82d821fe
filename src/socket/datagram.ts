/**
 * The native datagram socket: UDP through the same shape as the stream socket (callbacks on
 * simulator events, or an async iterable of messages). Datagrams are not flow-controlled, so the
 * iterator keeps a bounded queue and drops the newest when it is full, as a socket buffer does.
 */
import type { TransportError } from "../transport/errors.js";
import type { Endpoint, UdpMessage, UdpSendOptions, UdpSocket } from "../transport/udp.js";

/** Datagrams the async iterator queues before it drops (like a full receive buffer). */
export const DATAGRAM_QUEUE_LIMIT = 256;

/** A bound UDP socket. */
export class DatagramSocket implements AsyncIterable<UdpMessage> {
  private iterating = false;
  /** Datagrams the iterator dropped because its queue was full. */
  dropped = 0;

  constructor(
    /** The UDP socket underneath. */
    readonly udp: UdpSocket,
  ) {}

  /** Bound address and port. */
  get local(): Endpoint {
    return this.udp.local;
  }

  /** Sends one datagram; returns an error value when it cannot be sent. */
  send(data: Uint8Array, to: Endpoint, options?: UdpSendOptions): TransportError | undefined {
    return this.udp.send(data, to.port, to.address, options);
  }

  /** Called with each datagram received. */
  onMessage(fn: (m: UdpMessage) => void): void {
    this.udp.onMessage(fn);
  }

  /** Called with ICMP errors about datagrams this socket sent (ECONNREFUSED, ...). */
  onError(fn: (e: TransportError) => void): void {
    this.udp.onError((e) => fn(e.error));
  }

  /** Releases the port; a pending iteration ends. */
  close(): void {
    this.udp.close();
    this.closeFn?.();
  }

  private closeFn: (() => void) | undefined;

  /** Received datagrams as an async iterable, until `close()`. */
  [Symbol.asyncIterator](limit = DATAGRAM_QUEUE_LIMIT): AsyncIterator<UdpMessage> {
    if (this.iterating) throw new Error("a DatagramSocket can be iterated only once");
    this.iterating = true;
    const queue: UdpMessage[] = [];
    let done = false;
    let waiter: ((r: IteratorResult<UdpMessage>) => void) | undefined;
    const settle = () => {
      if (waiter === undefined) return;
      const m = queue.shift();
      const w = waiter;
      if (m !== undefined) {
        waiter = undefined;
        w({ value: m, done: false });
      } else if (done) {
        waiter = undefined;
        w({ value: undefined, done: true });
      }
    };
    this.udp.onMessage((m) => {
      if (done) return;
      if (queue.length >= limit) this.dropped++;
      else queue.push(m);
      settle();
    });
    this.closeFn = () => {
      done = true;
      settle();
    };
    return {
      next: () =>
        new Promise<IteratorResult<UdpMessage>>((resolve) => {
          waiter = resolve;
          settle();
        }),
      return: () => {
        done = true;
        queue.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
