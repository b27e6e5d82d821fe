/**
 * A fingerprint of a run's packet trace for determinism checks: for every packet put on a wire,
 * its time, the interface and a hash of its bytes. Two runs with the same seed must produce the
 * same sequence; `firstDifference` says where they part.
 */
import type { Network } from "../net/network.js";
import type { PacketEvent } from "../net/packet-events.js";
import type { Nanos } from "../sim/time.js";

/** FNV-1a over bytes, continuing from `h`. */
function fnv(h: number, bytes: Uint8Array): number {
  let x = h;
  for (let i = 0; i < bytes.length; i++) x = Math.imul(x ^ bytes[i]!, 0x01000193);
  return x >>> 0;
}

/** FNV-1a over a string's UTF-16 code units, continuing from `h`. */
function fnvText(h: number, s: string): number {
  let x = h;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 0x01000193);
  return x >>> 0;
}

/** Records every transmit event of a network from construction on. */
export class TraceFingerprint {
  readonly times: Nanos[] = [];
  readonly hashes: number[] = [];
  readonly places: string[] = [];
  private whole = 0x811c9dc5;
  private readonly unsubscribe: () => void;
  /** Called with each transmit event, its index and hash (to describe a difference). */
  onTransmit: ((e: PacketEvent, index: number, hash: number) => void) | undefined;

  constructor(net: Network) {
    this.unsubscribe = net.events.subscribe((e) => {
      if (e.kind !== "transmit") return;
      const place = `${e.node}:${e.iface ?? ""}`;
      const h = fnv(fnvText(fnvText(0x811c9dc5, place), String(e.time)), e.packet);
      const index = this.times.length;
      this.times.push(e.time);
      this.hashes.push(h);
      this.places.push(place);
      this.whole = Math.imul(this.whole ^ h, 0x01000193) >>> 0;
      this.onTransmit?.(e, index, h);
    });
  }

  /** Packets recorded. */
  get count(): number {
    return this.times.length;
  }

  /** One hash of the whole trace, as 8 hex digits. */
  get digest(): string {
    return this.whole.toString(16).padStart(8, "0");
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Index of the first packet where two traces differ (or where one ends), or -1. */
  static firstDifference(a: TraceFingerprint, b: TraceFingerprint): number {
    const n = Math.min(a.count, b.count);
    for (let i = 0; i < n; i++) {
      if (a.hashes[i] !== b.hashes[i] || a.times[i] !== b.times[i]) return i;
    }
    return a.count === b.count ? -1 : n;
  }
}
