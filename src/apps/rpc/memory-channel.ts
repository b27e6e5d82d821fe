/**
 * An in-memory duplex byte channel driven by the simulator: what one end writes arrives at the
 * other after a delay, in order, optionally cut into seeded random chunks to exercise framing.
 * It stands in for a TCP connection in tests, and shows what a channel must provide.
 */
import type { Simulator } from "../../sim/simulator.js";
import { type Nanos, NS_PER_MS } from "../../sim/time.js";
import type { ByteChannel } from "./correlation.js";

export interface MemoryChannelOptions {
  /** One-way delay (default 1 ms). */
  delay?: Nanos;
  /** Cut each write into chunks of 1..maxChunk bytes (default: deliver writes whole). */
  maxChunk?: number;
  /** Name of the random stream that picks chunk sizes (default "memory-channel"). */
  rng?: string;
}

/** One end of a memory channel pair. */
export class MemoryChannel implements ByteChannel {
  peer: MemoryChannel | undefined;
  private readonly dataListeners: ((bytes: Uint8Array) => void)[] = [];
  private readonly closeListeners: ((reason?: string) => void)[] = [];
  private isClosed = false;
  /** Bytes written and delivered, for tests. */
  written = 0;
  delivered = 0;

  constructor(
    private readonly sim: Simulator,
    private readonly options: Required<Pick<MemoryChannelOptions, "delay">> & MemoryChannelOptions,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  onData(cb: (bytes: Uint8Array) => void): void {
    this.dataListeners.push(cb);
  }

  onClose(cb: (reason?: string) => void): void {
    this.closeListeners.push(cb);
  }

  /** Queues bytes for the peer; writes after close are dropped. */
  write(bytes: Uint8Array): void {
    if (this.isClosed || this.peer === undefined) return;
    const copy = bytes.slice();
    this.written += copy.length;
    const peer = this.peer;
    const { maxChunk, rng } = this.options;
    if (maxChunk === undefined) {
      this.sim.after(this.options.delay, () => peer.deliver(copy));
      return;
    }
    const r = this.sim.rng(rng ?? "memory-channel");
    for (let i = 0; i < copy.length; ) {
      const n = Math.min(copy.length - i, 1 + r.nextInt(maxChunk));
      const chunk = copy.subarray(i, i + n);
      this.sim.after(this.options.delay, () => peer.deliver(chunk));
      i += n;
    }
  }

  /** Closes both directions: this end at once, the peer after the delay (behind data in flight). */
  close(reason = "closed by peer"): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const peer = this.peer;
    this.sim.after(0, () => this.fireClose("closed locally"));
    if (peer !== undefined) this.sim.after(this.options.delay, () => peer.remoteClose(reason));
  }

  private deliver(bytes: Uint8Array): void {
    if (this.isClosed) return;
    this.delivered += bytes.length;
    for (const fn of this.dataListeners) fn(bytes);
  }

  private remoteClose(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.fireClose(reason);
  }

  private fireClose(reason: string): void {
    for (const fn of this.closeListeners) fn(reason);
  }
}

/**
 * Two connected ends. Delivery times never decrease, and the event queue runs equal times in
 * insertion order, so bytes arrive in the order written, as on a TCP stream.
 */
export function memoryChannelPair(
  sim: Simulator,
  options: MemoryChannelOptions = {},
): [MemoryChannel, MemoryChannel] {
  const o = { ...options, delay: options.delay ?? NS_PER_MS };
  const a = new MemoryChannel(sim, o);
  const b = new MemoryChannel(sim, o);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
