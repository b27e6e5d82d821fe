/**
 * A link's output queue: FIFO over a growable ring of packets, with drop-tail limits in packets
 * and in bytes (whichever is hit first). Counts what it dropped so tests and traces can tell.
 */
import type { Nanos } from "../sim/time.js";

export interface QueueLimits {
  /** Most packets waiting (default 1000, Linux's txqueuelen). */
  packets?: number;
  /** Most bytes waiting (default unlimited). */
  bytes?: number;
  /** Active queue management on top of the limits: "codel" (RFC 8289, codel.ts); default none. */
  aqm?: "codel";
  /** CoDel's target queueing delay (default 5 ms). */
  target?: Nanos;
  /** CoDel's interval (default 100 ms). */
  interval?: Nanos;
}

/** What a link's channel needs from its output queue; drop-tail and CoDel both provide it. */
export interface OutputQueue {
  /** Packets waiting. */
  readonly length: number;
  /** Bytes waiting. */
  readonly bytes: number;
  /** Packets this queue discarded. */
  readonly drops: number;
  /** Appends a packet; false when it was refused (the caller reports the drop). */
  push(packet: Uint8Array): boolean;
  /** Removes and returns the next packet to send. */
  shift(): Uint8Array | undefined;
  /** Empties the queue, returning what it held (oldest first). */
  flush(): Uint8Array[];
}

export class PacketQueue implements OutputQueue {
  private ring: (Uint8Array | undefined)[];
  private head = 0;
  private count = 0;
  private byteCount = 0;
  readonly maxPackets: number;
  readonly maxBytes: number;
  /** Packets refused because the queue was full. */
  drops = 0;

  constructor(limits: QueueLimits = {}) {
    this.maxPackets = limits.packets ?? 1000;
    this.maxBytes = limits.bytes ?? Number.POSITIVE_INFINITY;
    if (!(this.maxPackets >= 1) || !(this.maxBytes >= 1)) {
      throw new RangeError("queue limits must allow at least one packet and one byte");
    }
    this.ring = new Array(16);
  }

  /** Packets waiting. */
  get length(): number {
    return this.count;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.byteCount;
  }

  /** Appends a packet; returns false (and counts a drop) when a limit would be exceeded. */
  push(packet: Uint8Array): boolean {
    if (this.count >= this.maxPackets || this.byteCount + packet.length > this.maxBytes) {
      this.drops++;
      return false;
    }
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) % this.ring.length] = packet;
    this.count++;
    this.byteCount += packet.length;
    return true;
  }

  /** Removes and returns the oldest packet. */
  shift(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const p = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    this.byteCount -= p.length;
    return p;
  }

  /** Empties the queue, returning what it held (oldest first). */
  flush(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let p = this.shift(); p !== undefined; p = this.shift()) out.push(p);
    return out;
  }

  private grow(): void {
    const ring = new Array<Uint8Array | undefined>(this.ring.length * 2);
    for (let i = 0; i < this.count; i++) ring[i] = this.ring[(this.head + i) % this.ring.length];
    this.ring = ring;
    this.head = 0;
  }
}
