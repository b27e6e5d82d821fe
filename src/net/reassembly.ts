/**
 * Fragment reassembly for IPv4 (RFC 791 §3.2) and IPv6 (RFC 8200 §4.5) with the hole-descriptor
 * bookkeeping of RFC 815: each datagram in progress keeps the list of byte ranges still missing,
 * and is complete when the list is empty. A timer discards a datagram that does not complete
 * (30 s, as Linux's ipfrag_time), and a byte budget bounds the memory that fragments can hold
 * (4 MiB by default, Linux's ipfrag_high_thresh): new datagrams are refused past it.
 */
import type { Simulator, Timer } from "../sim/simulator.js";
import type { Nanos } from "../sim/time.js";

export interface ReassemblyLimits {
  /** How long a datagram may stay incomplete (default 30 s). */
  timeout?: Nanos;
  /** Most fragment bytes held at once across all datagrams (default 4 MiB). */
  maxBytes?: number;
}

interface Piece {
  offset: number;
  data: Uint8Array;
}

class Pending {
  holes: { first: number; last: number }[] = [{ first: 0, last: Number.POSITIVE_INFINITY }];
  pieces: Piece[] = [];
  bytes = 0;
  /** Payload length, known once the final fragment has arrived. */
  total: number | undefined;
  /** The unfragmentable part (IP header, up to the fragment header for IPv6) of fragment 0. */
  header: Uint8Array | undefined;
  /** The first fragment as received, quoted by the ICMP error on timeout. */
  firstFragment: Uint8Array | undefined;
  timer: Timer | undefined;
}

/** What a finished or abandoned reassembly hands back. */
export interface ReassemblyEvents {
  /** A datagram completed: the header of fragment 0 and the whole payload. */
  complete(header: Uint8Array, payload: Uint8Array, key: string): void;
  /** A datagram timed out; `firstFragment` is set when fragment 0 had arrived (RFC 792). */
  timedOut(firstFragment: Uint8Array | undefined, key: string, fragmentsHeld: number): void;
}

export class Reassembler {
  private readonly pending = new Map<string, Pending>();
  private heldBytes = 0;
  readonly timeout: Nanos;
  readonly maxBytes: number;
  /** Fragments refused because the byte budget was exhausted. */
  refused = 0;

  constructor(
    private readonly sim: Simulator,
    private readonly events: ReassemblyEvents,
    limits: ReassemblyLimits = {},
  ) {
    this.timeout = limits.timeout ?? 30_000_000_000;
    this.maxBytes = limits.maxBytes ?? 4 * 1024 * 1024;
  }

  /** Datagrams in progress. */
  get inProgress(): number {
    return this.pending.size;
  }

  /** Fragment bytes currently held. */
  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Adds one fragment. `key` identifies the datagram (addresses, protocol, identification);
   * `offset` is in bytes; `header` is the unfragmentable part, kept from fragment 0.
   * Returns false when the fragment was refused (budget exhausted, or inconsistent).
   */
  add(
    key: string,
    header: Uint8Array,
    offset: number,
    data: Uint8Array,
    more: boolean,
    whole: Uint8Array,
  ): boolean {
    // A non-final fragment must carry a multiple of 8 bytes (RFC 791 §3.2, RFC 8200 §4.5).
    if ((more && data.length % 8 !== 0) || data.length === 0) return false;
    let p = this.pending.get(key);
    if (p === undefined) {
      if (this.heldBytes + data.length > this.maxBytes) {
        this.refused++;
        return false;
      }
      p = new Pending();
      this.pending.set(key, p);
      const entry = p;
      p.timer = this.sim.timer(() => this.expire(key, entry));
      p.timer.set(this.timeout);
    } else if (this.heldBytes + data.length > this.maxBytes) {
      this.refused++;
      return false;
    }
    const first = offset;
    const last = offset + data.length - 1;
    // A fragment reaching past a known end contradicts the final fragment: ignore it.
    if (p.total !== undefined && (last >= p.total || (!more && last + 1 !== p.total))) return false;
    // RFC 815 steps 1-7: carve the fragment's range out of every hole it overlaps.
    const holes: { first: number; last: number }[] = [];
    for (const h of p.holes) {
      if (first > h.last || last < h.first) {
        holes.push(h);
        continue;
      }
      if (first > h.first) holes.push({ first: h.first, last: first - 1 });
      if (last < h.last && more) holes.push({ first: last + 1, last: h.last });
    }
    // The final fragment fixes the datagram's length: nothing may lie beyond it.
    p.holes = more
      ? holes
      : holes
          .filter((h) => h.first <= last)
          .map((h) => ({ first: h.first, last: Math.min(h.last, last) }));
    if (!more) {
      if (p.pieces.some((x) => x.offset + x.data.length - 1 > last)) {
        this.discard(key, p);
        return false;
      }
      p.total = last + 1;
    }
    const copy = data.slice();
    p.pieces.push({ offset, data: copy });
    p.bytes += copy.length;
    this.heldBytes += copy.length;
    if (offset === 0) {
      p.header = header.slice();
      p.firstFragment = whole.slice();
    }
    if (p.holes.length === 0 && p.header !== undefined) {
      let total = 0;
      for (const x of p.pieces) total = Math.max(total, x.offset + x.data.length);
      const payload = new Uint8Array(total);
      for (const x of p.pieces) payload.set(x.data, x.offset);
      const headerCopy = p.header;
      this.discard(key, p);
      this.events.complete(headerCopy, payload, key);
    }
    return true;
  }

  /** Drops everything in progress (e.g. when the node crashes). */
  clear(): void {
    for (const [key, p] of [...this.pending]) this.discard(key, p);
  }

  private expire(key: string, p: Pending): void {
    if (this.pending.get(key) !== p) return;
    const first = p.firstFragment;
    const n = p.pieces.length;
    this.discard(key, p);
    this.events.timedOut(first, key, n);
  }

  private discard(key: string, p: Pending): void {
    p.timer?.cancel();
    this.heldBytes -= p.bytes;
    this.pending.delete(key);
  }
}
