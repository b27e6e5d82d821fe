/**
 * CoDel (RFC 8289): an output queue that drops at its head when packets have waited longer than
 * `target` for at least `interval`, more often the longer that lasts (interval / sqrt(count)),
 * so a standing queue drains while bursts pass. Tail limits still apply, as in Linux's codel.
 */
import type { Nanos } from "../sim/time.js";
import { NS_PER_MS } from "../sim/time.js";
import type { OutputQueue, QueueLimits } from "./packet-queue.js";

/** RFC 8289 §4.4: the target sojourn time. */
export const CODEL_TARGET: Nanos = 5 * NS_PER_MS;
/** RFC 8289 §4.5: the interval, on the order of a worst-case round trip. */
export const CODEL_INTERVAL: Nanos = 100 * NS_PER_MS;

export class CodelQueue implements OutputQueue {
  private ring: (Uint8Array | undefined)[] = new Array(16);
  /** Enqueue time of each packet, parallel to `ring` (RFC 8289 §5.2). */
  private stamps = new Float64Array(16);
  private head = 0;
  private count = 0;
  private byteCount = 0;
  readonly maxPackets: number;
  readonly maxBytes: number;
  readonly target: Nanos;
  readonly interval: Nanos;
  /** Packets refused at the tail because a limit was reached. */
  tailDrops = 0;
  /** Packets CoDel dropped at the head. */
  aqmDrops = 0;
  /** How long the last packet handed out (or dropped) had waited. */
  lastSojourn: Nanos = 0;
  // RFC 8289 §5.4 state.
  private firstAboveTime: Nanos = 0;
  private dropNext: Nanos = 0;
  private dropCount = 0;
  private lastCount = 0;
  private dropping = false;
  /** MAXPACKET: the largest packet seen (as Linux tracks it), below which a queue cannot shrink. */
  private maxPacket = 0;
  /** Set by `dodequeue`: the sojourn time says a drop is allowed. */
  private okToDrop = false;

  constructor(
    limits: QueueLimits,
    /** The current time (the simulator's clock). */
    private readonly now: () => Nanos,
    /** Called for each packet CoDel drops, so the channel can report it. */
    private readonly onDrop: (packet: Uint8Array) => void,
  ) {
    this.maxPackets = limits.packets ?? 1000;
    this.maxBytes = limits.bytes ?? Number.POSITIVE_INFINITY;
    this.target = limits.target ?? CODEL_TARGET;
    this.interval = limits.interval ?? CODEL_INTERVAL;
    if (!(this.maxPackets >= 1) || !(this.maxBytes >= 1)) {
      throw new RangeError("queue limits must allow at least one packet and one byte");
    }
    if (!(this.target > 0 && this.interval > 0)) {
      throw new RangeError("CoDel target and interval must be > 0");
    }
  }

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Every packet discarded, at the tail or by CoDel. */
  get drops(): number {
    return this.tailDrops + this.aqmDrops;
  }

  /** True while CoDel is in its dropping state. */
  get isDropping(): boolean {
    return this.dropping;
  }

  push(packet: Uint8Array): boolean {
    if (this.count >= this.maxPackets || this.byteCount + packet.length > this.maxBytes) {
      this.tailDrops++;
      return false;
    }
    if (this.count === this.ring.length) this.grow();
    const i = (this.head + this.count) % this.ring.length;
    this.ring[i] = packet;
    this.stamps[i] = this.now();
    this.count++;
    this.byteCount += packet.length;
    if (packet.length > this.maxPacket) this.maxPacket = packet.length;
    return true;
  }

  /** RFC 8289 §5.7: dequeue, dropping from the head as the control law says. */
  shift(): Uint8Array | undefined {
    const now = this.now();
    let p = this.dodequeue(now);
    if (p === undefined) {
      this.dropping = false;
      return undefined;
    }
    if (this.dropping) {
      if (!this.okToDrop) {
        this.dropping = false; // sojourn time went below target: leave the dropping state
      }
      while (this.dropping && now >= this.dropNext) {
        this.drop(p!);
        this.dropCount++;
        p = this.dodequeue(now);
        if (!this.okToDrop) this.dropping = false;
        else this.dropNext = this.controlLaw(this.dropNext, this.dropCount);
      }
    } else if (this.okToDrop) {
      // Above target for a whole interval: drop one and enter the dropping state.
      this.drop(p);
      p = this.dodequeue(now);
      this.dropping = true;
      // §5.7: re-entering soon after leaving resumes near the drop rate that was working.
      const delta = this.dropCount - this.lastCount;
      this.dropCount = delta > 1 && now - this.dropNext < 16 * this.interval ? delta : 1;
      this.dropNext = this.controlLaw(now, this.dropCount);
      this.lastCount = this.dropCount;
    }
    return p;
  }

  flush(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let p = this.take(); p !== undefined; p = this.take()) out.push(p);
    this.firstAboveTime = 0;
    this.dropping = false;
    return out;
  }

  /** RFC 8289 §5.5: t + interval / sqrt(count). */
  private controlLaw(t: Nanos, count: number): Nanos {
    return t + Math.round(this.interval / Math.sqrt(count));
  }

  /**
   * RFC 8289 §5.6: takes the head packet and decides whether it may be dropped: the sojourn time
   * has stayed at or above target for an interval, with more than one packet's worth queued.
   */
  private dodequeue(now: Nanos): Uint8Array | undefined {
    this.okToDrop = false;
    const stamp = this.stamps[this.head]!;
    const p = this.take();
    if (p === undefined) {
      this.firstAboveTime = 0;
      return undefined;
    }
    this.lastSojourn = now - stamp;
    if (this.lastSojourn < this.target || this.byteCount <= this.maxPacket) {
      this.firstAboveTime = 0;
    } else if (this.firstAboveTime === 0) {
      this.firstAboveTime = now + this.interval;
    } else if (now >= this.firstAboveTime) {
      this.okToDrop = true;
    }
    return p;
  }

  private drop(p: Uint8Array): void {
    this.aqmDrops++;
    this.onDrop(p);
  }

  private take(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const p = this.ring[this.head]!;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    this.byteCount -= p.length;
    return p;
  }

  private grow(): void {
    const n = this.ring.length;
    const ring = new Array<Uint8Array | undefined>(n * 2);
    const stamps = new Float64Array(n * 2);
    for (let i = 0; i < this.count; i++) {
      ring[i] = this.ring[(this.head + i) % n];
      stamps[i] = this.stamps[(this.head + i) % n]!;
    }
    this.ring = ring;
    this.stamps = stamps;
    this.head = 0;
  }
}
